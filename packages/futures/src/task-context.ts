// Which Task is running the current JavaScript code.
//
// asyncio's Task drives its coroutine itself (Task.__step), so it always
// knows the future the coroutine waits on (_fut_waiter). An async function
// is driven by the JavaScript engine instead, so a Task cannot see its
// awaits. It learns them this way: the Task runs its function inside an
// AsyncLocalStorage context holding the Task, the engine calls
// Future.then() from the awaiting code's context, and then() asks this
// module which Task (if any) is awaiting.
//
// The AsyncLocalStorage is created when the first Task is, so a program
// that uses futures but no tasks never turns on Node's promise hooks (the
// cost of AsyncLocalStorage on Node 20; see README "Task cancellation").
// It is also disabled whenever no Task is pending, which turns the hooks
// off again (Node re-enables them at the next run()).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from './task';

let storage: AsyncLocalStorage<Task<unknown>> | undefined;

/** The storage, created on first use (by the first Task). */
export function taskStorage(): AsyncLocalStorage<Task<unknown>> {
  storage ??= new AsyncLocalStorage<Task<unknown>>();
  return storage;
}

/** The Task whose code is running, or undefined (free when no Task was ever made). */
export function currentTaskOrUndefined(): Task<unknown> | undefined {
  return storage === undefined ? undefined : storage.getStore();
}

/** Turns the storage off while no Task is pending (run() turns it on again). */
export function idleTaskStorage(): void {
  storage?.disable();
}

/** Runs `fn` outside any Task's context (a loop callback belongs to no Task). */
export function outsideTasks<R>(fn: () => R): R {
  return storage === undefined ? fn() : storage.exit(fn);
}
