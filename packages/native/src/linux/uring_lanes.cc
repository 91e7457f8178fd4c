// Per-handle ordering for the io_uring backend: at most one op per handle and
// direction is in the kernel, the others wait in that lane in submission
// order (see uring_backend.h); and what a lane keeps when its fd is closed by
// other code and the number reused. These should be called from the
// JavaScript thread.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "linux/uring_backend.h"
#include "linux/uring_op_state.h"

namespace iocp::uring {

bool UringBackend::Laned(OpKind kind, uint8_t* direction) {
  switch (kind) {
    case OpKind::kRecv:
    case OpKind::kRecvFrom:
    case OpKind::kAccept:
    case OpKind::kRead:
      *direction = 0;
      return true;
    case OpKind::kSend:
    case OpKind::kSendTo:
    case OpKind::kConnect:
    case OpKind::kSendFile:
    case OpKind::kWrite:
      *direction = 1;
      return true;
    default:
      return false;
  }
}

UringBackend::Lane& UringBackend::LaneOf(Op* op) {
  // Init() checked that the handle is an fd (0..INT_MAX).
  auto fd = static_cast<size_t>(op->handle);
  if (fd >= lanes_.size()) lanes_.resize(fd < 64 ? 64 : fd * 2);
  return lanes_[fd].lanes[StateOf(op)->direction];
}

int UringBackend::Admit(Op* op) {
  OpState* s = StateOf(op);
  if (!Laned(op->kind, &s->direction)) {
    Issue(op);
    return 0;
  }
  Lane& lane = LaneOf(op);
  if (lane.holder == nullptr) {
    lane.holder = op;
    s->lane_holder = true;
    bool now = send_now_ || (op->borrowed && op->length >= kLentSendNow);
    if (now && TriesNow(op) && backlog_.empty() && cancel_backlog_.empty()) {
      int sent = SendNow(op);
      if (sent == kDoneNow) {
        // Nothing waits in the lane (it was free): it is free again.
        Leave(op);
        return kDoneNow;
      }
      if (sent == kSentLater) return 0;
    }
    if (s->direction == 1) {
      // The SQE points at op->data: the caller's bytes must be the op's now.
      op->Adopt();
      Issue(op);
      return 0;
    }
    // A read the handle's stash (or its end of file) answers is done at
    // once, as an overlapped read that finds data completes at once.
    if (StartRead(op, done_now_) != kDoneNow) return 0;
    Leave(op);
    return kDoneNow;
  }
  s->lane_waiting = true;
  s->lane_prev = lane.tail;
  s->lane_next = nullptr;
  if (lane.tail != nullptr) {
    StateOf(lane.tail)->lane_next = op;
  } else {
    lane.head = op;
  }
  lane.tail = op;
  return 0;
}

// A send with nothing ahead of it on its handle, made while JavaScript
// handles a small batch (see Drain) or large enough that sending it from the
// caller's bytes saves a copy (kLentSendNow), is tried at once as the epoll
// backend does: a socket with room takes it now, without waiting for the batch's
// JavaScript to return and the submission after it. Sent whole, it is done
// at once (kDoneNow: JavaScript has its result before the call returns, no
// completion follows; unless the core asked for one completion per op);
// failed, its error goes out with the next batch (as an
// op finished without the kernel). EAGAIN (no room) leaves it to the ring,
// and so does a short send: the ring sends the rest (AdvanceStream) while the
// op keeps its lane.
bool UringBackend::TriesNow(const Op* op) const {
  if (op->kind == OpKind::kSend) return true;
  if (op->kind != OpKind::kWrite) return false;
  const HandleLanes& entry = lanes_[static_cast<size_t>(op->handle)];
  return entry.known && entry.write_now != kNoWriteNow;
}

int UringBackend::SendNow(Op* op) {
  int fd = static_cast<int>(op->handle);
  // A write (WriteFile's counterpart, the pipe transports' send) on a
  // non-blocking pipe is a write(2); on a socket, a send like any other.
  bool fifo = op->kind == OpKind::kWrite && lanes_[static_cast<size_t>(fd)].write_now == kWriteNowFifo;
  int flags = op->kind == OpKind::kSend ? op->flags : 0;
  ssize_t r;
  do {
    r = fifo ? write(fd, op->data, op->length)
             : send(fd, op->data, op->length, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return kSentNone;
  OpState* s = StateOf(op);
  if (r > 0 && static_cast<size_t>(r) < op->length) {
    s->moved = static_cast<uint64_t>(r);
    return kSentNone;
  }
  if (r >= 0 && done_now_) {
    op->done_result = static_cast<int32_t>(r);
    return kDoneNow;
  }
  s->results[0] = r < 0 ? -errno : static_cast<int32_t>(r);
  cancelled_.push_back(op);
  return kSentLater;
}

void UringBackend::IssueHolder(Op* op) {
  if (StateOf(op)->direction == 0) {
    StartRead(op, /*now_ok=*/false);
  } else {
    Issue(op);
  }
}

void UringBackend::Unqueue(Op* op) {
  OpState* s = StateOf(op);
  Lane& lane = LaneOf(op);
  if (s->lane_prev != nullptr) {
    StateOf(s->lane_prev)->lane_next = s->lane_next;
  } else {
    lane.head = s->lane_next;
  }
  if (s->lane_next != nullptr) {
    StateOf(s->lane_next)->lane_prev = s->lane_prev;
  } else {
    lane.tail = s->lane_prev;
  }
  s->lane_prev = s->lane_next = nullptr;
  s->lane_waiting = false;
}

void UringBackend::Leave(Op* op) {
  OpState* s = StateOf(op);
  if (!s->lane_holder) return;
  s->lane_holder = false;
  Lane& lane = LaneOf(op);
  lane.holder = nullptr;
  while (lane.head != nullptr) {
    Op* next = lane.head;
    Unqueue(next);
    if (next->cancel_requested) {
      // Cancelled while it waited: it never reaches the kernel.
      StateOf(next)->results[0] = -ECANCELED;
      cancelled_.push_back(next);
      continue;
    }
    lane.holder = next;
    StateOf(next)->lane_holder = true;
    IssueHolder(next);
    return;
  }
}

// A handle begins under this number: the proactor associates each handle
// once, before its first op (as Windows requires). Ops still pending under the
// number then belong to an earlier file when the file behind it is not the
// one associated before (or the handle was detached since): other code
// closed the fd under them and the number was reused. The kernel keeps that
// closed file alive while a request holds it, so a recv on it may never
// complete, and ops queued behind it would wait for it, or reach the new
// file, forever: Orphan ends them. fstat tells sockets, pipes and files
// apart; files that share one inode (two eventfds, the two ends of one pipe)
// look alike, which only matters for a read or write pending on such a file
// when it is closed under it.
int UringBackend::Associate(int64_t handle) {
  if (shut_down_) return -EBADF;
  if (handle < 0 || handle > INT_MAX) return -EBADF;
  int fd = static_cast<int>(handle);
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  auto index = static_cast<size_t>(fd);
  if (index >= lanes_.size()) lanes_.resize(index < 64 ? 64 : index * 2);
  HandleLanes& entry = lanes_[index];
  auto dev = static_cast<uint64_t>(st.st_dev);
  auto ino = static_cast<uint64_t>(st.st_ino);
  bool busy = entry.lanes[0].holder != nullptr || entry.lanes[1].holder != nullptr;
  bool same = entry.known && entry.dev == dev && entry.ino == ino;
  if (busy && !same) Orphan(entry, fd);
  // A multishot receive (or its stash) left by an earlier file under this
  // number belongs to that file.
  if (!same) DropReceive(entry, fd, /*poison=*/true);
  entry.dev = dev;
  entry.ino = ino;
  entry.known = true;
  entry.write_now = kNoWriteNow;
  entry.stream = false;
  entry.messages = false;
  if (S_ISSOCK(st.st_mode)) {
    entry.write_now = kWriteNowSocket;
    int type = 0;
    socklen_t len = sizeof(type);
    bool typed = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
    entry.stream = typed && type == SOCK_STREAM;
    entry.messages = typed && (type == SOCK_DGRAM || type == SOCK_SEQPACKET);
  } else if (S_ISFIFO(st.st_mode)) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK) != 0) entry.write_now = kWriteNowFifo;
  }
  return 0;
}

// The handle is about to be closed: what is still pending under the number
// when a handle is next associated there belongs to this one.
void UringBackend::Detach(int64_t handle) {
  if (handle < 0 || static_cast<uint64_t>(handle) >= lanes_.size()) return;
  HandleLanes& entry = lanes_[static_cast<size_t>(handle)];
  entry.known = false;
  entry.write_now = kNoWriteNow;
  // The socket is about to be closed: its multishot receive must leave the
  // kernel (it holds the file open), and nobody reads its stash any more.
  if (!shut_down_) DropReceive(entry, static_cast<int>(handle), /*poison=*/false);
  entry.stream = false;
  entry.messages = false;
}

void UringBackend::Orphan(HandleLanes& entry, int fd) {
  Op* in_kernel[2] = {nullptr, nullptr};
  for (int direction = 0; direction < 2; ++direction) {
    Lane& lane = entry.lanes[direction];
    // Ops waiting in the lane never reached the kernel: they end now.
    while (lane.head != nullptr) {
      Op* op = lane.head;
      Unqueue(op);
      StateOf(op)->results[0] = -EBADF;
      cancelled_.push_back(op);
    }
    Op* holder = lane.holder;
    if (holder == nullptr) continue;
    lane.holder = nullptr;
    OpState* s = StateOf(holder);
    s->lane_holder = false;
    s->orphaned = true;
    if (s->ms_wait) {
      // A read waiting for the multishot receive (DropReceive ends that)
      // has no SQE: it ends now.
      s->ms_wait = false;
      s->results[0] = -EBADF;
      cancelled_.push_back(holder);
    } else if (s->backlogged) {
      // Its next step waits for SQ space and would go to the new file.
      backlog_.erase(std::find(backlog_.begin(), backlog_.end(), holder));
      s->backlogged = false;
      s->results[0] = -EBADF;
      cancelled_.push_back(holder);
    } else if (s->outstanding > 0) {
      // io_uring looks an fd up when it submits the SQE: one still queued
      // would act on the new file, so it is pointed at no fd (the kernel
      // fails it with -EBADF); the slot of one submitted already is the
      // ring's again, untouched unless it still holds this very SQE (which
      // the kernel no longer reads).
      io_uring_sqe* sqe = s->fd_sqe;
      if ((sqe->user_data & ~kTagMask) == UserData(holder, 0) && sqe->fd == fd) sqe->fd = -1;
      in_kernel[direction] = holder;
    }
    // An op that already has its result (a send done at once) waits in
    // cancelled_ and keeps it.
  }
  // In the kernel, an orphan holds the closed file: it is cancelled there,
  // and OnCqe ends it with -EBADF. Only now: a cancel submits the queued
  // SQEs, which must all be poisoned first.
  for (Op* op : in_kernel) {
    if (op != nullptr) Cancel(op);
  }
}

}  // namespace iocp::uring
