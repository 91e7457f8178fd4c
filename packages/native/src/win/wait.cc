#include "win/wait.h"

#include <memory>
#include <new>

#include "win/handle.h"
#include "win/op_overlapped.h"

namespace iocp::win {

namespace {

// Who owns the op's completion: nobody yet, the wait callback, or a cancel.
constexpr LONG kArmed = 0;
constexpr LONG kFired = 1;
constexpr LONG kCancelled = 2;

// The callbacks run on the thread pool's worker threads, not in the wait
// thread (no WT_EXECUTEINWAITTHREAD): under Wine 8 a wait thread running our
// callbacks while other registrations of its bucket were unregistered (a
// wait cancelled over and over beside timed waits) freed a wait object
// still on the bucket's list and died on ntdll's assertion "wait->type ==
// TP_OBJECT_TYPE_WAIT" (threadpool.c) within seconds (the regression test:
// packages/proactor/test/wait-cancel-storm.test.ts). Our callbacks only
// post a completion, so the worker hop costs little.
constexpr ULONG kOneShot = WT_EXECUTEONLYONCE;

struct WaitState {
  HANDLE port = nullptr;
  Op* op = nullptr;
  // The registration on the caller's handle, until a cancel unregisters it.
  HANDLE wait = nullptr;
  // The registration on `unregistered`, made by a cancel.
  HANDLE cancel_wait = nullptr;
  // Manual-reset; UnregisterWaitEx sets it once the first registration's
  // callbacks have all returned.
  OwnedHandle unregistered;
  volatile LONG phase = kArmed;
  // Set when the first registration could not be unregistered: its callback
  // may still run, so this state is never freed (it is a few bytes).
  bool orphaned = false;
};

// Runs on a worker thread when the handle is signalled or the timeout passes.
// It touches nothing after posting: the JavaScript thread may free the state
// as soon as the packet is delivered.
void CALLBACK OnFired(PVOID context, BOOLEAN timed_out) {
  auto* s = static_cast<WaitState*>(context);
  if (InterlockedCompareExchange(&s->phase, kFired, kArmed) != kArmed) return;
  // A refused post would leave the op pending; the port outlives every op
  // (Shutdown waits for them), so the only failure left is exhaustion of
  // kernel memory, about which a wait thread can do nothing.
  PostCompletion(s->port, s->op, kStatusSuccess, timed_out ? 0 : 1);
}

// Runs on a worker thread once the cancelled registration is fully gone.
void CALLBACK OnUnregistered(PVOID context, BOOLEAN /*timed_out*/) {
  auto* s = static_cast<WaitState*>(context);
  PostCompletion(s->port, s->op, kStatusCancelled, 0);
}

// Looks at the handle once without waiting, with WaitForSingleObject, which
// has the same effect on the object as the registered wait would (an
// auto-reset event or a semaphore is taken). Returns 1 when it is signalled,
// 0 when not, or the negated error for a handle that cannot be waited on
// (which Wine's thread pool would accept and report as a timeout).
int Poll(HANDLE handle) {
  switch (WaitForSingleObject(handle, 0)) {
    case WAIT_OBJECT_0:
    case WAIT_ABANDONED:  // A mutex whose owner died: acquired, so signalled.
      return 1;
    case WAIT_TIMEOUT:
      return 0;
    default:
      return -static_cast<int>(GetLastError());
  }
}

}  // namespace

int StartWait(HANDLE port, Op* op) {
  HANDLE handle = reinterpret_cast<HANDLE>(static_cast<intptr_t>(op->handle));
  // A handle that is signalled already, or a zero timeout ("the function
  // tests the object's state and returns immediately", as
  // RegisterWaitForSingleObject's documentation says; Wine's thread pool
  // would report a timeout without looking), needs no registration.
  int now = Poll(handle);
  if (now < 0) return now;
  if (now == 1 || op->timeout_ms == 0) {
    if (!PostCompletion(port, op, kStatusSuccess, static_cast<DWORD>(now))) {
      return -static_cast<int>(GetLastError());
    }
    return 0;
  }
  std::unique_ptr<WaitState> s(new (std::nothrow) WaitState());
  if (!s) return -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  s->port = port;
  s->op = op;
  s->unregistered.reset(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!s->unregistered.valid()) return -static_cast<int>(GetLastError());
  DWORD timeout = op->timeout_ms < 0 ? INFINITE : static_cast<DWORD>(op->timeout_ms);
  // The callback may run before this returns; it reads only port, op and
  // phase, which are set already.
  if (!RegisterWaitForSingleObject(&s->wait, handle, OnFired, s.get(), timeout, kOneShot)) {
    return -static_cast<int>(GetLastError());
  }
  op->backend_data = s.release();
  return 0;
}

void CancelWait(Op* op) {
  auto* s = static_cast<WaitState*>(op->backend_data);
  if (s == nullptr) return;
  if (InterlockedCompareExchange(&s->phase, kCancelled, kArmed) != kArmed) return;
  HANDLE wait = s->wait;
  s->wait = nullptr;
  if (!UnregisterWaitEx(wait, s->unregistered.get()) && GetLastError() != ERROR_IO_PENDING) {
    // The event will not be set, and a callback may still run: keep the
    // state forever and complete the op now.
    s->orphaned = true;
    PostCompletion(s->port, op, kStatusCancelled, 0);
    return;
  }
  if (!RegisterWaitForSingleObject(&s->cancel_wait, s->unregistered.get(), OnUnregistered, s,
                                   INFINITE, kOneShot)) {
    // No thread to wait for the event: wait here. The unregistration is done
    // as soon as a callback that is running right now returns (it only loses
    // the race above and returns), so this does not block for long.
    s->cancel_wait = nullptr;
    WaitForSingleObject(s->unregistered.get(), INFINITE);
    PostCompletion(s->port, op, kStatusCancelled, 0);
  }
}

void EndWait(Op* op) {
  auto* s = static_cast<WaitState*>(op->backend_data);
  if (s == nullptr) return;
  op->backend_data = nullptr;
  // A one-shot registration must still be unregistered to free it. NULL
  // means "do not wait": ERROR_IO_PENDING only says a callback is returning,
  // and our callbacks touch nothing after they post.
  if (s->wait != nullptr) UnregisterWaitEx(s->wait, nullptr);
  if (s->cancel_wait != nullptr) UnregisterWaitEx(s->cancel_wait, nullptr);
  if (s->orphaned) return;
  delete s;
}

}  // namespace iocp::win
