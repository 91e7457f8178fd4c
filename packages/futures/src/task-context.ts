// Which Task is running the current JavaScript code.
//
// asyncio's Task drives its coroutine itself (Task.__step), so it always
// knows the future the coroutine waits on (_fut_waiter). An async function
// is driven by the JavaScript engine instead, so a Task cannot see its
// awaits. It learns them this way: the Task runs its function inside an
// AsyncLocalStorage context holding the Task; `await future` reads
// future.constructor (a getter, see future.ts) from the awaiting code's
// context, and the engine's then() call that follows runs there too; both
// ask this module which Task (if any) is awaiting (see task-step.ts).
//
// The AsyncLocalStorage is created when the first Task is, so a program
// that uses futures but no tasks never turns on Node's promise hooks (the
// cost of AsyncLocalStorage on Node 20; see README "How a Task runs").
// It is also disabled whenever no Task is pending, which turns the hooks
// off again (the next Task's run() turns them on).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from './task';

let storage: AsyncLocalStorage<Task<unknown> | undefined> | undefined;

/** True from a Task's start until no Task is pending: the storage is enabled. */
let active = false;

/** Runs `fn` in the context of `task` (enables the storage, created on first use). */
export function runInTask<R>(task: Task<unknown>, fn: () => R): R {
  storage ??= new AsyncLocalStorage<Task<unknown> | undefined>();
  active = true;
  return storage.run(task, fn);
}

/** The Task whose code is running, or undefined (free when no Task was ever made). */
export function currentTaskOrUndefined(): Task<unknown> | undefined {
  return storage === undefined ? undefined : storage.getStore();
}

/** True while the storage is enabled, so every promise made runs Node's promise hooks. */
export function tasksActive(): boolean {
  return active;
}

/** Turns the storage off while no Task is pending (the next runInTask() turns it on). */
export function idleTaskStorage(): void {
  storage?.disable();
  active = false;
}

/**
 * Runs `fn(...args)` outside any Task's context (a loop callback belongs to
 * no Task). Not with storage.exit(): that disables the storage for the
 * call, which turns Node's promise hooks off and on again each time.
 */
export function outsideTasks<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
  if (active && storage !== undefined) storage.run(undefined, fn, ...args);
  else fn(...args);
}
