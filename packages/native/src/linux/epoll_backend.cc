#include "linux/epoll_backend.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>

namespace iocp::epoll {

namespace {

// One op moves at most this many bytes, so its result fits the int32
// completion record; callers loop for more.
constexpr uint64_t kMaxTransfer = 0x7fffffff;

int AddToSet(int epoll_fd, int fd, uint64_t data) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = data;
  return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

// Whether fd is a byte stream: a SOCK_STREAM socket or a FIFO. A short read
// of one empties its receive queue (TCP stops early only at urgent data,
// a Unix stream socket only between writers when SO_PASSCRED is on: the
// same exceptions tokio accepts).
bool IsByteStream(int fd) {
  int type = 0;
  socklen_t len = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0) return type == SOCK_STREAM;
  struct stat st;
  return errno == ENOTSOCK && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

// Reads an eventfd or timerfd counter to zero.
void Drain(int fd) {
  uint64_t value;
  while (read(fd, &value, sizeof(value)) < 0 && errno == EINTR) {
  }
}

}  // namespace

EpollBackend::~EpollBackend() { Shutdown(); }

// This should be called from the JavaScript thread.
int EpollBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return -errno;
  int err = 0;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) err = -errno;
  if (err == 0) err = AddToSet(epoll_fd_, wake_fd_, kWakeData);
  if (err == 0) {
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) err = -errno;
  }
  if (err == 0) err = AddToSet(epoll_fd_, timer_fd_, kTimerData);
  if (err == 0) {
    wait_ids_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (wait_ids_fd_ < 0) err = -errno;
  }
  if (err == 0) err = watcher_.Start(env, epoll_fd_, this, /*with_prepare=*/true);
  if (err < 0) {
    Shutdown();
    return err;
  }
  return 0;
}

void EpollBackend::Finish(Op* op, int32_t result) {
  StateOf(op)->where = Where::kFinished;
  ready_.push_back(Ready{op, result});
  // While JavaScript handles a batch, DeliverReady delivers what finishes
  // meanwhile (an accept or a read answered at once) right after it.
  if (!in_poll_ && !in_delivery_) Wake();
}

void EpollBackend::Wake() {
  if (wake_pending_) return;
  wake_pending_ = true;
  uint64_t one = 1;
  while (write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

// This should be called from the JavaScript thread.
int EpollBackend::Associate(int64_t handle) {
  if (shut_down_) return -EBADF;
  if (handle < 0 || handle > INT_MAX) return -EBADF;
  int fd = static_cast<int>(handle);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = FdData(fd);
  bool pollable = true;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    if (errno == EEXIST) {
      // Registered already: associate is once per handle, a repeat is fine.
      if (static_cast<size_t>(fd) < fds_.size() && fds_[fd]) return 0;
    } else if (errno == EPERM) {
      pollable = false;  // A regular file or directory.
    } else {
      return -errno;
    }
  }
  if (static_cast<size_t>(fd) >= fds_.size()) fds_.resize(static_cast<size_t>(fd) + 1);
  if (fds_[fd]) {
    // The registration had gone: this fd number was closed without detach
    // and reused. Whatever still waited on the old handle cannot finish.
    for (OpQueue& q : fds_[fd]->queues) {
      while (!q.empty()) {
        Op* op = q.head;
        q.Remove(op);
        Finish(op, -EBADF);
      }
    }
  }
  fds_[fd] = std::make_unique<FdState>();
  fds_[fd]->pollable = pollable;
  return 0;
}

EpollBackend::FdState* EpollBackend::Register(int fd, int* err) {
  if (static_cast<size_t>(fd) < fds_.size() && fds_[fd]) return fds_[fd].get();
  // Not associated: register now, so the op can wait for readiness.
  *err = Associate(fd);
  return *err < 0 ? nullptr : fds_[fd].get();
}

// This should be called from the JavaScript thread, after the handle's ops
// completed and before it is closed.
void EpollBackend::Detach(int64_t handle) {
  if (shut_down_ || handle < 0 || handle > INT_MAX) return;
  int fd = static_cast<int>(handle);
  if (static_cast<size_t>(fd) >= fds_.size() || !fds_[fd]) return;
  std::unique_ptr<FdState> st = std::move(fds_[fd]);
  // ENOENT or EBADF here mean the handle was closed already: nothing to do.
  if (st->pollable) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  for (OpQueue& q : st->queues) {
    while (!q.empty()) {
      Op* op = q.head;
      q.Remove(op);
      Finish(op, -ECANCELED);
    }
  }
}

// This should be called from the JavaScript thread.
int EpollBackend::Submit(Op* op) {
  if (shut_down_) return -EBADF;
  if (op->kind != OpKind::kNop && (op->handle < 0 || op->handle > INT_MAX)) return -EBADF;
  OpState* s = NewState(op);
  switch (op->kind) {
    case OpKind::kNop:
      Finish(op, 0);
      return 0;
    case OpKind::kAcceptPipe:
    case OpKind::kConnectPipe:
      // Named pipes are Unix sockets on Linux: they use accept and connect.
      return -ENOSYS;
    case OpKind::kWaitHandle:
      return StartWait(op);
    case OpKind::kSendFile:
      if (op->aux_handle < 0 || op->aux_handle > INT_MAX) return -EBADF;
      s->file_offset = op->offset;
      s->remaining = op->length == 0 || op->length > kMaxTransfer ? kMaxTransfer : op->length;
      break;
    default:
      break;
  }
  int err = 0;
  FdState* st = Register(static_cast<int>(op->handle), &err);
  if (st == nullptr) return err;
  s->direction = static_cast<uint8_t>(Direction(op->kind));
  OpQueue& q = st->queues[s->direction];
  // Ops of one direction run in submission order: a newcomer tries at once
  // only when nothing waits before it, and a read only when the handle may
  // have data (the echo of a request is rarely back by the time the next
  // read is posted: that read waits for its edge without a syscall).
  if (q.empty() && (s->direction == 1 || st->maybe_readable || !st->pollable)) {
    if (!send_now_ && st->pollable && op->length < kLentSendNow &&
        (op->kind == OpKind::kSend || op->kind == OpKind::kWrite)) {
      // Held: sent with the others after the batch (see kSendNowBatch).
      s->where = Where::kQueued;
      q.PushBack(op);
      held_send_fds_.push_back(static_cast<int>(op->handle));
      return 0;
    }
    int32_t r = Attempt(st, op);
    if (r == kWouldBlock && !st->pollable) r = -EAGAIN;
    // A send or write taken whole at once is done: JavaScript has its
    // result before the call returns, with no wake-up and no batch.
    if (done_now_ && r >= 0 && static_cast<uint64_t>(r) == op->length &&
        (op->kind == OpKind::kSend || op->kind == OpKind::kWrite)) {
      s->where = Where::kFinished;
      op->done_result = r;
      return kDoneNow;
    }
    if (r != kWouldBlock) {
      Finish(op, r);
      return 0;
    }
  }
  s->where = Where::kQueued;
  q.PushBack(op);
  return 0;
}

int32_t EpollBackend::Attempt(FdState* st, Op* op) {
  int32_t r = Try(op);
  if (op->kind == OpKind::kConnect && r == 0) {
    // A socket polled before it connected reported EPOLLHUP (not connected
    // yet): the connection now begins, and its end will be an edge.
    st->read_closed = false;
    st->maybe_readable = true;
  }
  if (StateOf(op)->direction != 0 || !st->pollable || st->read_closed) return r;
  if (r == kWouldBlock) {
    st->maybe_readable = false;
  } else if (r > 0 && static_cast<uint64_t>(r) < op->length && (op->flags & MSG_PEEK) == 0 &&
             (op->kind == OpKind::kRecv || op->kind == OpKind::kRead)) {
    if (st->byte_stream < 0) st->byte_stream = IsByteStream(static_cast<int>(op->handle)) ? 1 : 0;
    if (st->byte_stream == 1) st->maybe_readable = false;
  }
  return r;
}

void EpollBackend::RunQueue(FdState* st, int direction) {
  OpQueue& q = st->queues[direction];
  while (!q.empty()) {
    Op* op = q.head;
    int32_t r = Attempt(st, op);
    if (r == kWouldBlock) {
      if (st->pollable) return;
      r = -EAGAIN;
    }
    q.Remove(op);
    Finish(op, r);
  }
}

// This should be called from the JavaScript thread. An op that already has
// its result keeps it: it is delivered as it finished.
int EpollBackend::Cancel(Op* op) {
  if (shut_down_) return -EBADF;
  OpState* s = StateOf(op);
  if (s->where == Where::kQueued) {
    FdState* st = fds_[static_cast<size_t>(op->handle)].get();
    OpQueue& q = st->queues[s->direction];
    bool was_head = q.head == op;
    q.Remove(op);
    // A sendfile reports the bytes it sent; a send or write cut short is
    // -ECANCELED (see TryStream in epoll_ops.cc).
    bool progress = op->kind == OpKind::kSendFile && s->sent > 0;
    // A send or write that moved part of its data is cut, not undone.
    bool cut = (op->kind == OpKind::kSend || op->kind == OpKind::kWrite) && s->sent > 0;
    Finish(op, progress ? static_cast<int32_t>(s->sent) : -ECANCELED);
    // The op behind may be able to run now (say, a send behind a connect).
    if (was_head) RunQueue(st, s->direction);
    return progress || cut ? kHasOutcome : 0;
  }
  if (s->where == Where::kWaiting) {
    EndWait(op);
    ArmTimer();
    Finish(op, -ECANCELED);
    return 0;
  }
  // Finished with a result (bytes received, a send done, a socket
  // accepted), which waits for the batch: the cancel cannot undo it. One
  // that failed did nothing, and may be reported cancelled.
  if (s->where == Where::kFinished) {
    for (auto it = ready_.rbegin(); it != ready_.rend(); ++it) {
      if (it->op == op) return it->result >= 0 ? kHasOutcome : 0;
    }
  }
  return 0;
}

void EpollBackend::SetActive(bool active) { watcher_.SetActive(active); }

// Node's loop is about to poll: the sends held since the last batch go out,
// and what they bring is delivered. This should be called from the
// JavaScript thread.
void EpollBackend::OnPrepare() {
  if (shut_down_ || held_send_fds_.empty()) return;
  RunHeldSends();
  if (!ready_.empty()) DeliverReady();
}

// The epoll fd is readable. This should be called from the JavaScript thread.
void EpollBackend::OnReadable() {
  if (shut_down_) return;
  epoll_event events[kEventBatch];
  int n;
  do {
    n = epoll_wait(epoll_fd_, events, kEventBatch, 0);
  } while (n < 0 && errno == EINTR);
  in_poll_ = true;
  for (int i = 0; i < n; ++i) {
    uint64_t data = events[i].data.u64;
    uint32_t ev = events[i].events;
    if (data == kWakeData) {
      Drain(wake_fd_);
      wake_pending_ = false;
    } else if (data == kTimerData) {
      Drain(timer_fd_);
      armed_deadline_ = 0;  // A one-shot timer that fired is disarmed.
      ExpireDeadlines();
    } else if ((data & kDataTagMask) == kFdTag) {
      size_t fd = static_cast<size_t>(data >> 2);
      FdState* st = fd < fds_.size() ? fds_[fd].get() : nullptr;
      if (st == nullptr) continue;
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        st->maybe_readable = true;
        if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) st->read_closed = true;
        RunQueue(st, 0);
      }
      if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) RunQueue(st, 1);
    } else {
      // The waits on a handle: signalled, unless deadlines or cancels
      // already emptied the group.
      SignalGroup(FdOf(data));
    }
  }
  ArmTimer();
  in_poll_ = false;
  DeliverReady();
}

// Hands every finished op to the sink. The sink may call into JavaScript,
// which may submit more (what finishes meanwhile, and what the held sends
// bring after the batch, is the next batch, delivered at once up to
// kMaxDeliverRounds) or shut this backend down.
void EpollBackend::DeliverReady() {
  for (unsigned round = 1;; ++round) {
    delivering_.swap(ready_);
    send_now_ = delivering_.size() <= kSendNowBatch;
    in_delivery_ = true;
    for (const Ready& r : delivering_) sink_->Complete(r.op, r.result, 0);
    delivering_.clear();
    if (!shut_down_) sink_->Flush();
    in_delivery_ = false;
    if (shut_down_) return;
    // What the held sends bring, and what finished while JavaScript ran,
    // is the next batch, delivered now rather than after a wake-up.
    RunHeldSends();
    if (ready_.empty()) return;
    if (round == kMaxDeliverRounds) {
      // Node's loop runs first; the eventfd brings the rest back.
      Wake();
      return;
    }
  }
}

// What the sends bring lands in ready_ with no wake-up: the caller delivers
// it. (RunQueue calls no JavaScript, so nothing is held meanwhile.)
void EpollBackend::RunHeldSends() {
  in_poll_ = true;
  for (int fd : held_send_fds_) {
    // A handle detached meanwhile finished its queue (-ECANCELED); its
    // number may name a new handle since, whose queue may run as well.
    FdState* st = static_cast<size_t>(fd) < fds_.size() ? fds_[fd].get() : nullptr;
    if (st != nullptr) RunQueue(st, 1);
  }
  held_send_fds_.clear();
  in_poll_ = false;
}

// Releases the epoll set. Nothing is in flight in the kernel with this
// backend: every syscall has returned by the time an op is queued.
void EpollBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  watcher_.Stop();
  for (auto& entry : waits_) close(entry.second.dup_fd);
  waits_.clear();
  // Finished results nobody will receive: an accepted socket is closed.
  for (const Ready& r : ready_) {
    if (r.op->kind == OpKind::kAccept && r.result >= 0) close(r.result);
  }
  ready_.clear();
  fds_.clear();
  if (timer_fd_ >= 0) close(timer_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wait_ids_fd_ >= 0) close(wait_ids_fd_);
  timer_fd_ = wake_fd_ = epoll_fd_ = wait_ids_fd_ = -1;
}

}  // namespace iocp::epoll
