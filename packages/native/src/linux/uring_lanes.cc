// Per-handle ordering for the io_uring backend: at most one op per handle and
// direction is in the kernel, the others wait in that lane in submission
// order (see uring_backend.h). These should be called from the JavaScript
// thread.
#include <sys/socket.h>

#include <cerrno>

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

void UringBackend::Admit(Op* op) {
  OpState* s = StateOf(op);
  if (!Laned(op->kind, &s->direction)) return Issue(op);
  Lane& lane = LaneOf(op);
  if (lane.holder == nullptr) {
    lane.holder = op;
    s->lane_holder = true;
    if (op->kind == OpKind::kSend && send_now_ && backlog_.empty() && cancel_backlog_.empty() &&
        SendNow(op)) {
      return;
    }
    return Issue(op);
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
}

// A send with nothing ahead of it on its handle, made while JavaScript
// handles a small batch (see Drain), is tried at once as the epoll backend
// does: a socket with room takes it now, without waiting for the batch's
// JavaScript to return and the submission after it. Its completion still
// goes out with the next batch (as an op finished without the kernel).
// EAGAIN (no room) leaves it to the ring, and so does a short send: the
// ring sends the rest (AdvanceStream) while the op keeps its lane.
bool UringBackend::SendNow(Op* op) {
  ssize_t r;
  do {
    r = send(static_cast<int>(op->handle), op->data, op->length,
             op->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
  OpState* s = StateOf(op);
  if (r > 0 && static_cast<size_t>(r) < op->length) {
    s->moved = static_cast<uint64_t>(r);
    return false;
  }
  s->results[0] = r < 0 ? -errno : static_cast<int32_t>(r);
  cancelled_.push_back(op);
  return true;
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
    Issue(next);
    return;
  }
}

}  // namespace iocp::uring
