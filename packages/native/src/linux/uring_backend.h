// The io_uring backend: operations become SQEs, queued and submitted once per
// loop turn (from a uv_prepare_t), and completions are reaped on the
// JavaScript thread when the ring's registered eventfd, watched by Node's
// own loop, becomes readable.
#ifndef IOCP_LINUX_URING_BACKEND_H_
#define IOCP_LINUX_URING_BACKEND_H_

#include "common/backend.h"
#include "linux/loop_watcher.h"
#include "linux/uring_ring.h"

namespace iocp::uring {

class UringBackend : public Backend, public LoopWatcher::Client {
 public:
  static constexpr unsigned kEntries = 256;
  static constexpr unsigned kReapBatch = 128;

  ~UringBackend() override;
  BackendKind Kind() const override { return BackendKind::kIoUring; }
  int Start(napi_env env, CompletionSink* sink) override;
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;

  void OnReadable() override;
  void OnPrepare() override;

  // Creates and destroys a ring: can this process use io_uring? Returns 0 or
  // -errno.
  static int Probe();

 private:
  // Fills an SQE for op; returns 0 or -errno (the op is then not queued).
  int Prepare(io_uring_sqe* sqe, Op* op);
  // Submits and reaps until no completion is left.
  void Drain();
  // Waits, at teardown, until the kernel has given back every op.
  void WaitForInflight();

  Ring ring_;
  LoopWatcher watcher_;
  CompletionSink* sink_ = nullptr;
  int event_fd_ = -1;
  size_t inflight_ = 0;
  bool shut_down_ = false;
};

}  // namespace iocp::uring

#endif  // IOCP_LINUX_URING_BACKEND_H_
