// The epoll backend: completion semantics emulated over readiness, for
// machines without io_uring (seccomp in containers, old kernels,
// io_uring_disabled). An operation first tries its syscall on the
// non-blocking handle; when that would block, it waits in the handle's read
// or write queue (FIFO) for the next readiness edge of an edge-triggered
// registration (as mio does) and retries. Handle waits poll a duplicate of
// the handle without reading it (one per waited handle, shared by its
// waiters), with their timeouts on one timerfd driven by a min-heap of
// deadlines. Results, immediate or not, are delivered through
// the same batched path as the other backends, never from inside Submit:
// what finishes while JavaScript handles a batch comes in the next round of
// that delivery (DeliverReady), anything else is woken by an eventfd in the
// set.
//
// Regular files cannot be registered with epoll and never block in the
// readiness sense: their reads and writes run at once (blocking on the disk).
#ifndef IOCP_LINUX_EPOLL_BACKEND_H_
#define IOCP_LINUX_EPOLL_BACKEND_H_

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/backend.h"
#include "linux/epoll_op_state.h"
#include "linux/loop_watcher.h"

namespace iocp::epoll {

class EpollBackend : public Backend, public LoopWatcher::Client {
 public:
  static constexpr int kEventBatch = 128;
  // Small sends are tried at once while the last batch JavaScript handled
  // had at most this many completions (latency wins). After a larger batch
  // a small send waits in its handle's write queue, and the held sends go
  // out in a row: when JavaScript has handled the batch (DeliverReady), or
  // right before Node's loop polls again (OnPrepare: the reactions a loop
  // runs from setImmediate, such as the Tasks of streams). io_uring does the
  // same with one submission (UringBackend::kSendNowBatch). A send wakes a
  // peer that sleeps, which costs the sender most of a send when the peer
  // is on another CPU; spread over a batch's JavaScript, nearly every send
  // found its peer asleep again. Measured on a 100-connection echo through
  // streams: 27% less CPU per round trip, from 0.89x to 1.32x Node's net;
  // through a Protocol, 9% less.
  static constexpr size_t kSendNowBatch = 2;
  // A send of at least this many bytes still lent by the caller is tried at
  // once in any batch: one syscall costs less than copying it to wait.
  static constexpr uint64_t kLentSendNow = 8 * 1024;
  // DeliverReady hands JavaScript at most this many batches in a row (each
  // one what the held sends, or the ops JavaScript started, brought while
  // it handled the previous one) before it lets Node's loop run.
  static constexpr unsigned kMaxDeliverRounds = 4;
  // What an attempt at a syscall returns when the op must wait for
  // readiness (no system error or byte count is this value).
  static constexpr int32_t kWouldBlock = INT32_MIN;

  ~EpollBackend() override;
  BackendKind Kind() const override { return BackendKind::kEpoll; }
  int Start(napi_env env, CompletionSink* sink) override;
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;
  // A send reads op->data only in the syscall (Try), never later.
  bool LendsSends() const override { return true; }

  void OnReadable() override;
  void OnPrepare() override;

 private:
  struct Ready {
    Op* op;
    int32_t result;
  };
  // One registered handle.
  struct FdState {
    // Waiting ops: [0] reads (recv, recvfrom, accept, read), [1] writes
    // (send, sendto, connect, sendfile, write).
    OpQueue queues[2];
    // False for regular files, which epoll refuses and which never block.
    bool pollable = true;
    // Whether a read may find data without waiting for an edge. Cleared by a
    // read that would block, or by a short read of a byte stream (which
    // emptied the receive queue: what arrives later raises a new edge); set
    // by every readable edge. A read submitted while it is clear waits for
    // the edge instead of a syscall that would return EAGAIN (as tokio does
    // over mio's edge-triggered epoll; libuv's UV_HANDLE_READ_PARTIAL).
    bool maybe_readable = true;
    // An edge said the read side ended (EPOLLRDHUP, EPOLLHUP, EPOLLERR):
    // reads finish at once from then on (EOF or the error) and no further
    // edge comes, so maybe_readable is never cleared again.
    bool read_closed = false;
    // Whether the handle is a byte stream (a SOCK_STREAM socket or a FIFO),
    // where a short read means the queue was empty: -1 until the first short
    // read asks the kernel.
    int8_t byte_stream = -1;
  };
  // The waits on one handle: one level-triggered registration of a
  // duplicate fd, however many ops wait. (One registration per wait would
  // put as many watches of the same file in this set, and a set nested in
  // libuv's refuses more than about a thousand paths to one file.)
  struct WaitGroup {
    int dup_fd = -1;
    OpQueue waiters;
  };

  // Queues a finished op for the next batch, waking the loop if needed.
  void Finish(Op* op, int32_t result);
  // Makes the eventfd readable, once until the next poll drains it.
  void Wake();
  void DeliverReady();
  // Runs the write queues of the handles with held sends (see
  // kSendNowBatch).
  void RunHeldSends();
  // Registers fd (once) and returns its state, or nullptr with *err set.
  FdState* Register(int fd, int* err);
  // Retries the queued ops of one direction, in order, until one would block.
  void RunQueue(FdState* st, int direction);
  // One attempt at op on its registered handle: Try, then what the result
  // says about the handle's readability (FdState::maybe_readable).
  int32_t Attempt(FdState* st, Op* op);

  // src/linux/epoll_ops.cc: one attempt at op's syscall. Returns its result,
  // or kWouldBlock when op must wait for readiness.
  static int Direction(OpKind kind);
  static int32_t Try(Op* op);

  // src/linux/epoll_waits.cc: handle waits and their deadlines.
  int StartWait(Op* op);
  // Takes op out of its wait group (dropping the group when it empties)
  // and out of the deadline heap.
  void EndWait(Op* op);
  void DropGroup(int fd);
  // Whether fd still names the file its wait group was made for.
  bool SameWaitedFile(int fd);
  // Ends the waits of a group whose file was closed by other code (-EBADF)
  // and drops the group.
  void EndStaleGroup(int fd);
  // Every waiter of the handle's group is signalled.
  void SignalGroup(int fd);
  void ExpireDeadlines();
  void ArmTimer();

  LoopWatcher watcher_;
  CompletionSink* sink_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int timer_fd_ = -1;
  bool wake_pending_ = false;
  // True while events are handled: the batch that follows needs no wake-up.
  bool in_poll_ = false;
  // True while JavaScript handles a batch: what finishes meanwhile needs no
  // wake-up (DeliverReady delivers it next).
  bool in_delivery_ = false;
  // Whether the last batch had at most kSendNowBatch completions: only then
  // is a small send tried at once (see kSendNowBatch).
  bool send_now_ = true;
  // The handles (fd numbers) with held sends (see kSendNowBatch).
  std::vector<int> held_send_fds_;
  std::vector<Ready> ready_;
  std::vector<Ready> delivering_;
  // Registered handles by fd number.
  std::vector<std::unique_ptr<FdState>> fds_;
  // Wait groups by the waited handle's fd number. A handle closed by other
  // code while waits on it are pending keeps them pending (the group's
  // duplicate holds the file) until they time out or are cancelled, or a
  // wait on a new file under the number ends them with -EBADF.
  std::unordered_map<int, WaitGroup> waits_;
  // An epoll set nobody waits on: which file each waited number named when
  // its group was made (see SameWaitedFile).
  int wait_ids_fd_ = -1;
  DeadlineHeap deadlines_;
  // The deadline the timerfd is armed for (0: disarmed).
  uint64_t armed_deadline_ = 0;
  bool shut_down_ = false;
};

}  // namespace iocp::epoll

#endif  // IOCP_LINUX_EPOLL_BACKEND_H_
