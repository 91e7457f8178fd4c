#include "linux/epoll_backend.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace iocp::epoll {

EpollBackend::~EpollBackend() { Shutdown(); }

// This should be called from the JavaScript thread.
int EpollBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return -errno;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int err = 0;
  if (wake_fd_ < 0) {
    err = -errno;
  } else {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // The wake-up fd; operations carry their own pointers.
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) err = -errno;
  }
  if (err == 0) err = watcher_.Start(env, epoll_fd_, this, /*with_prepare=*/false);
  if (err < 0) {
    Shutdown();
    return err;
  }
  return 0;
}

void EpollBackend::Finish(Op* op, int32_t result, uint32_t aux) {
  ready_.push_back(Ready{op, result, aux});
  if (!wake_pending_) {
    wake_pending_ = true;
    uint64_t one = 1;
    while (write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }
}

// This should be called from the JavaScript thread.
int EpollBackend::Submit(Op* op) {
  if (shut_down_) return -EBADF;
  switch (op->kind) {
    case OpKind::kNop:
      Finish(op, 0, 0);
      return 0;
    default:
      return -ENOSYS;
  }
}

// This should be called from the JavaScript thread.
int EpollBackend::Cancel(Op* /*op*/) {
  // A no-op has already finished and sits in ready_: nothing to cancel.
  return 0;
}

void EpollBackend::SetActive(bool active) { watcher_.SetActive(active); }

void EpollBackend::OnReadable() {
  if (shut_down_) return;
  epoll_event events[kEventBatch];
  int n;
  do {
    n = epoll_wait(epoll_fd_, events, kEventBatch, 0);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.ptr == nullptr) {
      uint64_t value;
      while (read(wake_fd_, &value, sizeof(value)) < 0 && errno == EINTR) {
      }
      wake_pending_ = false;
    }
  }
  DeliverReady();
}

// Hands every finished op to the sink. The sink may call into JavaScript,
// which may submit more (they land in ready_ for the next batch) or shut this
// backend down.
void EpollBackend::DeliverReady() {
  delivering_.swap(ready_);
  for (const Ready& r : delivering_) sink_->Complete(r.op, r.result, r.aux);
  delivering_.clear();
  if (!shut_down_) sink_->Flush();
}

// Releases the epoll set. Nothing is in flight in the kernel with this
// backend: every syscall has returned by the time an op is queued.
void EpollBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  watcher_.Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  wake_fd_ = epoll_fd_ = -1;
}

}  // namespace iocp::epoll

namespace iocp::epoll {

int EpollBackend::Associate(int64_t /*handle*/) { return 0; }
void EpollBackend::Detach(int64_t /*handle*/) {}

}  // namespace iocp::epoll
