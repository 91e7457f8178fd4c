#include "linux/uring_backend.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace iocp::uring {

namespace {

// user_data of SQEs whose completions are internal (cancel requests).
constexpr uint64_t kInternal = 0;

}  // namespace

UringBackend::~UringBackend() { Shutdown(); }

int UringBackend::Probe() {
  Ring ring;
  return ring.Init(4);
}

// This should be called from the JavaScript thread.
int UringBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  int err = ring_.Init(kEntries);
  if (err < 0) return err;
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) {
    err = -errno;
    ring_.Close();
    return err;
  }
  err = ring_.RegisterEventfd(event_fd_);
  if (err == 0) err = watcher_.Start(env, event_fd_, this, /*with_prepare=*/true);
  if (err < 0) {
    Shutdown();
    return err;
  }
  return 0;
}

int UringBackend::Prepare(io_uring_sqe* sqe, Op* op) {
  sqe->user_data = reinterpret_cast<uint64_t>(op);
  switch (op->kind) {
    case OpKind::kNop:
      sqe->opcode = IORING_OP_NOP;
      return 0;
    default:
      return -ENOSYS;
  }
}

// This should be called from the JavaScript thread.
int UringBackend::Submit(Op* op) {
  if (shut_down_) return -EBADF;
  int err = 0;
  io_uring_sqe* sqe = ring_.GetSqe(&err);
  if (sqe == nullptr) return err;
  err = Prepare(sqe, op);
  if (err < 0) {
    // Turn the slot into a harmless internal no-op.
    sqe->opcode = IORING_OP_NOP;
    sqe->user_data = kInternal;
    return err;
  }
  ++inflight_;
  return 0;
}

// This should be called from the JavaScript thread.
int UringBackend::Cancel(Op* op) {
  if (shut_down_) return -EBADF;
  int err = 0;
  io_uring_sqe* sqe = ring_.GetSqe(&err);
  if (sqe == nullptr) return err;
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->addr = reinterpret_cast<uint64_t>(op);
  sqe->user_data = kInternal;
  return 0;
}

void UringBackend::SetActive(bool active) { watcher_.SetActive(active); }

void UringBackend::OnPrepare() {
  if (shut_down_ || ring_.queued() == 0) return;
  if (ring_.Enter(false) < 0) Drain();
}

void UringBackend::OnReadable() {
  uint64_t value;
  while (read(event_fd_, &value, sizeof(value)) < 0 && errno == EINTR) {
  }
  Drain();
}

// Reaps every ready CQE and hands them to the sink. The sink may call into
// JavaScript, which may submit, cancel, or shut this backend down: the CQEs
// are copied out of the ring first, and the ring is not touched again once
// shut_down_ is set.
void UringBackend::Drain() {
  io_uring_cqe batch[kReapBatch];
  for (;;) {
    if (shut_down_) return;
    int err = ring_.Enter(true);
    if (err < 0 && err != -EAGAIN && err != -EBUSY) return;
    unsigned n = ring_.Reap(batch, kReapBatch);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      if (batch[i].user_data == kInternal) continue;
      // With IORING_CQE_F_MORE further CQEs follow for this op; none of the
      // opcodes used here are multishot, so every CQE is final.
      --inflight_;
      sink_->Complete(reinterpret_cast<Op*>(batch[i].user_data), batch[i].res, batch[i].flags);
    }
  }
  sink_->Flush();
}

void UringBackend::WaitForInflight() {
  // Core has queued a cancel request for every pending op; submit them and
  // wait in the kernel until each op has completed.
  if (!ring_.ok() || inflight_ == 0) return;
  io_uring_cqe batch[kReapBatch];
  while (inflight_ > 0) {
    if (ring_.Enter(true, 1) < 0) break;
    unsigned n = ring_.Reap(batch, kReapBatch);
    for (unsigned i = 0; i < n; ++i) {
      if (batch[i].user_data != kInternal) --inflight_;
    }
  }
}

// Releases the ring. Safe to call from inside Drain (through the sink).
void UringBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  watcher_.Stop();
  WaitForInflight();
  ring_.Close();
  if (event_fd_ >= 0) close(event_fd_);
  event_fd_ = -1;
}

}  // namespace iocp::uring

namespace iocp::uring {

// io_uring needs no per-handle registration.
int UringBackend::Associate(int64_t /*handle*/) { return 0; }
void UringBackend::Detach(int64_t /*handle*/) {}

}  // namespace iocp::uring
