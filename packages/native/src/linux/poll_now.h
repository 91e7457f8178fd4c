// Whether an fd is readable right now, without reading it (so an eventfd or
// pidfd keeps its signal). Returns 1 or 0, or -errno (-EBADF for a closed fd).
// Any thread may call it.
#ifndef IOCP_LINUX_POLL_NOW_H_
#define IOCP_LINUX_POLL_NOW_H_

#include <poll.h>

#include <cerrno>

namespace iocp {

inline int PollReadableNow(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (p.revents & POLLNVAL) return -EBADF;
  return r > 0 ? 1 : 0;
}

}  // namespace iocp

#endif  // IOCP_LINUX_POLL_NOW_H_
