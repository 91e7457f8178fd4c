// What the epoll backend keeps for one operation, inside Op::os: where the
// op waits (a handle's read or write queue, or a handle wait), its links in
// that intrusive queue, and the progress of connect, send, write and sendfile.
#ifndef IOCP_LINUX_EPOLL_OP_STATE_H_
#define IOCP_LINUX_EPOLL_OP_STATE_H_

#include <cstdint>
#include <new>
#include <vector>

#include "common/op.h"

namespace iocp::epoll {

enum class Where : uint8_t {
  kNowhere,   // Being started.
  kQueued,    // In a handle's read or write queue, waiting for readiness.
  kWaiting,   // A handle wait (waitHandle), in the wait list.
  kFinished,  // Has its result, waits for the next batch.
};

constexpr uint32_t kNoIndex = UINT32_MAX;

// epoll_event.data of the set's members: the wake-up eventfd, the timerfd,
// a registered handle, or the duplicate fd registered for the waits on a
// handle (each by its handle's fd number, tagged).
constexpr uint64_t kWakeData = 0;
constexpr uint64_t kTimerData = 1;
constexpr uint64_t kFdTag = 2;
constexpr uint64_t kWaitTag = 3;
constexpr uint64_t kDataTagMask = 3;
inline uint64_t FdData(int fd) { return (static_cast<uint64_t>(fd) << 2) | kFdTag; }
inline uint64_t WaitData(int fd) { return (static_cast<uint64_t>(fd) << 2) | kWaitTag; }
inline int FdOf(uint64_t data) { return static_cast<int>(data >> 2); }

struct OpState {
  Where where;
  // 0: the read queue, 1: the write queue.
  uint8_t direction;
  // connect(2) returned EINPROGRESS; readiness ends it.
  bool connecting;
  Op* prev;
  Op* next;
  // A handle wait: its deadline (CLOCK_MONOTONIC nanoseconds) and its index
  // in the deadline heap.
  uint32_t heap_index;
  uint64_t deadline;
  // sendfile: the next file offset, bytes still to send, bytes sent. A send
  // or write: bytes sent (it completes only when all are).
  uint64_t file_offset;
  uint64_t remaining;
  uint64_t sent;
};

static_assert(sizeof(OpState) <= kOsDataSize, "OpState must fit in Op::os");

inline OpState* NewState(Op* op) {
  auto* s = new (op->os) OpState{};
  s->heap_index = kNoIndex;
  return s;
}
inline OpState* StateOf(Op* op) { return std::launder(reinterpret_cast<OpState*>(op->os)); }

// A FIFO of ops linked through their states.
struct OpQueue {
  Op* head = nullptr;
  Op* tail = nullptr;

  bool empty() const { return head == nullptr; }
  void PushBack(Op* op) {
    OpState* s = StateOf(op);
    s->prev = tail;
    s->next = nullptr;
    if (tail != nullptr) {
      StateOf(tail)->next = op;
    } else {
      head = op;
    }
    tail = op;
  }
  void Remove(Op* op) {
    OpState* s = StateOf(op);
    if (s->prev != nullptr) {
      StateOf(s->prev)->next = s->next;
    } else {
      head = s->next;
    }
    if (s->next != nullptr) {
      StateOf(s->next)->prev = s->prev;
    } else {
      tail = s->prev;
    }
    s->prev = s->next = nullptr;
  }
};

// The deadlines of handle waits: a binary min-heap of ops, each knowing its
// index so a cancelled or signalled wait leaves in O(log n).
class DeadlineHeap {
 public:
  bool empty() const { return heap_.empty(); }
  Op* top() const { return heap_.front(); }
  void Push(Op* op);
  void Remove(Op* op);

 private:
  uint64_t Key(size_t i) const { return StateOf(heap_[i])->deadline; }
  void Place(size_t i, Op* op);
  void SiftUp(size_t i);
  void SiftDown(size_t i);

  std::vector<Op*> heap_;
};

}  // namespace iocp::epoll

#endif  // IOCP_LINUX_EPOLL_OP_STATE_H_
