// The epoll backend: completion semantics emulated over readiness, for
// machines without io_uring (seccomp in containers, old kernels,
// io_uring_disabled). An operation first tries its syscall; when that would
// block, it waits for readiness on an edge-triggered registration (as mio
// does) and retries. Results, immediate or not, are delivered through the
// same batched path as the other backends, woken by an eventfd in the set.
#ifndef IOCP_LINUX_EPOLL_BACKEND_H_
#define IOCP_LINUX_EPOLL_BACKEND_H_

#include <vector>

#include "common/backend.h"
#include "linux/loop_watcher.h"

namespace iocp::epoll {

class EpollBackend : public Backend, public LoopWatcher::Client {
 public:
  static constexpr int kEventBatch = 128;

  ~EpollBackend() override;
  BackendKind Kind() const override { return BackendKind::kEpoll; }
  int Start(napi_env env, CompletionSink* sink) override;
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;

  void OnReadable() override;

 private:
  struct Ready {
    Op* op;
    int32_t result;
    uint32_t aux;
  };
  // Queues a finished op for the next batch, waking the loop if needed.
  void Finish(Op* op, int32_t result, uint32_t aux);
  void DeliverReady();

  LoopWatcher watcher_;
  CompletionSink* sink_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool wake_pending_ = false;
  std::vector<Ready> ready_;
  std::vector<Ready> delivering_;
  bool shut_down_ = false;
};

}  // namespace iocp::epoll

#endif  // IOCP_LINUX_EPOLL_BACKEND_H_
