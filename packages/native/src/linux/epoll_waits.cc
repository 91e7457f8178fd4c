// Handle waits (waitHandle) on the epoll backend. A wait polls its handle for
// POLLIN without reading it, so the signal of an eventfd or pidfd stays for
// every other waiter. The pending waits on a handle share one registered
// duplicate of it (level-triggered), so several waits on one handle, or a
// wait on a handle that is also associated, never collide in the epoll set.
// A wait on a handle whose number was reused after other code closed it
// never joins the old file's group (SameWaitedFile). Timeouts
// share one timerfd, armed for the earliest deadline of a min-heap. These
// should be called from the JavaScript thread.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "linux/epoll_backend.h"
#include "linux/poll_now.h"

namespace iocp::epoll {

namespace {

constexpr uint64_t kNsPerMs = 1000000;
constexpr uint64_t kNsPerSecond = 1000000000;

uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSecond + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

int EpollBackend::StartWait(Op* op) {
  int fd = static_cast<int>(op->handle);
  OpState* s = StateOf(op);
  // Already signalled (or a handle that is always ready): done at once.
  int r = PollReadableNow(fd);
  if (r < 0) return r;
  if (r > 0) {
    Finish(op, 1);
    return 0;
  }
  if (op->timeout_ms == 0) {
    Finish(op, 0);
    return 0;
  }
  auto found = waits_.find(fd);
  if (found != waits_.end() && !SameWaitedFile(fd)) {
    // The group waits on a file that other code closed, and the number
    // names a new one now: its waits end, and the new file gets a group.
    EndStaleGroup(fd);
    ArmTimer();
    found = waits_.end();
  }
  if (found == waits_.end()) {
    // Remember which file the number names now (see SameWaitedFile). EEXIST:
    // this file was waited on under this number before, and still is it.
    epoll_event id{};
    if (epoll_ctl(wait_ids_fd_, EPOLL_CTL_ADD, fd, &id) < 0 && errno != EEXIST) return -errno;
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return -errno;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = WaitData(fd);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, dup, &ev) < 0) {
      int err = -errno;
      close(dup);
      return err;
    }
    found = waits_.emplace(fd, WaitGroup{}).first;
    found->second.dup_fd = dup;
  }
  s->where = Where::kWaiting;
  found->second.waiters.PushBack(op);
  if (op->timeout_ms > 0) {
    s->deadline = NowNs() + static_cast<uint64_t>(op->timeout_ms) * kNsPerMs;
    deadlines_.Push(op);
    ArmTimer();
  }
  return 0;
}

// The caller re-arms the timer (ArmTimer) once it is done changing the heap.
void EpollBackend::EndWait(Op* op) {
  OpState* s = StateOf(op);
  int fd = static_cast<int>(op->handle);
  auto found = waits_.find(fd);
  found->second.waiters.Remove(op);
  if (s->heap_index != kNoIndex) deadlines_.Remove(op);
  if (found->second.waiters.empty()) DropGroup(fd);
}

void EpollBackend::DropGroup(int fd) {
  auto found = waits_.find(fd);
  int dup = found->second.dup_fd;
  waits_.erase(found);
  // The duplicate leaves the set before it is closed: the registration
  // belongs to the open file, which the original fd keeps alive.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, dup, nullptr);
  close(dup);
}

// A wait group keeps its file open (its duplicate), so when other code
// closes the waited fd and a new file gets the number, the group still
// watches the old file, and a wait on the new one must not join it. The
// file's identity is its entry in wait_ids_fd_, an epoll set nobody waits
// on: an entry is keyed by the file and the fd number, so EPOLL_CTL_MOD under
// the number finds the entry made when the group was created only while the
// number still names that file (ENOENT: another file). fstat could not tell
// two eventfds apart (they share one inode). The entry goes away with the
// file.
bool EpollBackend::SameWaitedFile(int fd) {
  epoll_event id{};
  return epoll_ctl(wait_ids_fd_, EPOLL_CTL_MOD, fd, &id) == 0;
}

void EpollBackend::EndStaleGroup(int fd) {
  OpQueue& waiters = waits_.find(fd)->second.waiters;
  while (!waiters.empty()) {
    Op* op = waiters.head;
    waiters.Remove(op);
    if (StateOf(op)->heap_index != kNoIndex) deadlines_.Remove(op);
    Finish(op, -EBADF);
  }
  DropGroup(fd);
}

void EpollBackend::SignalGroup(int fd) {
  auto found = waits_.find(fd);
  if (found == waits_.end()) return;
  OpQueue& waiters = found->second.waiters;
  while (!waiters.empty()) {
    Op* op = waiters.head;
    waiters.Remove(op);
    if (StateOf(op)->heap_index != kNoIndex) deadlines_.Remove(op);
    Finish(op, 1);
  }
  DropGroup(fd);
}

void EpollBackend::ExpireDeadlines() {
  uint64_t now = NowNs();
  while (!deadlines_.empty() && StateOf(deadlines_.top())->deadline <= now) {
    Op* op = deadlines_.top();
    EndWait(op);
    Finish(op, 0);
  }
  ArmTimer();
}

void EpollBackend::ArmTimer() {
  uint64_t want = deadlines_.empty() ? 0 : StateOf(deadlines_.top())->deadline;
  if (want == armed_deadline_ || timer_fd_ < 0) return;
  itimerspec its{};
  if (want != 0) {
    its.it_value.tv_sec = static_cast<time_t>(want / kNsPerSecond);
    its.it_value.tv_nsec = static_cast<long>(want % kNsPerSecond);
  }
  // A zero it_value disarms. Failure is not expected with valid values; the
  // timer then stays as it was and the next change retries.
  if (timerfd_settime(timer_fd_, want != 0 ? TFD_TIMER_ABSTIME : 0, &its, nullptr) == 0) {
    armed_deadline_ = want;
  }
}

void DeadlineHeap::Place(size_t i, Op* op) {
  heap_[i] = op;
  StateOf(op)->heap_index = static_cast<uint32_t>(i);
}

void DeadlineHeap::SiftUp(size_t i) {
  Op* op = heap_[i];
  uint64_t key = StateOf(op)->deadline;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (Key(parent) <= key) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, op);
}

void DeadlineHeap::SiftDown(size_t i) {
  Op* op = heap_[i];
  uint64_t key = StateOf(op)->deadline;
  size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && Key(child + 1) < Key(child)) ++child;
    if (key <= Key(child)) break;
    Place(i, heap_[child]);
    i = child;
  }
  Place(i, op);
}

void DeadlineHeap::Push(Op* op) {
  heap_.push_back(op);
  SiftUp(heap_.size() - 1);
}

void DeadlineHeap::Remove(Op* op) {
  size_t i = StateOf(op)->heap_index;
  StateOf(op)->heap_index = kNoIndex;
  Op* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  Place(i, last);
  SiftUp(i);
  SiftDown(StateOf(last)->heap_index);
}

}  // namespace iocp::epoll
