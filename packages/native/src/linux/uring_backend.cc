#include "linux/uring_backend.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "linux/uring_op_state.h"

namespace iocp::uring {

namespace {

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

// IOCP_TEST_URING_HOLD_CANCELS=1 (tests only): see UringBackend::hold_cancels_.
bool HoldCancelsForTest() {
  const char* value = std::getenv("IOCP_TEST_URING_HOLD_CANCELS");
  return value != nullptr && value[0] == '1';
}

UringBackend::~UringBackend() { Shutdown(); }

int UringBackend::Probe() {
  Ring ring;
  return ring.Init(4);
}

// This should be called from the JavaScript thread.
int UringBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  int err = ring_.Init(kEntries);
  if (err < 0) return err;
  // Node's loop polls the ring fd itself: it is readable while the CQ holds
  // CQEs (io_uring_poll), and every CQE posting wakes its pollers
  // (io_commit_cqring_flush). No eventfd to read and reset per wake-up, and
  // CQEs a Drain left in the CQ (kMaxDrainRounds) keep it readable.
  // Without the buffer ring (before 5.19, or memory short) every read is
  // an SQE of its own.
  if (multishot_ && bufs_.Init(ring_) < 0) multishot_ = false;
  err = watcher_.Start(env, ring_.fd(), this, /*with_prepare=*/true);
  if (err < 0) {
    Shutdown();
    return err;
  }
  // Read hints (see Hint in uring_receive.cc) are an optimisation: without
  // the set (no memory, no epoll) the ring fd alone wakes Node's loop.
  const char* hints = std::getenv("IOCP_URING_HINTS");
  if (multishot_ && (hints == nullptr || hints[0] != '0')) {
    hint_fd_ = epoll_create1(EPOLL_CLOEXEC);
    hint_client_.backend = this;
    if (hint_fd_ >= 0 && hint_watcher_.Start(env, hint_fd_, &hint_client_, false) < 0) {
      hint_watcher_.Stop();
      close(hint_fd_);
      hint_fd_ = -1;
    }
  }
  return 0;
}

// This should be called from the JavaScript thread.
int UringBackend::Submit(Op* op) {
  if (shut_down_) return -EBADF;
  int err = Init(op);
  if (err < 0) return err;
  int admitted = Admit(op);
  if (admitted == kDoneNow) return kDoneNow;
  if (cancels_held_) {
    // The test hook (see hold_cancels_): the cancels go in after this op.
    cancels_held_ = false;
    FillCancels();
  }
  return 0;
}

bool UringBackend::MakeRoom(unsigned n) {
  if (ring_.SqSpace() >= n) return true;
  // Hand the queued SQEs to the kernel, which consumes them now. A failure
  // (-EBUSY, -EAGAIN) leaves them queued for the next loop turn.
  ring_.Enter(false);
  return ring_.SqSpace() >= n;
}

void UringBackend::Issue(Op* op) {
  OpState* s = StateOf(op);
  // Behind a non-empty backlog the op waits its turn, so ops on one handle
  // reach the kernel in the order JavaScript submitted them.
  if (backlog_.empty() && MakeRoom(SqesNeeded(op))) {
    Prepare(op);
    return;
  }
  s->backlogged = true;
  backlog_.push_back(op);
}

// A cancel request goes to the kernel at once (with the SQEs queued before
// it, which may include its target): cancelling takes effect before
// anything JavaScript does next. When the SQ has no room it waits in
// cancel_backlog_ (see FillCancels). This should be called from the
// JavaScript thread.
void UringBackend::IssueCancel(Op* op, uint64_t tag) {
  if (hold_cancels_) {
    cancel_backlog_.push_back(DelayedCancel{op, tag, op->instance, nullptr});
    cancels_held_ = true;
    return;
  }
  if (cancel_backlog_.empty() && MakeRoom(1)) {
    PrepareCancel(UserData(op, tag));
    ring_.Enter(false);
    return;
  }
  cancel_backlog_.push_back(DelayedCancel{op, tag, op->instance, nullptr});
}

void UringBackend::PrepareCancel(uint64_t target) {
  io_uring_sqe* sqe = ring_.NextSqe();
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->fd = -1;
  sqe->addr = target;
  sqe->user_data = kInternal;
}

// This should be called from the JavaScript thread.
int UringBackend::Cancel(Op* op) {
  if (shut_down_) return -EBADF;
  OpState* s = StateOf(op);
  if (s->lane_waiting) {
    // Not in the kernel yet: it finishes cancelled with the next batch.
    Unqueue(op);
    s->results[0] = -ECANCELED;
    cancelled_.push_back(op);
    return 0;
  }
  if (s->ms_wait) {
    // A read waiting for its handle's multishot receive. As with a read of
    // its own (below), bytes that were there already win over the cancel:
    // the receive's SQE goes in now, the kernel receives what is queued
    // inline, and a CQE with data means the read is no longer undone.
    const HandleLanes& entry = lanes_[static_cast<size_t>(op->handle)];
    if (entry.arm != nullptr && Multishot(op, entry) && cancel_backlog_.empty()) {
      ring_.Enter(true);
      int32_t res = 0;
      if (ring_.PeekCqe(ArmData(entry.arm), &res) && res > 0) return kHasOutcome;
    }
    // Otherwise the receive goes on: what arrives next waits in the stash
    // for the next read.
    s->ms_wait = false;
    s->results[0] = -ECANCELED;
    cancelled_.push_back(op);
    return 0;
  }
  // A backlogged op is not in the kernel: FillFromBacklog finishes it as
  // cancelled (op->cancel_requested is set). An op with no CQE to come is
  // already finished and waits for its batch with its result.
  if (s->backlogged) return 0;
  if (s->outstanding == 0) return s->results[0] >= 0 ? kHasOutcome : 0;
  // A send or write that moved part of its data is cut, not undone
  // (AdvanceStream finishes it with -ECANCELED).
  bool cut = (op->kind == OpKind::kSend || op->kind == OpKind::kWrite) && s->moved > 0;
  if (op->kind == OpKind::kSendFile) {
    // The READ heads a pair (cancelling it cancels the linked SEND); a lone
    // SEND, or the SEND of a pair whose READ is done, is cancelled by itself.
    if (s->file.pair) IssueCancel(op, kFirst);
    IssueCancel(op, kSecond);
  } else {
    // For a wait, cancelling the POLL_ADD also ends its link timeout.
    IssueCancel(op, kFirst);
  }
  if (cut) return kHasOutcome;
  // IssueCancel submitted the request: the kernel handled it in that call,
  // and the task work it queued ran as the call returned. A one-step op
  // whose CQE is ready now with a result finished before the cancel reached
  // it (a send done inline at its submission, a receive that took data):
  // that result must reach JavaScript, so it is not reported as cancelled. One still without a CQE was cancelled before it
  // did anything (or, in an io-wq worker, may yet win the race). One that
  // failed did nothing, and may be reported cancelled.
  if (s->outstanding == 1 && op->kind != OpKind::kWaitHandle && cancel_backlog_.empty()) {
    ring_.Enter(true);
    int32_t res = 0;
    if (ring_.PeekCqe(UserData(op, kFirst), &res) && res >= 0) return kHasOutcome;
  }
  return 0;
}

// A delayed cancel is dropped when its op instance has no CQE to come any
// more (it finished, and its Op may serve a newer op now). Otherwise the op
// is still in the kernel, and a newer op in the same Op cannot exist until
// its last CQE is reaped; that newer op's SQEs then go into the SQ after
// this request, and the kernel handles SQEs in order, so the request can
// only find its own op. This should be called from the JavaScript thread.
bool UringBackend::FillCancels() {
  if (cancels_held_) return false;
  size_t done = 0;
  for (; done < cancel_backlog_.size(); ++done) {
    const DelayedCancel& c = cancel_backlog_[done];
    if (c.arm != nullptr) {
      // A multishot receive stays allocated while its cancel waits here.
      if (c.arm->ended) {
        delete c.arm;
        continue;
      }
      if (!MakeRoom(1)) break;
      c.arm->cancel_backlogged = false;
      PrepareCancel(ArmData(c.arm));
      continue;
    }
    if (c.op->instance != c.instance || StateOf(c.op)->outstanding == 0) continue;
    if (!MakeRoom(1)) break;
    PrepareCancel(UserData(c.op, c.tag));
  }
  cancel_backlog_.erase(cancel_backlog_.begin(), cancel_backlog_.begin() + done);
  return cancel_backlog_.empty();
}

bool UringBackend::FillFromBacklog() {
  if (!FillCancels()) return false;
  while (!backlog_.empty()) {
    Op* op = backlog_.front();
    OpState* s = StateOf(op);
    if (op->cancel_requested) {
      backlog_.pop_front();
      s->backlogged = false;
      bool progress = op->kind == OpKind::kSendFile && s->file.sent > 0;
      cancelled_.push_back(op);
      s->results[0] = progress ? static_cast<int32_t>(s->file.sent) : -ECANCELED;
      continue;
    }
    if (!MakeRoom(SqesNeeded(op))) return false;
    backlog_.pop_front();
    s->backlogged = false;
    Prepare(op);
  }
  return true;
}

void UringBackend::Finish(Op* op, int32_t result) {
  ++finished_;
  Release(op);
  // The next op of the lane starts before JavaScript hears of this one.
  Leave(op);
  sink_->Complete(op, result, 0);
}

void UringBackend::SetActive(bool active) { watcher_.SetActive(active); }

// Submits what this loop turn queued. This should be called from the
// JavaScript thread (libuv's prepare phase).
void UringBackend::OnPrepare() {
  if (shut_down_) return;
  bool clear = FillFromBacklog();
  int err = ring_.Enter(false);
  // A backlog, a refused submission or ops finished without the kernel
  // need a reap (which also makes room) and a batch.
  if (!clear || err < 0 || !cancelled_.empty()) Drain();
}

void UringBackend::OnReadable() {
  Drain();
}

// Reaps every ready CQE and hands the finished ops to the sink. The sink may
// call into JavaScript, which may submit, cancel, or shut this backend down:
// the CQEs are copied out of the ring first, and the ring is not touched
// again once shut_down_ is set.
void UringBackend::Drain() {
  io_uring_cqe batch[kReapBatch];
  for (unsigned round = 0; round < kMaxDrainRounds; ++round) {
    uint64_t finished_before = finished_;
    for (;;) {
      if (shut_down_) return;
      FillFromBacklog();
      // A failed submission (-EBUSY while the CQ overflows, -EAGAIN) leaves
      // the SQEs queued; GETEVENTS still moves overflowed CQEs into the
      // ring, and the reap below makes room for the retry in the next
      // iteration or turn.
      ring_.Enter(true);
      unsigned n = ring_.Reap(batch, kReapBatch);
      if (n == 0) break;
      reaped_ += n;
      for (unsigned i = 0; i < n; ++i) {
        uint64_t user_data = batch[i].user_data;
        if (user_data == kInternal) continue;
        if ((user_data & kTagMask) == kArmTag) {
          OnArmCqe(ArmOf(user_data), batch[i].res, batch[i].flags);
          continue;
        }
        --inflight_;
        OnCqe(OpOf(user_data), user_data & kTagMask, batch[i].res);
      }
      // Reads that multishot receives filled, with all this reap brought.
      FinishReceived();
      // A short batch emptied the CQ: one more GETEVENTS would most likely
      // find nothing. What finishes later makes the ring fd readable again.
      if (n < kReapBatch && backlog_.empty() && cancel_backlog_.empty()) break;
    }
    if (!cancelled_.empty()) {
      std::vector<Op*> done;
      done.swap(cancelled_);
      for (Op* op : done) Finish(op, StateOf(op)->results[0]);
    }
    if (shut_down_) return;
    // (A round that brought nothing calls no JavaScript and says nothing
    // about the load.)
    if (finished_ != finished_before) send_now_ = finished_ - finished_before <= kSendNowBatch;
    sink_->Flush();
    if (shut_down_ || finished_ == finished_before) break;
    // JavaScript reacted to the batch: the next round submits what it
    // queued now rather than in the next loop turn's prepare phase, and its
    // GETEVENTS collects what finished meanwhile: a send to a socket with
    // room completes during the submission, and other connections' reads
    // may have data by now. Both are delivered at once instead of after a
    // wake-up through the ring fd and a loop turn.
  }
  if (shut_down_) return;
  // Ops finished without the kernel after the last round (a read served
  // from the stash, a failed immediate send) wait for the next batch, and
  // nothing else may wake Node's loop before a far timer: a NOP's CQE makes
  // the ring fd readable, so the next poll returns at once (after one turn
  // of Node's loop, which the round limit is for).
  if (!cancelled_.empty() && MakeRoom(1)) {
    io_uring_sqe* sqe = ring_.NextSqe();
    sqe->opcode = IORING_OP_NOP;
    sqe->fd = -1;
    sqe->user_data = kInternal;
  }
  ring_.Enter(false);
}

void UringBackend::WaitForInflight() {
  cancels_held_ = false;
  // Multishot receives leave the kernel only when cancelled; what they
  // bring now is dropped.
  for (size_t fd = 0; fd < lanes_.size(); ++fd) {
    if (lanes_[fd].arm != nullptr) DropReceive(lanes_[fd], static_cast<int>(fd), /*poison=*/false);
  }
  ms_ready_.clear();
  // Ops still in the backlogs never reached the kernel.
  for (Op* op : backlog_) Release(op);
  backlog_.clear();
  for (Op* op : cancelled_) Release(op);
  cancelled_.clear();
  for (auto& entry : lanes_) {
    for (Lane& lane : entry.lanes) {
      for (Op* op = lane.head; op != nullptr; op = StateOf(op)->lane_next) Release(op);
    }
  }
  lanes_.clear();
  if (!ring_.ok()) return;
  // Core has asked to cancel every pending op; submit those requests and
  // wait in the kernel until each op has come back, or the time is up.
  io_uring_cqe batch[kReapBatch];
  int64_t deadline = NowMs() + kTeardownWaitMs;
  while (inflight_ > 0) {
    FillFromBacklog();
    int64_t left = deadline - NowMs();
    if (left <= 0) break;
    int err = ring_.Wait(left < 100 ? static_cast<int>(left) : 100);
    if (err < 0 && err != -ETIME && err != -EBUSY && err != -EAGAIN) break;
    unsigned n = ring_.Reap(batch, kReapBatch);
    for (unsigned i = 0; i < n; ++i) {
      uint64_t user_data = batch[i].user_data;
      if (user_data == kInternal) continue;
      if ((user_data & kTagMask) == kArmTag) {
        OnArmCqe(ArmOf(user_data), batch[i].res, batch[i].flags);
        continue;
      }
      --inflight_;
      Op* op = OpOf(user_data);
      OpState* s = StateOf(op);
      // Nobody will receive a socket accepted now.
      if (op->kind == OpKind::kAccept && batch[i].res >= 0) close(batch[i].res);
      if (--s->outstanding == 0) Release(op);
    }
  }
}

// Releases the ring. Safe to call from inside Drain (through the sink).
void UringBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  watcher_.Stop();
  hint_watcher_.Stop();
  if (hint_fd_ >= 0) {
    close(hint_fd_);
    hint_fd_ = -1;
  }
  WaitForInflight();
  ring_.Close();
  // A multishot receive the wait did not see end may still write into the
  // buffers (the kernel ends it after the ring is closed): never freed then.
  if (arms_ > 0) {
    bufs_.Leak();
  } else {
    bufs_.Free();
  }
  // Cancels of receives that never came back (see FillCancels).
  for (const DelayedCancel& c : cancel_backlog_) {
    if (c.arm != nullptr && c.arm->ended) delete c.arm;
  }
  cancel_backlog_.clear();
}

// After Shutdown: an op with a CQE still to come may still be read or
// written by the kernel (its msghdr, address, bounce memory and sendfile
// buffer), and WaitForInflight kept all of it. This should be called from
// the JavaScript thread.
bool UringBackend::Holds(const Op* op) const {
  return StateOf(const_cast<Op*>(op))->outstanding > 0;
}

// Associate and Detach are in uring_lanes.cc (they tell a reused fd number).

}  // namespace iocp::uring
