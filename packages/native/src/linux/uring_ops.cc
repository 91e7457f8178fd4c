// The SQEs of each operation kind, and what their CQEs mean. These should be
// called from the JavaScript thread.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "linux/uring_backend.h"
#include "linux/uring_op_state.h"

namespace iocp::uring {

namespace {

// One op moves at most this many bytes, so its result fits the int32
// completion record; callers loop for more (as with TransmitFile).
constexpr uint64_t kMaxTransfer = 0x7fffffff;


// The length of the READ (and its linked SEND) of a sendfile pair.
uint32_t PairLength(const FileSend& f) {
  return f.remaining < f.capacity ? static_cast<uint32_t>(f.remaining) : f.capacity;
}

// The result of a sendfile that ended with err: a cancellation that came
// after some bytes went out reports those bytes (they are on the wire).
int32_t FileSendEnd(Op* op, const FileSend& f, int32_t err) {
  if (err == -ECANCELED && op->cancel_requested && f.sent > 0) return static_cast<int32_t>(f.sent);
  return err;
}

}  // namespace

unsigned UringBackend::SqesNeeded(Op* op) {
  switch (op->kind) {
    case OpKind::kWaitHandle:
      return op->timeout_ms >= 0 ? 2 : 1;
    case OpKind::kSendFile:
      return StateOf(op)->file.pair ? 2 : 1;
    default:
      return 1;
  }
}

int UringBackend::Init(Op* op) {
  if (op->kind != OpKind::kNop && (op->handle < 0 || op->handle > INT_MAX)) return -EBADF;
  OpState* s = NewState(op);
  switch (op->kind) {
    case OpKind::kRecvFrom:
      s->msg.iov.iov_base = op->data;
      s->msg.iov.iov_len = op->length;
      s->msg.hdr.msg_name = op->addr;
      s->msg.hdr.msg_namelen = kAddrSize;
      s->msg.hdr.msg_iov = &s->msg.iov;
      s->msg.hdr.msg_iovlen = 1;
      return 0;
    case OpKind::kSendTo:
      s->msg.iov.iov_base = op->data;
      s->msg.iov.iov_len = op->length;
      s->msg.hdr.msg_name = op->addr;
      s->msg.hdr.msg_namelen = static_cast<socklen_t>(op->addr_len);
      s->msg.hdr.msg_iov = &s->msg.iov;
      s->msg.hdr.msg_iovlen = 1;
      return 0;
    case OpKind::kAccept:
      s->addr_len = kAddrSize;
      return 0;
    case OpKind::kWaitHandle:
      if (op->timeout_ms >= 0) {
        s->timeout.tv_sec = op->timeout_ms / 1000;
        s->timeout.tv_nsec = (op->timeout_ms % 1000) * 1000000;
      }
      return 0;
    case OpKind::kSendFile: {
      if (op->aux_handle < 0 || op->aux_handle > INT_MAX) return -EBADF;
      FileSend& f = s->file;
      f.remaining = op->length == 0 || op->length > kMaxTransfer ? kMaxTransfer : op->length;
      f.capacity = f.remaining < kFileChunk ? static_cast<uint32_t>(f.remaining) : kFileChunk;
      f.buffer = static_cast<uint8_t*>(std::malloc(f.capacity));
      if (f.buffer == nullptr) return -ENOMEM;
      f.offset = op->offset;
      f.pair = true;
      return 0;
    }
    case OpKind::kAcceptPipe:
    case OpKind::kConnectPipe:
      // Named pipes are Unix sockets on Linux: they use accept and connect.
      return -ENOSYS;
    default:
      return 0;
  }
}

void UringBackend::Release(Op* op) {
  if (op->kind != OpKind::kSendFile) return;
  FileSend& f = StateOf(op)->file;
  std::free(f.buffer);
  f.buffer = nullptr;
}

void UringBackend::Prepare(Op* op) {
  OpState* s = StateOf(op);
  int fd = static_cast<int>(op->handle);
  s->results[0] = s->results[1] = 0;
  io_uring_sqe* sqe = ring_.NextSqe();
  sqe->fd = fd;
  sqe->user_data = UserData(op, kFirst);
  s->fd_sqe = sqe;
  s->outstanding = 1;
  switch (op->kind) {
    case OpKind::kNop:
      sqe->opcode = IORING_OP_NOP;
      sqe->fd = -1;
      break;
    case OpKind::kRecv:
      sqe->opcode = IORING_OP_RECV;
      sqe->addr = reinterpret_cast<uintptr_t>(op->data);
      sqe->len = static_cast<uint32_t>(op->length);
      sqe->msg_flags = static_cast<uint32_t>(op->flags);
      break;
    case OpKind::kSend:
      // The rest after what earlier steps sent (AdvanceStream). MSG_WAITALL
      // makes newer kernels retry a short send on a stream socket
      // themselves (a datagram goes out whole or not at all).
      sqe->opcode = IORING_OP_SEND;
      sqe->addr = reinterpret_cast<uintptr_t>(op->data + s->moved);
      sqe->len = static_cast<uint32_t>(op->length - s->moved);
      sqe->msg_flags = static_cast<uint32_t>(op->flags) | MSG_NOSIGNAL | MSG_WAITALL;
      break;
    case OpKind::kRecvFrom:
      sqe->opcode = IORING_OP_RECVMSG;
      sqe->addr = reinterpret_cast<uintptr_t>(&s->msg.hdr);
      sqe->len = 1;
      sqe->msg_flags = static_cast<uint32_t>(op->flags);
      break;
    case OpKind::kSendTo:
      sqe->opcode = IORING_OP_SENDMSG;
      sqe->addr = reinterpret_cast<uintptr_t>(&s->msg.hdr);
      sqe->len = 1;
      sqe->msg_flags = static_cast<uint32_t>(op->flags) | MSG_NOSIGNAL;
      break;
    case OpKind::kAccept:
      sqe->opcode = IORING_OP_ACCEPT;
      sqe->addr = reinterpret_cast<uintptr_t>(op->addr);
      sqe->addr2 = reinterpret_cast<uintptr_t>(&s->addr_len);
      sqe->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
      break;
    case OpKind::kConnect:
      sqe->opcode = IORING_OP_CONNECT;
      sqe->addr = reinterpret_cast<uintptr_t>(op->addr);
      sqe->off = static_cast<uint64_t>(op->addr_len);
      break;
    case OpKind::kRead:
      // An offset of -1 (all ones) is the file's current position.
      sqe->opcode = IORING_OP_READ;
      sqe->addr = reinterpret_cast<uintptr_t>(op->data);
      sqe->len = static_cast<uint32_t>(op->length);
      sqe->off = op->offset;
      break;
    case OpKind::kWrite:
      // The rest after what earlier steps wrote (AdvanceStream), at the
      // current position (-1, all ones) or after the bytes written so far.
      sqe->opcode = IORING_OP_WRITE;
      sqe->addr = reinterpret_cast<uintptr_t>(op->data + s->moved);
      sqe->len = static_cast<uint32_t>(op->length - s->moved);
      sqe->off = op->offset == kCurrentPosition ? op->offset : op->offset + s->moved;
      break;
    case OpKind::kWaitHandle:
      // POLL_ADD reports readiness without reading: the signal of an
      // eventfd or pidfd is not consumed.
      sqe->opcode = IORING_OP_POLL_ADD;
      sqe->poll32_events = POLLIN;
      if (op->timeout_ms >= 0) {
        sqe->flags |= IOSQE_IO_LINK;
        io_uring_sqe* timeout = ring_.NextSqe();
        timeout->opcode = IORING_OP_LINK_TIMEOUT;
        timeout->fd = -1;
        timeout->addr = reinterpret_cast<uintptr_t>(&s->timeout);
        timeout->len = 1;
        timeout->user_data = UserData(op, kSecond);
        s->outstanding = 2;
      }
      break;
    case OpKind::kSendFile: {
      FileSend& f = s->file;
      io_uring_sqe* send = sqe;
      if (f.pair) {
        // READ into the buffer, linked to a SEND of the same length: when
        // the READ comes back short the link breaks (the SEND completes
        // with -ECANCELED) and the rest goes out as a lone SEND.
        uint32_t length = PairLength(f);
        sqe->opcode = IORING_OP_READ;
        sqe->fd = static_cast<int>(op->aux_handle);
        sqe->addr = reinterpret_cast<uintptr_t>(f.buffer);
        sqe->len = length;
        sqe->off = f.offset;
        sqe->flags |= IOSQE_IO_LINK;
        send = ring_.NextSqe();
        send->addr = reinterpret_cast<uintptr_t>(f.buffer);
        send->len = length;
        s->outstanding = 2;
      } else {
        send->addr = reinterpret_cast<uintptr_t>(f.buffer + f.flushed);
        send->len = f.filled - f.flushed;
      }
      // MSG_WAITALL makes the kernel retry a short send on a stream socket.
      send->opcode = IORING_OP_SEND;
      send->fd = fd;
      send->msg_flags = MSG_NOSIGNAL | MSG_WAITALL;
      send->user_data = UserData(op, kSecond);
      s->fd_sqe = send;
      break;
    }
    case OpKind::kAcceptPipe:
    case OpKind::kConnectPipe:
      // Refused by Init; never prepared.
      sqe->opcode = IORING_OP_NOP;
      break;
  }
  inflight_ += s->outstanding;
}

void UringBackend::OnCqe(Op* op, uint64_t tag, int32_t res) {
  OpState* s = StateOf(op);
  s->results[tag == kSecond ? 1 : 0] = res;
  if (--s->outstanding > 0) return;
  int32_t first = s->results[0];
  if (s->orphaned) {
    // Its fd was closed under it (see Orphan): it ends here, whatever the
    // kernel did with the closed file meanwhile. A socket it accepted
    // anyway has nobody to receive it.
    if (op->kind == OpKind::kAccept && first >= 0) close(first);
    return Finish(op, -EBADF);
  }
  switch (op->kind) {
    case OpKind::kRecvFrom:
      op->addr_len = first >= 0 ? static_cast<int32_t>(s->msg.hdr.msg_namelen) : 0;
      return Finish(op, first);
    case OpKind::kAccept:
      op->addr_len = first >= 0 ? static_cast<int32_t>(s->addr_len) : 0;
      return Finish(op, first);
    case OpKind::kWaitHandle:
      // Signalled (any poll mask), timed out (the link timeout fired and
      // cancelled the poll), or the poll's own error (-ECANCELED when the
      // wait was cancelled). A poll that won the race against its timeout
      // still reports signalled.
      if (first >= 0) return Finish(op, 1);
      if (op->timeout_ms >= 0 && s->results[1] == -ETIME) return Finish(op, 0);
      return Finish(op, first);
    case OpKind::kSendFile:
      return AdvanceFileSend(op);
    case OpKind::kSend:
    case OpKind::kWrite:
      return AdvanceStream(op, first);
    default:
      return Finish(op, first);
  }
}

// A send or write completes with its whole length or an error, as an
// overlapped WSASend or WriteFile does on Windows: a short step (a stream
// socket or pipe with less room than the rest) goes on with the rest while
// the op still holds its lane, so no later send on the handle slips in
// between, and JavaScript hears of it only once. A datagram is never short.
// An error after some bytes went out is reported as the error (the count is
// lost, as with a failed overlapped send: windows_events.py
// IocpProactor.send's finish_send raises what ov.getresult() reports,
// ERROR_OPERATION_ABORTED as ConnectionResetError), and so is a cancellation
// (-ECANCELED, as IOCP reports ERROR_OPERATION_ABORTED): either way the
// stream was cut at a point the caller cannot know, and only closing it is
// safe. A cancel that lost the race to the last step reports the full length.
void UringBackend::AdvanceStream(Op* op, int32_t res) {
  OpState* s = StateOf(op);
  if (res < 0) return Finish(op, res);
  s->moved += static_cast<uint64_t>(res);
  // A step that moved nothing would repeat forever (a write at the end of
  // what a file may hold); it reports what was moved.
  if (s->moved >= op->length || res == 0) return Finish(op, static_cast<int32_t>(s->moved));
  if (op->cancel_requested) return Finish(op, -ECANCELED);
  Issue(op);
}

// Decides what a sendfile does after its last step: finish, or send the
// rest of the buffer, or read the next chunk.
void UringBackend::AdvanceFileSend(Op* op) {
  OpState* s = StateOf(op);
  FileSend& f = s->file;
  int32_t sent = s->results[1];
  if (f.pair) {
    int32_t got = s->results[0];
    if (got < 0) return Finish(op, FileSendEnd(op, f, got));
    if (got == 0) return Finish(op, static_cast<int32_t>(f.sent));  // End of file.
    // A short READ broke the link: its SEND never ran.
    if (static_cast<uint32_t>(got) < PairLength(f)) sent = 0;
    f.filled = static_cast<uint32_t>(got);
    f.flushed = 0;
    f.offset += static_cast<uint64_t>(got);
    f.remaining -= static_cast<uint64_t>(got);
  }
  if (sent < 0) return Finish(op, FileSendEnd(op, f, sent));
  f.flushed += static_cast<uint32_t>(sent);
  f.sent += static_cast<uint64_t>(sent);
  if (f.flushed < f.filled) {
    // A lone SEND that moved nothing would loop forever; report progress.
    if (!f.pair && sent == 0) return Finish(op, f.sent > 0 ? static_cast<int32_t>(f.sent) : -EPIPE);
    f.pair = false;
  } else {
    if (f.remaining == 0) return Finish(op, static_cast<int32_t>(f.sent));
    f.pair = true;
  }
  if (op->cancel_requested) {
    return Finish(op, f.sent > 0 ? static_cast<int32_t>(f.sent) : -ECANCELED);
  }
  Issue(op);
}

}  // namespace iocp::uring
