// waitHandle: RegisterWaitForSingleObject with a callback that posts the
// op's packet to the port. Port of windows_events.py
// IocpProactor._wait_for_handle and _WaitHandleFuture._unregister_wait,
// changed so that each op gets exactly one packet:
//   - The wait callback and a cancel race for the op through one atomic
//     word; only the winner completes it.
//   - A cancel that wins calls UnregisterWaitEx with an event, as asyncio
//     does, and a second one-shot wait on that event posts the
//     ERROR_OPERATION_ABORTED packet only once every callback of the first
//     registration has returned, so the shared state is never freed under a
//     running callback, and the JavaScript thread never blocks.
#ifndef IOCP_WIN_WAIT_H_
#define IOCP_WIN_WAIT_H_

#include <windows.h>

#include "common/op.h"

namespace iocp::win {

// Starts waiting on op->handle for op->timeout_ms (-1: forever) and keeps
// the registration in op->backend_data. Returns 0, after which exactly one
// packet follows (1 signalled, 0 timed out, or ERROR_OPERATION_ABORTED after
// CancelWait), or a negated Win32 error, after which none does. The handle
// is polled first: when it is signalled already, or the timeout is 0, the
// answer is posted at once, with no registration.
// This should be called from the JavaScript thread.
int StartWait(HANDLE port, Op* op);

// Cancels op's wait unless its callback already claimed it (then the real
// result is on its way). This should be called from the JavaScript thread.
void CancelWait(Op* op);

// Releases op's registrations once its packet has been taken from the port.
// This should be called from the JavaScript thread.
void EndWait(Op* op);

}  // namespace iocp::win

#endif  // IOCP_WIN_WAIT_H_
