// The synchronous OS primitives of src/common/os.h on Linux: sockets (always
// non-blocking and close-on-exec), socket addresses, events (eventfd) and
// error names. Every function returns >= 0 or -errno and should be called
// from the JavaScript thread.
//
// Events: an event is an eventfd (EFD_NONBLOCK | EFD_CLOEXEC) whose counter
// is 0 (reset) or non-zero (set). Set makes it readable, reset drains it, and
// a wait (waitHandle) polls it without reading, so a wait never consumes the
// signal. That is the Windows meaning of a manual-reset event. An auto-reset
// event (manualReset = false) cannot reset itself when a wait is satisfied on
// Linux, because nothing reads the counter; the JavaScript layer (the Event
// class of @iocp/proactor) resets it after a successful wait instead.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "common/op.h"
#include "common/os.h"
#include "linux/poll_now.h"

namespace iocp::os {

namespace {

// Handles are fds on Linux: anything outside int range cannot be one.
bool ToFd(int64_t handle, int* fd) {
  if (handle < 0 || handle > INT_MAX) return false;
  *fd = static_cast<int>(handle);
  return true;
}

int Result(int r) { return r < 0 ? -errno : r; }

// Closes fd. Linux releases the descriptor even when close() reports EINTR,
// so retrying would close a number some other thread may have reused.
int CloseFd(int64_t handle) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  if (close(fd) < 0 && errno != EINTR) return -errno;
  return 0;
}

// The errno names strerrorname_np may lack (glibc before 2.32), and the few
// where libuv, and so Node, uses another spelling.
struct ErrnoName {
  int code;
  const char* name;
};
constexpr ErrnoName kNames[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ENOTSOCK, "ENOTSOCK"},
    {EDESTADDRREQ, "EDESTADDRREQ"},
    {EMSGSIZE, "EMSGSIZE"},
    {EPROTOTYPE, "EPROTOTYPE"},
    {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {EOPNOTSUPP, "ENOTSUP"},  // libuv's name for the same number.
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {ENOTCONN, "ENOTCONN"},
    {ESHUTDOWN, "ESHUTDOWN"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {EHOSTDOWN, "EHOSTDOWN"},
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {ECANCELED, "ECANCELED"},
    {ETIME, "ETIME"},
};

}  // namespace

const Constants& GetConstants() {
  static const Constants kConstants = {
      AF_INET,     AF_INET6,     AF_UNIX,      SOCK_STREAM,  SOCK_DGRAM,    SHUT_RD,
      SHUT_WR,     SHUT_RDWR,    MSG_PEEK,     MSG_OOB,      SOL_SOCKET,    SO_REUSEADDR,
      SO_KEEPALIVE, SO_RCVBUF,   SO_SNDBUF,    SO_BROADCAST, SO_ERROR,      IPPROTO_TCP,
      TCP_NODELAY,
  };
  return kConstants;
}

const char* ErrorName(int code) {
  for (const ErrnoName& n : kNames) {
    if (n.code == code) return n.name;
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(code);
  if (name != nullptr) return name;
#endif
  return "UNKNOWN";
}

bool IsWine() { return false; }

int64_t Socket(int family, int type) {
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

int SocketPair(int family, int type, int64_t out[2]) {
  int fds[2];
  if (socketpair(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) return -errno;
  out[0] = fds[0];
  out[1] = fds[1];
  return 0;
}

int Bind(int64_t handle, const uint8_t* addr, size_t len) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  if (len > kAddrSize) return -EINVAL;
  sockaddr_storage storage{};
  std::memcpy(&storage, addr, len);
  return Result(bind(fd, reinterpret_cast<sockaddr*>(&storage), static_cast<socklen_t>(len)));
}

int Listen(int64_t handle, int backlog) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  return Result(listen(fd, backlog));
}

namespace {

template <int (*Get)(int, sockaddr*, socklen_t*)>
int GetName(int64_t handle, uint8_t* out, size_t* len) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  sockaddr_storage storage{};
  socklen_t n = sizeof(storage);
  if (Get(fd, reinterpret_cast<sockaddr*>(&storage), &n) < 0) return -errno;
  size_t copy = n < *len ? n : *len;
  std::memcpy(out, &storage, copy);
  *len = n;
  return 0;
}

}  // namespace

int GetSockName(int64_t handle, uint8_t* out, size_t* len) {
  return GetName<getsockname>(handle, out, len);
}

int GetPeerName(int64_t handle, uint8_t* out, size_t* len) {
  return GetName<getpeername>(handle, out, len);
}

int SetSockOpt(int64_t handle, int level, int name, int value) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  return Result(setsockopt(fd, level, name, &value, sizeof(value)));
}

int GetSockOpt(int64_t handle, int level, int name, int* value) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  socklen_t len = sizeof(*value);
  *value = 0;
  return Result(getsockopt(fd, level, name, value, &len));
}

int Shutdown(int64_t handle, int how) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  return Result(shutdown(fd, how));
}

int CloseSocket(int64_t handle) { return CloseFd(handle); }

int EncodeAddress(const Address& in, uint8_t* out, size_t* len) {
  if (in.port < 0 || in.port > 65535) return -EINVAL;
  if (in.family == AF_INET) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(in.port));
    if (inet_pton(AF_INET, in.host.c_str(), &sa.sin_addr) != 1) return -EINVAL;
    if (*len < sizeof(sa)) return -ENOBUFS;
    std::memcpy(out, &sa, sizeof(sa));
    *len = sizeof(sa);
    return 0;
  }
  if (in.family == AF_INET6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<uint16_t>(in.port));
    sa.sin6_flowinfo = htonl(in.flowinfo);
    sa.sin6_scope_id = in.scope_id;
    // A zone suffix ("fe80::1%eth0" or "%2") names the scope when scopeId
    // is not given, as getaddrinfo accepts it.
    std::string host = in.host;
    size_t percent = host.find('%');
    if (percent != std::string::npos) {
      std::string zone = host.substr(percent + 1);
      host.resize(percent);
      if (zone.empty()) return -EINVAL;
      if (sa.sin6_scope_id == 0) {
        char* end = nullptr;
        unsigned long n = std::strtoul(zone.c_str(), &end, 10);
        if (end != nullptr && *end == '\0' && n <= UINT32_MAX) {
          sa.sin6_scope_id = static_cast<uint32_t>(n);
        } else {
          sa.sin6_scope_id = if_nametoindex(zone.c_str());
          if (sa.sin6_scope_id == 0) return -EINVAL;
        }
      }
    }
    if (inet_pton(AF_INET6, host.c_str(), &sa.sin6_addr) != 1) return -EINVAL;
    if (*len < sizeof(sa)) return -ENOBUFS;
    std::memcpy(out, &sa, sizeof(sa));
    *len = sizeof(sa);
    return 0;
  }
  if (in.family == AF_UNIX) {
    // A path, or an abstract name when it starts with a NUL byte (then the
    // length, not a terminator, delimits it).
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    bool abstract = !in.host.empty() && in.host[0] == '\0';
    size_t room = sizeof(sa.sun_path) - (abstract ? 0 : 1);
    if (in.host.size() > room) return -ENAMETOOLONG;
    if (!abstract && in.host.find('\0') != std::string::npos) return -EINVAL;
    std::memcpy(sa.sun_path, in.host.data(), in.host.size());
    size_t n = offsetof(sockaddr_un, sun_path) + in.host.size() + (abstract ? 0 : 1);
    if (*len < n) return -ENOBUFS;
    std::memcpy(out, &sa, n);
    *len = n;
    return 0;
  }
  return -EAFNOSUPPORT;
}

int DecodeAddress(const uint8_t* in, size_t len, Address* out) {
  sockaddr_storage storage{};
  if (len < sizeof(sa_family_t) || len > sizeof(storage)) return -EINVAL;
  std::memcpy(&storage, in, len);
  out->family = storage.ss_family;
  char text[INET6_ADDRSTRLEN];
  if (storage.ss_family == AF_INET) {
    if (len < sizeof(sockaddr_in)) return -EINVAL;
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&storage);
    if (inet_ntop(AF_INET, &sa->sin_addr, text, sizeof(text)) == nullptr) return -errno;
    out->host = text;
    out->port = ntohs(sa->sin_port);
    return 0;
  }
  if (storage.ss_family == AF_INET6) {
    if (len < sizeof(sockaddr_in6)) return -EINVAL;
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&storage);
    if (inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof(text)) == nullptr) return -errno;
    out->host = text;
    out->port = ntohs(sa->sin6_port);
    out->flowinfo = ntohl(sa->sin6_flowinfo);
    out->scope_id = sa->sin6_scope_id;
    return 0;
  }
  if (storage.ss_family == AF_UNIX) {
    // An unnamed socket has no path (length sizeof(sa_family_t)).
    const auto* sa = reinterpret_cast<const sockaddr_un*>(&storage);
    size_t n = len - offsetof(sockaddr_un, sun_path);
    if (n > sizeof(sa->sun_path)) n = sizeof(sa->sun_path);
    if (n > 0 && sa->sun_path[0] != '\0') n = strnlen(sa->sun_path, n);
    out->host.assign(sa->sun_path, n);
    return 0;
  }
  return -EAFNOSUPPORT;
}

int64_t EventCreate(bool /*manual_reset*/, bool initial_state) {
  int fd = eventfd(initial_state ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int EventIsSet(int64_t handle) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  return PollReadableNow(fd);
}

int EventSet(int64_t handle) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  // The counter stays at 1 however often the event is set, as a Windows
  // event has one state, not a count.
  int set = EventIsSet(handle);
  if (set != 0) return set < 0 ? set : 0;
  uint64_t one = 1;
  ssize_t r;
  do {
    r = write(fd, &one, sizeof(one));
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno != EAGAIN) return -errno;
  return 0;
}

int EventReset(int64_t handle) {
  int fd;
  if (!ToFd(handle, &fd)) return -EBADF;
  uint64_t value;
  ssize_t r;
  do {
    r = read(fd, &value, sizeof(value));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return errno == EAGAIN ? 0 : -errno;
  // 1: this call took the signal (an auto-reset wait uses that to know it
  // won; see IocpProactor.waitForHandle).
  return 1;
}

int CloseHandle(int64_t handle) { return CloseFd(handle); }

int64_t FdToHandle(int fd) { return fd; }

}  // namespace iocp::os
