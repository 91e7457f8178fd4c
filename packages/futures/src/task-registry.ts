// The tasks that are not done yet, held weakly, and "Task was destroyed but
// it is pending!".
//
// Port of tasks.py _all_tasks (a WeakSet), _register_task and Task.__del__.
// A Task that nothing can resume any more (it awaits a future that nobody
// else holds, or a promise that never settles) is garbage, as in asyncio:
// the registry must not keep it alive. Each Task has a TaskRecord, on a
// list of the pending ones (linked through the records: no hashing), which
// also carries what the report needs (the Task itself is gone by then, see
// collected-report.ts).
//
// Watching a Task with the FinalizationRegistry (and a WeakRef) costs more
// than running a short Task, and most Tasks finish soon. So a new Task is
// "young": its record holds it strongly, and it is watched only once a
// major garbage collection finds it still pending. A GC is noticed through
// a sentinel object watched by the same registry (V8 clears
// FinalizationRegistry targets in major GCs only). The sweep then gives
// each young Task still pending a WeakRef and a watch. So:
// - registerTask(): a young record joins the list.
// - finishTask(): the record leaves the list (and the young ones), and is
//   marked quiet: if it was watched, the callback reports nothing.
// - A Task that became garbage while young is kept until the next major GC
//   sweeps it, then collected by a later one: the record leaves the list,
//   and unless the Task was made quiet (asyncio's _log_destroy_pending =
//   False) the loop's exception handler (the logger for a loop-less task)
//   gets {message: 'Task was destroyed but it is pending!', task,
//   source_traceback} where `task` is a description, `<Task pending
//   name='Task-3'>`, since the object itself cannot be handed over
//   (JavaScript cannot resurrect it).
// When the list empties, the AsyncLocalStorage that tells which Task runs
// is turned off (see task-context.ts): a collected Task counts as done.
import { reportWhenCollected } from './collected-report';
import type { CollectedReport } from './collected-report';
import type { ExceptionContext } from './exception-context';
import { creationSite, formatValue } from './format';
import { futureClassName } from './future';
import { idleTaskStorage } from './task-context';
import type { BaseEventLoop } from './base-event-loop';
import type { Task } from './task';

/** What the registry keeps of a Task: strongly while young, then through a WeakRef. */
export class TaskRecord implements CollectedReport {
  /** asyncio's _log_destroy_pending: report the task if it is collected while pending (false once done). */
  logDestroyPending = true;
  /** @internal True while on the list of pending tasks. */
  _listed = false;
  /** @internal */ _prev: TaskRecord | null = null;
  /** @internal */ _next: TaskRecord | null = null;
  /** @internal The Task while young (pending, not yet swept); null after. */
  _task: Task<unknown> | null;
  /** @internal The Task once swept. */
  _ref: WeakRef<Task<unknown>> | null = null;
  /** @internal Its index in `young`, or -1. */
  _young = -1;

  constructor(
    task: Task<unknown>,
    readonly loop: BaseEventLoop | null,
    /** The Task's class name (a task factory may make a subclass). */
    readonly kind: string,
    /** The Task's name, kept up to date by setName(). */
    public name: string,
    readonly sourceTraceback: string | null,
  ) {
    this._task = task;
  }

  /** The Task, unless it was collected. */
  deref(): Task<unknown> | undefined {
    return this._task ?? this._ref?.deref();
  }

  /** The task was collected (called by the FinalizationRegistry): the report if it was pending. */
  collected(): ExceptionContext | null {
    unlistTask(this);
    if (!this.logDestroyPending) return null;
    const site = creationSite(this.sourceTraceback ?? undefined);
    const context: ExceptionContext = {
      message: 'Task was destroyed but it is pending!',
      task: `<${this.kind} pending name=${formatValue(this.name)}${site === null ? '' : ` created at ${site}`}>`,
    };
    if (this.sourceTraceback !== null) context.source_traceback = this.sourceTraceback;
    return context;
  }
}

/** The records of the tasks not done yet (asyncio's _all_tasks), oldest first. */
let first: TaskRecord | null = null;
let last: TaskRecord | null = null;

/** The records holding their Task strongly, waiting for the next sweep. */
const young: TaskRecord[] = [];
let sweepArmed = false;

/** Watches a sentinel: when a GC collects it, sweep() runs. */
function armSweep(): void {
  sweepArmed = true;
  reportWhenCollected({}, SWEEP);
}

/** A GC happened: the young tasks still pending are watched from now on. */
function sweep(): void {
  sweepArmed = false;
  for (const record of young) {
    const task = record._task!;
    record._task = null;
    record._young = -1;
    record._ref = new WeakRef(task);
    reportWhenCollected(task, record);
  }
  young.length = 0;
}

const SWEEP: CollectedReport = {
  loop: null,
  collected(): null {
    sweep();
    return null;
  },
};

function leaveYoung(record: TaskRecord): void {
  const at = record._young;
  if (at < 0) return;
  const moved = young.pop()!;
  if (moved !== record) {
    young[at] = moved;
    moved._young = at;
  }
  record._young = -1;
}

/** Takes `record` off the list; a task that could not start stays reportable (asyncio does the same). */
export function unlistTask(record: TaskRecord): void {
  if (!record._listed) return;
  record._listed = false;
  const { _prev: prev, _next: next } = record;
  if (prev === null) first = next;
  else prev._next = next;
  if (next === null) last = prev;
  else next._prev = prev;
  record._prev = record._next = null;
  if (first === null) idleTaskStorage();
}

// Port of tasks.py _register_task, plus the __del__ check.
/** Registers a new pending Task; returns its record. */
export function registerTask(task: Task<unknown>): TaskRecord {
  const record = new TaskRecord(
    task,
    task._loop,
    futureClassName(task),
    task._name,
    task._sourceTraceback,
  );
  record._listed = true;
  record._prev = last;
  if (last === null) first = record;
  else last._next = record;
  last = record;
  record._young = young.length;
  young.push(record);
  if (!sweepArmed) armSweep();
  return record;
}

/** The Task of `record` is done: it leaves the registry and is never reported. */
export function finishTask(record: TaskRecord): void {
  record.logDestroyPending = false;
  unlistTask(record);
  leaveYoung(record);
  record._task = null;
}

// Port of tasks.py all_tasks (the filter; the loop is chosen by the caller).
/** The registered tasks of `loop` (null: loop-less ones) that are not done. */
export function pendingTasksOf(loop: BaseEventLoop | null): Set<Task<unknown>> {
  const tasks = new Set<Task<unknown>>();
  for (let record = first; record !== null; record = record._next) {
    if (record.loop !== loop) continue;
    const task = record.deref();
    if (task !== undefined && !task.done()) tasks.add(task);
  }
  return tasks;
}
