// Per-handle ordering for the io_uring backend: at most one op per handle and
// direction is in the kernel, the others wait in that lane in submission
// order (see uring_backend.h). These should be called from the JavaScript
// thread.
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
  return lanes_[static_cast<int>(op->handle)].lanes[StateOf(op)->direction];
}

void UringBackend::Admit(Op* op) {
  OpState* s = StateOf(op);
  if (!Laned(op->kind, &s->direction)) return Issue(op);
  Lane& lane = LaneOf(op);
  if (lane.holder == nullptr) {
    lane.holder = op;
    s->lane_holder = true;
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
  auto it = lanes_.find(static_cast<int>(op->handle));
  Lane& lane = it->second.lanes[s->direction];
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
  const Lane* both = it->second.lanes;
  if (both[0].holder == nullptr && both[1].holder == nullptr) lanes_.erase(it);
}

}  // namespace iocp::uring
