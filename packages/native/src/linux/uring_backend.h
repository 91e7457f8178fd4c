// The io_uring backend: operations become SQEs, queued and submitted once per
// loop turn (from a uv_prepare_t), and completions are reaped on the
// JavaScript thread when the ring fd, watched by Node's own loop, becomes
// readable (CQEs are waiting).
//
// An op may take more than one SQE (a wait with a timeout is POLL_ADD linked
// to LINK_TIMEOUT; sendfile is a loop of READ linked to SEND), and it is
// completed once, after the last CQE of its last SQE. When the SQ is full and
// cannot be submitted (the CQ overflowing, memory short), ops and cancel
// requests wait in backlogs, in order, until the next loop turn.
//
// Ops on one handle run one at a time per direction (reads: recv, recvfrom,
// accept, read; writes: send, sendto, connect, sendfile, write), in
// submission order, like the FIFO of overlapped I/O on Windows: io_uring
// itself wakes concurrent polled requests on one socket in no set order, so
// two pending recvs could take the bytes out of order, and two sends could
// interleave. The next op of a lane is issued when the previous completes.
#ifndef IOCP_LINUX_URING_BACKEND_H_
#define IOCP_LINUX_URING_BACKEND_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "common/backend.h"
#include "linux/loop_watcher.h"
#include "linux/uring_receive.h"
#include "linux/uring_ring.h"

namespace iocp::uring {

// Whether the test hook hold_cancels_ is on (src/linux/uring_backend.cc).
bool HoldCancelsForTest();
// Whether multishot receives may be used (IOCP_URING_MULTISHOT is not 0).
bool MultishotAllowed();

class UringBackend : public Backend, public LoopWatcher::Client {
 public:
  static constexpr unsigned kEntries = 256;
  static constexpr unsigned kReapBatch = 128;
  // Drain hands JavaScript at most this many batches in a row (each one
  // what completed while the previous one's reactions were submitted)
  // before it lets Node's loop run.
  static constexpr unsigned kMaxDrainRounds = 4;
  // Sends are tried at once (SendNow) while the last batch JavaScript
  // handled had at most this many completions: latency wins over one
  // submission for all.
  static constexpr uint64_t kSendNowBatch = 2;
  // A send of at least this many bytes still lent by the caller is tried at
  // once in any batch: one syscall costs less than copying it for the ring.
  static constexpr size_t kLentSendNow = 8 * 1024;
  // At most this many sockets have read hints (see Hint): they pay off
  // when Node's loop sleeps between round trips, which it does with few
  // connections; with many, every arrival would wake the hint set for a
  // loop that is awake anyway (50 pipe clients: 3% slower with a hint each).
  static constexpr size_t kMaxHints = 4;
  // The bounce buffer of one sendfile.
  static constexpr uint32_t kFileChunk = 256 * 1024;
  // How long teardown waits, in total, for the kernel to give ops back.
  static constexpr int kTeardownWaitMs = 5000;

  ~UringBackend() override;
  BackendKind Kind() const override { return BackendKind::kIoUring; }
  int Start(napi_env env, CompletionSink* sink) override;
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;
  bool Holds(const Op* op) const override;
  // SendNow sends from the caller's bytes; Admit adopts them before an SQE
  // points at them.
  bool LendsSends() const override { return true; }

  void OnReadable() override;
  void OnPrepare() override;

  // Creates and destroys a ring: can this process use io_uring? Returns 0 or
  // -errno.
  static int Probe();

 private:
  // src/linux/uring_ops.cc: the SQEs of each kind and what their CQEs mean.
  // How many SQEs op needs for its next step.
  static unsigned SqesNeeded(Op* op);
  // Checks op and sets up its state; returns 0 or -errno (then it is not
  // submitted).
  int Init(Op* op);
  // Fills the SQEs of op's next step; the caller made room for them.
  void Prepare(Op* op);
  // Records one CQE of op; when it was the last, decides: complete the op,
  // or start its next step (sendfile).
  void OnCqe(Op* op, uint64_t tag, int32_t res);
  void AdvanceFileSend(Op* op);
  // A send or write after a CQE: complete it, or send the rest.
  void AdvanceStream(Op* op, int32_t res);
  // Hands op to JavaScript with result, releasing what the backend held.
  void Finish(Op* op, int32_t result);
  // Frees what op's state owns (the sendfile buffer).
  static void Release(Op* op);

  // Queues op's next step, in the SQ when there is room, else in the
  // backlog. This should be called from the JavaScript thread.
  void Issue(Op* op);
  // src/linux/uring_lanes.cc: one op per handle and direction.
  struct Lane {
    Op* holder = nullptr;
    Op* head = nullptr;
    Op* tail = nullptr;
  };
  struct HandleLanes {
    Lane lanes[2];
    // The file associated under this number (fstat's device and inode), to
    // tell a new file behind a reused number from a repeated association.
    uint64_t dev = 0;
    uint64_t ino = 0;
    bool known = false;
    // How a write on this handle can be tried at once (SendNow): kNoWriteNow
    // (a file: the ring writes it, the disk may block), kWriteNowSocket
    // (send with MSG_DONTWAIT), kWriteNowFifo (write on a non-blocking pipe).
    uint8_t write_now = 0;
    // Receives (see uring_receive.cc). A stream socket (SOCK_STREAM): its
    // plain reads take what one multishot receive brings.
    bool stream = false;
    // A read that multishot cannot serve came (flags such as MSG_PEEK):
    // reads on this handle go one SQE each from then on.
    bool single_only = false;
    // How the handle's last multishot receive ended, for the next read:
    // 0 (end of file: every read after it gets 0), -errno (once), or kNoEnd.
    int32_t end = kNoEnd;
    ReceiveArm* arm = nullptr;
    // A datagram or SOCK_SEQPACKET socket (message-mode pipes on Linux):
    // its reads are one SQE each, and it keeps a read hint from its first
    // read until it is detached.
    bool messages = false;
    // The fd is in hint_fd_ (see Hint), or epoll refused it.
    bool hinted = false;
    bool hint_refused = false;
    // Bytes received that no read has taken yet, from stash_head on.
    std::vector<uint8_t> stash;
    size_t stash_head = 0;
  };
  static constexpr int32_t kNoEnd = 1;
  static constexpr uint8_t kNoWriteNow = 0;
  static constexpr uint8_t kWriteNowSocket = 1;
  static constexpr uint8_t kWriteNowFifo = 2;
  // Whether op kind is ordered per handle, and in which direction.
  static bool Laned(OpKind kind, uint8_t* direction);
  Lane& LaneOf(Op* op);
  // Issues op now if its lane is free, else queues it in the lane.
  // Returns 0, or kDoneNow for a send finished at once (SendNow).
  int Admit(Op* op);
  // Hands op's lane to the next waiting op, if op held it.
  void Leave(Op* op);
  // Starts op, which now holds its lane (handed over by Leave, so never
  // done at once): a read through StartRead, a write through Issue.
  void IssueHolder(Op* op);
  // Takes a waiting op out of its lane.
  void Unqueue(Op* op);
  // Ends what is pending under an fd number whose file was closed by other
  // code: the ops lose their lanes and complete with -EBADF.
  void Orphan(HandleLanes& entry, int fd);
  // Tries a send now; true when it finished (sent in full, or failed), false
  // when the ring must send it or the rest of it.
  // Returns kSentNone (EAGAIN or a short send: the ring goes on), kSentLater
  // (failed: finished with the next batch) or kDoneNow (sent whole).
  int SendNow(Op* op);
  // Whether op may go through SendNow: a send, or a write on a handle that
  // Associate found to be a socket or a non-blocking pipe (write_now).
  bool TriesNow(const Op* op) const;
  // src/linux/uring_receive.cc: multishot receives on stream sockets.
  // Starts a read that now holds its handle's read lane: from the stash,
  // with the handle's multishot receive, or as an SQE of its own. With
  // now_ok, a read the stash (or end of file) answers returns kDoneNow with
  // op->done_result set; otherwise such a read finishes with the next batch.
  int StartRead(Op* op, bool now_ok);
  // A read of a stream socket's ordinary bytes that entry's stash answers
  // now: takes the bytes (a peek copies them) and sets *result; or end of
  // file once the stash is empty.
  static bool TakeBuffered(Op* op, HandleLanes& entry, int32_t* result);
  // Whether op can take its bytes from the handle's multishot receive.
  bool Multishot(const Op* op, const HandleLanes& entry) const;
  // Queues a multishot receive for fd; false when it cannot now.
  bool ArmReceive(int fd, HandleLanes& entry);
  // Asks the kernel to end arm (its last CQE follows).
  void CancelArm(ReceiveArm* arm);
  // Ends the handle's receive state: the arm is cut off and cancelled
  // (with poison, its unsubmitted SQE is pointed at no fd first), the
  // stash dropped.
  void DropReceive(HandleLanes& entry, int fd, bool poison);
  void OnArmCqe(ReceiveArm* arm, int32_t res, uint32_t flags);
  // Read hints (uring_receive.cc): while fd has a multishot receive in the
  // kernel it is also in hint_fd_, an epoll set of the backend's own that
  // Node's loop watches, so data arriving wakes Node's epoll_wait with an
  // event rather than by the task work alone (which makes it fail with
  // EINTR and go round again). Datagram and SOCK_SEQPACKET sockets keep
  // one from their first read on. For the first kMaxHints such fds.
  void Hint(int fd, HandleLanes& entry);
  void Unhint(int fd, HandleLanes& entry, bool same_file = true);
  // hint_fd_ is readable: reaps, and clears the set's ready list when there
  // was nothing to reap.
  void OnHint();
  // Hands n received bytes to the read waiting on the handle, the rest to
  // its stash.
  void Deliver(HandleLanes& entry, const uint8_t* data, size_t n);
  // Finishes the reads that multishot receives filled in this reap.
  void FinishReceived();
  static constexpr int kSentNone = 0;
  static constexpr int kSentLater = 2;
  // Queues an ASYNC_CANCEL for op's SQE with this tag (kFirst, kSecond).
  void IssueCancel(Op* op, uint64_t tag);
  // Puts an ASYNC_CANCEL of the SQE named target (a user_data) in the SQ;
  // the caller made room.
  void PrepareCancel(uint64_t target);
  // Moves backlogged cancels into the SQ while it has room; false when some
  // are left.
  bool FillCancels();
  // Moves backlogged cancels and ops into the SQ while it has room; false
  // when some are left.
  bool FillFromBacklog();
  // Makes room for n SQEs, submitting the queued ones if needed.
  bool MakeRoom(unsigned n);
  // Submits and reaps until no completion is left, then flushes the batch.
  void Drain();
  // Waits, at teardown, until the kernel has given back every op.
  void WaitForInflight();

  Ring ring_;
  LoopWatcher watcher_;
  // The read hints' epoll set and its watcher (-1 without one: the ring fd
  // alone wakes Node's loop).
  int hint_fd_ = -1;
  struct HintClient : LoopWatcher::Client {
    UringBackend* backend = nullptr;
    void OnReadable() override { backend->OnHint(); }
  };
  HintClient hint_client_;
  // How many fds are in hint_fd_ (at most kMaxHints).
  size_t hints_ = 0;
  LoopWatcher hint_watcher_;
  CompletionSink* sink_ = nullptr;
  // Tagged SQEs whose CQE has not been reaped.
  size_t inflight_ = 0;
  // How many ops Finish() has handed to the sink (Drain compares rounds).
  uint64_t finished_ = 0;
  // How many CQEs Drain has reaped (OnHint tells a hint that found nothing).
  uint64_t reaped_ = 0;
  std::deque<Op*> backlog_;
  // The lanes of every fd that had ops, indexed by fd (fds are small and
  // reused; an idle entry costs 72 bytes and no allocation per op).
  std::vector<HandleLanes> lanes_;
  // A cancel request that waits for SQ space. It names the op instance
  // (Op::instance), not only its address: by the time it leaves the backlog
  // the op may have finished and its Op reused by a newer op (the free list
  // is LIFO), which the request must not cancel.
  struct DelayedCancel {
    Op* op;
    uint64_t tag;
    uint64_t instance;
    // Or a multishot receive (op is null): it stays allocated while the
    // request waits here (see ReceiveArm::cancel_backlogged).
    ReceiveArm* arm;
  };
  std::vector<DelayedCancel> cancel_backlog_;
  // A test hook (IOCP_TEST_URING_HOLD_CANCELS=1, read when the backend is
  // made): every cancel request waits in cancel_backlog_ until the next op
  // is submitted, and goes into the SQ behind that op, as when the SQ was
  // full at the cancel and had room again for the op. The cancel path that
  // the backlog delays becomes testable from JavaScript.
  bool hold_cancels_ = HoldCancelsForTest();
  bool cancels_held_ = false;
  // Ops finished without a CQE (cancelled in the backlog), for the next batch.
  // Ops finished without the kernel (cancelled while waiting, sends done
  // at once), delivered with the next batch; results[0] holds the result.
  std::vector<Op*> cancelled_;
  // Whether the last batch JavaScript handled was small (see SendNow). It
  // holds until the next batch, so the reactions a loop runs from
  // setImmediate after a small batch (the Tasks of streams) send at once
  // too: 10% more round trips on a one-connection streams echo.
  bool send_now_ = true;
  // Multishot receives: their buffers, whether this kernel takes them (off
  // with IOCP_URING_MULTISHOT=0, read when the backend is made), how many
  // are in the kernel, and the reads they filled in the current reap.
  ProvidedBuffers bufs_;
  bool multishot_ = MultishotAllowed();
  size_t arms_ = 0;
  std::vector<Op*> ms_ready_;
  bool shut_down_ = false;
};

}  // namespace iocp::uring

#endif  // IOCP_LINUX_URING_BACKEND_H_
