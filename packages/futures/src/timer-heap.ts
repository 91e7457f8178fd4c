// The loop's timer queue: a binary min-heap of TimerHandles by deadline.
//
// asyncio uses heapq on a list of TimerHandles ordered by `when`; this heap
// also orders equal deadlines by creation, so timers due at the same time
// run in the order they were scheduled.
import type { TimerHandle } from './handle';

// Port of base_events.py's tuning constants.
const MIN_SCHEDULED_TIMER_HANDLES = 100;
const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;

function before(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/** A min-heap of timers, earliest first. */
export class TimerHeap {
  private _items: TimerHandle[] = [];

  get length(): number {
    return this._items.length;
  }

  /** The earliest timer, or undefined. */
  peek(): TimerHandle | undefined {
    return this._items[0];
  }

  push(handle: TimerHandle): void {
    const items = this._items;
    items.push(handle);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** Removes and returns the earliest timer. */
  pop(): TimerHandle | undefined {
    const items = this._items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this._siftDown(0);
    }
    return top;
  }

  /** Keeps only the timers for which `keep` is true and restores the heap (heapify). */
  filter(keep: (handle: TimerHandle) => boolean): void {
    this._items = this._items.filter(keep);
    for (let i = (this._items.length >> 1) - 1; i >= 0; i--) this._siftDown(i);
  }

  // Port of base_events.py BaseEventLoop._run_once (the clean-up of
  // cancelled timers): rebuild the heap when most of a big one is
  // cancelled, else pop the cancelled ones at the head.
  /** Drops cancelled timers; takes and returns the loop's count of cancelled ones still queued. */
  dropCancelled(cancelledCount: number): number {
    if (
      this.length > MIN_SCHEDULED_TIMER_HANDLES &&
      cancelledCount / this.length > MIN_CANCELLED_TIMER_HANDLES_FRACTION
    ) {
      this.filter((handle) => {
        if (!handle._cancelled) return true;
        handle._scheduled = false;
        return false;
      });
      return 0;
    }
    let count = cancelledCount;
    for (let head = this.peek(); head?._cancelled; head = this.peek()) {
      count -= 1;
      this.pop();
      head._scheduled = false;
    }
    return count;
  }

  clear(): void {
    this._items = [];
  }

  private _siftDown(start: number): void {
    const items = this._items;
    const n = items.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && before(items[left], items[smallest])) smallest = left;
      if (right < n && before(items[right], items[smallest])) smallest = right;
      if (smallest === i) return;
      [items[i], items[smallest]] = [items[smallest], items[i]];
      i = smallest;
    }
  }
}
