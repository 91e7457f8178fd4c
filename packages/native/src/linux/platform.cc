// Backend selection on Linux, like libuv's src/unix/linux.c uv__use_io_uring:
// io_uring when a ring can be created, epoll otherwise. Unlike libuv, a
// backend forced through IOCP_BACKEND that cannot start is an error, never a
// silent switch.
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/backend.h"
#include "linux/epoll_backend.h"
#include "linux/uring_backend.h"

namespace iocp {

std::unique_ptr<Backend> CreateBackend(BackendKind kind) {
  switch (kind) {
    case BackendKind::kIoUring:
      return std::make_unique<uring::UringBackend>();
    case BackendKind::kEpoll:
      return std::make_unique<epoll::EpollBackend>();
    case BackendKind::kIocp:
      return nullptr;
  }
  return nullptr;
}

std::string SystemErrorMessage(int code) {
  const char* name = strerrorname_np(code);
  std::string text = strerror(code);
  return name != nullptr ? std::string(name) + " (" + text + ")" : text;
}

bool SelectDefaultBackend(BackendKind* kind, std::string* error, std::string* fallback) {
  const char* forced = std::getenv("IOCP_BACKEND");
  if (forced == nullptr || *forced == '\0') {
    // As libuv's uv__use_io_uring: io_uring when a ring can be made, else
    // epoll (EPERM from seccomp or kernel.io_uring_disabled, ENOSYS).
    int err = uring::UringBackend::Probe();
    *kind = err == 0 ? BackendKind::kIoUring : BackendKind::kEpoll;
    if (err < 0) fallback->assign("io_uring_setup failed with " + SystemErrorMessage(-err));
    return true;
  }
  std::string name = forced;
  if (name == "io_uring") {
    int err = uring::UringBackend::Probe();
    if (err < 0) {
      *error = "IOCP_BACKEND=io_uring: io_uring is not available: io_uring_setup failed with " +
               SystemErrorMessage(-err);
      return false;
    }
    *kind = BackendKind::kIoUring;
    return true;
  }
  if (name == "epoll") {
    *kind = BackendKind::kEpoll;
    return true;
  }
  if (name == "iocp") {
    *error = "IOCP_BACKEND=iocp: the iocp backend exists only on Windows";
    return false;
  }
  *error = "IOCP_BACKEND=" + name + ": unknown backend (expected io_uring, epoll or iocp)";
  return false;
}

void AvailableBackends(BackendKind* out, int* count) {
  *count = 0;
  if (uring::UringBackend::Probe() == 0) out[(*count)++] = BackendKind::kIoUring;
  out[(*count)++] = BackendKind::kEpoll;
}

}  // namespace iocp
