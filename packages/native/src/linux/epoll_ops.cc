// One attempt at each operation's syscall, on a non-blocking handle. These
// should be called from the JavaScript thread.
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "linux/epoll_backend.h"

namespace iocp::epoll {

namespace {

// sendfile(2) moves at most this much per call.
constexpr uint64_t kSendFileMax = 0x7ffff000;

sockaddr* AddrOf(Op* op) { return reinterpret_cast<sockaddr*>(op->addr); }

// connect(2), then (after EINPROGRESS) the outcome once the socket turns
// writable: SO_ERROR for a failure, getpeername for a success, so that a
// spurious edge keeps the op waiting.
int32_t TryConnect(Op* op, OpState* s, int fd) {
  if (!s->connecting) {
    if (connect(fd, AddrOf(op), static_cast<socklen_t>(op->addr_len)) == 0) return 0;
    // An interrupted connect goes on in the background, like EINPROGRESS.
    if (errno == EINPROGRESS || errno == EINTR) {
      s->connecting = true;
      return EpollBackend::kWouldBlock;
    }
    return -errno;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
  if (err != 0) return -err;
  sockaddr_storage peer;
  socklen_t peer_len = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0) return 0;
  return errno == ENOTCONN ? EpollBackend::kWouldBlock : -errno;
}

// sendfile(2) until the count is sent, the file ends, or the socket is full
// (then the op waits, keeping its progress). Node ignores SIGPIPE, which
// sendfile cannot suppress per call as send does with MSG_NOSIGNAL.
int32_t TrySendFile(Op* op, OpState* s, int fd) {
  int file = static_cast<int>(op->aux_handle);
  while (s->remaining > 0) {
    auto offset = static_cast<off_t>(s->file_offset);
    size_t want = s->remaining < kSendFileMax ? s->remaining : kSendFileMax;
    ssize_t n = sendfile(fd, file, &offset, want);
    if (n > 0) {
      s->sent += static_cast<uint64_t>(n);
      s->file_offset += static_cast<uint64_t>(n);
      s->remaining -= static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) break;  // End of file.
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return EpollBackend::kWouldBlock;
    return -errno;
  }
  return static_cast<int32_t>(s->sent);
}

// A send or write completes with its whole length or an error, as an
// overlapped WSASend or WriteFile does on Windows: after a short call the op
// keeps its progress and its place at the head of the handle's write queue
// (so no later send slips in between) and waits for the handle to turn
// writable again. It calls again until EAGAIN, which an edge-triggered
// registration needs to report the next edge. An error after some bytes went
// out is reported as the error, as with a failed overlapped send (see
// AdvanceStream in uring_ops.cc, after windows_events.py IocpProactor.send):
// the stream was cut at a point the caller cannot know.
int32_t TryStream(Op* op, OpState* s, int fd, int flags) {
  for (;;) {
    const uint8_t* rest = op->data + s->sent;
    size_t left = op->length - s->sent;
    ssize_t r;
    if (op->kind == OpKind::kSend) {
      r = send(fd, rest, left, flags | MSG_NOSIGNAL);
    } else if (op->offset == kCurrentPosition) {
      r = write(fd, rest, left);
    } else {
      r = pwrite(fd, rest, left, static_cast<off_t>(op->offset + s->sent));
      // A pipe has no position: write it as a stream (as io_uring does).
      if (r < 0 && errno == ESPIPE) r = write(fd, rest, left);
    }
    if (r >= 0) {
      s->sent += static_cast<uint64_t>(r);
      // A call that moved nothing would repeat forever (a write at the end
      // of what a file may hold); it reports what was moved.
      if (s->sent >= op->length || r == 0) return static_cast<int32_t>(s->sent);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return EpollBackend::kWouldBlock;
    return -errno;
  }
}

}  // namespace

int EpollBackend::Direction(OpKind kind) {
  switch (kind) {
    case OpKind::kRecv:
    case OpKind::kRecvFrom:
    case OpKind::kAccept:
    case OpKind::kRead:
      return 0;
    default:
      return 1;
  }
}

int32_t EpollBackend::Try(Op* op) {
  int fd = static_cast<int>(op->handle);
  OpState* s = StateOf(op);
  // MSG_DONTWAIT keeps a socket call from blocking even on a blocking fd.
  int flags = op->flags | MSG_DONTWAIT;
  for (;;) {
    ssize_t r;
    switch (op->kind) {
      case OpKind::kRecv:
        r = recv(fd, op->data, op->length, flags);
        break;
      case OpKind::kSend:
      case OpKind::kWrite:
        return TryStream(op, s, fd, flags);
      case OpKind::kRecvFrom: {
        socklen_t len = kAddrSize;
        r = recvfrom(fd, op->data, op->length, flags, AddrOf(op), &len);
        op->addr_len = r >= 0 ? static_cast<int32_t>(len < kAddrSize ? len : kAddrSize) : 0;
        break;
      }
      case OpKind::kSendTo:
        r = sendto(fd, op->data, op->length, flags | MSG_NOSIGNAL, AddrOf(op),
                   static_cast<socklen_t>(op->addr_len));
        break;
      case OpKind::kAccept: {
        socklen_t len = kAddrSize;
        r = accept4(fd, AddrOf(op), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        // A connection reset while it waited in the backlog: take the next.
        if (r < 0 && errno == ECONNABORTED) continue;
        op->addr_len = r >= 0 ? static_cast<int32_t>(len < kAddrSize ? len : kAddrSize) : 0;
        break;
      }
      case OpKind::kConnect:
        return TryConnect(op, s, fd);
      case OpKind::kSendFile:
        return TrySendFile(op, s, fd);
      case OpKind::kRead:
        r = op->offset == kCurrentPosition
                ? read(fd, op->data, op->length)
                : pread(fd, op->data, op->length, static_cast<off_t>(op->offset));
        // A pipe has no position: read it as a stream (as io_uring does).
        if (r < 0 && errno == ESPIPE) r = read(fd, op->data, op->length);
        break;
      default:
        return -ENOSYS;
    }
    if (r >= 0) return static_cast<int32_t>(r);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
    return -errno;
  }
}

}  // namespace iocp::epoll
