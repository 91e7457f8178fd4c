// The backend contract: what every completion backend must provide.
//
// A backend turns operations (Op) into completions. There is one backend
// object per Core (one per IocpProactor), and three implementations:
//   - iocp::win::IocpBackend      (src/win/)   I/O completion ports
//   - iocp::uring::UringBackend   (src/linux/) io_uring, raw syscalls
//   - iocp::epoll::EpollBackend   (src/linux/) readiness emulated as completions
//
// Every backend must:
//   1. Start(): create its completion object (port / ring / epoll fd) and
//      arrange to wake the JavaScript thread when completions are ready, with
//      one wake-up per batch: Linux backends watch a file descriptor with a
//      uv_poll_t on Node's own loop (no thread hop); the Windows backend runs
//      one poller thread that hands whole batches over.
//   2. Submit(op): start op. Return 0 when exactly one completion will be
//      delivered for it later, or a negative system error (-errno on Linux,
//      -GetLastError() on Windows) when it failed at once; then no completion
//      follows and the caller releases op. When AllowDoneNow(true) was
//      called, a send or write that the OS took whole at once, or a read
//      answered at once (io_uring: from bytes its socket's receive held),
//      may instead return kDoneNow with its byte count in
//      op->done_result: no completion follows, and the caller delivers the
//      result to JavaScript at once and releases op (CPython's _register
//      resolves a future whose overlapped call did not go pending). A backend may queue submissions
//      and flush them once per loop turn (io_uring does, from a uv_prepare_t).
//   3. Cancel(op): ask the OS to cancel op (CancelIoEx / IORING_OP_ASYNC_CANCEL
//      / dropping the readiness wait). The op still completes exactly once:
//      with the cancellation error, or with its real result if it won the race.
//      Return kHasOutcome when the backend knows at once that the cancel
//      cannot undo the op: it already has its result (finished, waiting for
//      its batch) or the cancel cut it after part of its data moved. Its
//      completion then carries that outcome, which JavaScript must deliver:
//      a cancelled future would lose received bytes or hide sent ones.
//   4. Deliver each completion on the JavaScript thread through
//      CompletionSink::Complete(), then call CompletionSink::Flush() once per
//      batch. The kernel only keeps memory the Op owns (op->data is the Op's
//      bounce memory, never a JavaScript buffer), which lives until then;
//      a send may go out from the caller's bytes during Submit only (see
//      LendsSends).
//   5. Associate(handle) before the first op on a handle (Windows: attach it
//      to the port, once; epoll: register it edge-triggered; io_uring: record
//      the file behind the number) and Detach(handle) before the handle is
//      closed (after its ops were cancelled and completed), so a reused fd
//      number starts clean. A number closed behind the core's back and
//      reused: the ops still pending under it end with EBADF (Linux).
//   6. SetActive(bool): keep Node's loop alive only while ops are pending.
//   7. Shutdown(): release everything. Called on the JavaScript thread once no
//      op is pending, or at environment teardown, where the backend must wait
//      (in the kernel, bounded) for in-flight operations before it returns.
//      It never frees what the kernel may still use (an op's state, the
//      sendfile buffer) when the wait runs out.
//   8. Holds(op), after Shutdown: whether the kernel may still read or write
//      op's memory. Core then leaks op instead of freeing it.
#ifndef IOCP_COMMON_BACKEND_H_
#define IOCP_COMMON_BACKEND_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/op.h"

namespace iocp {

enum class BackendKind { kIocp, kIoUring, kEpoll };

const char* BackendName(BackendKind kind);

// Receives completions from a backend. This should be called from the
// JavaScript thread only.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  // Records that op finished with result (>= 0: success value, < 0: negated
  // system error) and an operation-specific aux word; releases op.
  virtual void Complete(Op* op, int32_t result, uint32_t aux) = 0;
  // Hands the completions recorded so far to JavaScript in one call.
  virtual void Flush() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind Kind() const = 0;
  // Returns 0, or a negative system error when the completion object cannot
  // be created. This should be called from the JavaScript thread.
  virtual int Start(napi_env env, CompletionSink* sink) = 0;
  // Sets how many threads the completion object lets run at once (IOCP:
  // CreateIoCompletionPort's NumberOfConcurrentThreads, 0 for one per
  // processor). Called before Start, if at all; backends without such a
  // setting ignore it. This should be called from the JavaScript thread.
  virtual void SetConcurrency(uint32_t /*threads*/) {}
  virtual int Submit(Op* op) = 0;
  // What Submit returns for an op finished at once (see item 2 above).
  static constexpr int kDoneNow = 1;
  // Whether Submit may return kDoneNow (off by default: one completion per
  // op). This should be called from the JavaScript thread.
  void AllowDoneNow(bool allow) { done_now_ = allow; }
  // What Cancel returns for an op whose outcome the cancel cannot undo
  // (see item 3 above).
  static constexpr int kHasOutcome = 1;
  virtual int Cancel(Op* op) = 0;
  virtual int Associate(int64_t handle) = 0;
  virtual void Detach(int64_t handle) = 0;
  virtual void SetActive(bool active) = 0;
  virtual void Shutdown() = 0;
  // A backend whose operations are system calls made on readiness (epoll)
  // never leaves memory with the kernel.
  virtual bool Holds(const Op* /*op*/) const { return false; }
  // Whether Submit takes sends and writes whose bytes are still the
  // caller's (Op::borrowed): the backend may send from them during Submit,
  // and must call op->Adopt() before anything outlives the call with
  // op->data (an SQE, an iovec). Core adopts what is still borrowed when
  // Submit returns. Without it (IOCP: the kernel may keep the buffer even
  // when WSASend completes at once), every send is copied first.
  virtual bool LendsSends() const { return false; }
  // How many receives started as zero-byte reads (IOCP; 0 elsewhere): a
  // diagnostic for tests. This should be called from the JavaScript thread.
  virtual uint64_t ZeroReads() const { return 0; }
  // When receives may start as zero-byte reads (IOCP; ignored elsewhere):
  // -1 by the number of operations in flight, 0 never, 1 always. This
  // should be called from the JavaScript thread.
  virtual void SetZeroReads(int /*mode*/) {}

 protected:
  bool done_now_ = false;
};

// Creates a backend of the given kind (nullptr when this OS lacks it).
std::unique_ptr<Backend> CreateBackend(BackendKind kind);

// Probes which backend this process uses by default and whether a forced one
// (IOCP_BACKEND) can start. On failure returns false and fills error with a
// message naming the backend and the OS error. When the default had to fall
// back (Linux: io_uring refused, so epoll), fills fallback with why.
bool SelectDefaultBackend(BackendKind* kind, std::string* error, std::string* fallback);

// Lists the backends that can start in this process (for tests and bench).
void AvailableBackends(BackendKind* out, int* count);

// The message of a system error code (errno on Linux, Win32 error on Windows).
std::string SystemErrorMessage(int code);

}  // namespace iocp

#endif  // IOCP_COMMON_BACKEND_H_
