// Multishot receives on stream sockets for the io_uring backend.
//
// A receive SQE per read costs an io_uring_enter per round trip on a
// request/response connection. Instead, the first plain read on a stream
// socket (recv without flags, or read at the current position) starts one
// multishot receive (IORING_RECV_MULTISHOT, 6.0+) that stays in the kernel:
// each time data arrives the kernel receives it into a buffer it picks from
// a provided-buffer ring (5.19+) and posts a CQE, with no submission. The
// backend copies the bytes into the read that holds the handle's read lane
// (several CQEs of one reap go into one read, up to its length), or keeps
// them in the handle's stash when no read waits; the buffer goes back to
// the kernel at once. A read the stash answers completes at once (kDoneNow,
// during the call, when the core allows it). Reads still complete one at a
// time and in order, as overlapped reads do, and a cancelled read loses
// nothing: what arrives after the cancel waits in the stash for the next
// read.
//
// The receive ends (a CQE without IORING_CQE_F_MORE) at end of file or on an
// error, both kept for the next read as a receive would report them; when
// the buffer ring ran dry (-ENOBUFS: data stays in the socket) or it was
// cancelled, the next read starts another. Flow control: a stash beyond
// kStashLimit cancels the receive, so a peer cannot make this process buffer
// more than that while JavaScript does not read; the socket's own buffers
// then push back on the peer as before.
//
// A read that a multishot receive cannot serve (MSG_PEEK, any flags,
// recvfrom) turns multishot off for the handle: it waits until the
// receive's last CQE has put what it took into the stash, takes what it
// needs from there (a peek leaves it), and later reads go one SQE each once
// the stash is empty. MSG_OOB reads another queue and goes to the kernel.
// Everything but stream sockets (datagrams, SOCK_SEQPACKET, FIFOs, files)
// reads one SQE each, and so does a stream socket once a receive filled a
// whole buffer: bulk data costs more in 16 KiB pieces (a CQE and a copy
// each) than one receive per read costs in submissions.
//
// Same idea as liburing's recv-multishot examples and tokio-uring's
// buffer rings; libuv does not use multishot receives.
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "linux/uring_backend.h"
#include "linux/uring_op_state.h"

namespace iocp::uring {

namespace {

// Beyond this many stashed bytes the multishot receive is cancelled.
constexpr size_t kStashLimit = 256 * 1024;

size_t StashSize(const std::vector<uint8_t>& stash, size_t head) { return stash.size() - head; }

// Whether op reads a stream's ordinary bytes (the ones a receive stashes).
bool InBand(const Op* op) {
  return op->kind == OpKind::kRead || op->kind == OpKind::kRecvFrom ||
         (op->kind == OpKind::kRecv && (op->flags & MSG_OOB) == 0);
}

}  // namespace

// Multishot receives came with Linux 6.0 (provided-buffer rings with 5.19).
// An older kernel may take the SQE and complete it once, or fail it with
// -EINVAL; the version is checked instead of guessing from the first CQE.
bool MultishotAllowed() {
  static const bool allowed = [] {
    const char* value = std::getenv("IOCP_URING_MULTISHOT");
    if (value != nullptr && value[0] == '0') return false;
    utsname name{};
    if (uname(&name) != 0) return false;
    unsigned major = 0;
    if (std::sscanf(name.release, "%u.", &major) != 1) return false;
    return major >= 6;
  }();
  return allowed;
}

int ProvidedBuffers::Init(Ring& ring) {
  ring_bytes_ = kCount * sizeof(io_uring_buf);
  void* mem = mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  ring_ = static_cast<io_uring_buf_ring*>(mem);
  void* base = mmap(nullptr, static_cast<size_t>(kCount) * kSize, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    int err = -errno;
    Free();
    return err;
  }
  base_ = static_cast<uint8_t*>(base);
  int err = ring.RegisterBufRing(ring_, kCount, kGroup);
  if (err < 0) {
    Free();
    return err;
  }
  for (unsigned bid = 0; bid < kCount; ++bid) Recycle(static_cast<uint16_t>(bid));
  return 0;
}

void ProvidedBuffers::Recycle(uint16_t bid) {
  // The ring is an array of io_uring_buf whose first entry's resv is the
  // tail (io_uring_buf_ring's bufs member is not at offset 0 in C++: the
  // header's flexible-array macro adds an empty struct), so only addr, len
  // and bid are written.
  io_uring_buf* slots = reinterpret_cast<io_uring_buf*>(ring_);
  io_uring_buf* buf = &slots[tail_ & (kCount - 1)];
  buf->addr = reinterpret_cast<uintptr_t>(At(bid));
  buf->len = kSize;
  buf->bid = bid;
  ++tail_;
  __atomic_store_n(&slots[0].resv, tail_, __ATOMIC_RELEASE);
}

void ProvidedBuffers::Free() {
  if (base_ != nullptr) munmap(base_, static_cast<size_t>(kCount) * kSize);
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
  Leak();
}

void ProvidedBuffers::Leak() {
  base_ = nullptr;
  ring_ = nullptr;
}

bool UringBackend::Multishot(const Op* op, const HandleLanes& entry) const {
  if (!multishot_ || entry.single_only) return false;
  return (op->kind == OpKind::kRecv && op->flags == 0) ||
         (op->kind == OpKind::kRead && op->offset == kCurrentPosition);
}

int UringBackend::StartRead(Op* op, bool now_ok) {
  int fd = static_cast<int>(op->handle);
  HandleLanes& entry = lanes_[static_cast<size_t>(fd)];
  OpState* s = StateOf(op);
  if (!entry.stream || !InBand(op)) {
    if (entry.messages) Hint(fd, entry);
    Issue(op);
    return 0;
  }
  int32_t result = 0;
  if (TakeBuffered(op, entry, &result)) {
    if (now_ok) {
      op->done_result = result;
      return kDoneNow;
    }
  } else if (entry.end != kNoEnd) {
    // The receive ended with an error (the stash is empty): for this read.
    result = entry.end;
    entry.end = kNoEnd;
  } else if (Multishot(op, entry)) {
    s->ms_wait = true;
    if (entry.arm != nullptr || ArmReceive(fd, entry)) return 0;
    s->ms_wait = false;
    Issue(op);
    return 0;
  } else if (entry.arm != nullptr) {
    // A read the receive cannot serve: it waits for the receive to end.
    entry.single_only = true;
    s->ms_wait = true;
    if (!entry.arm->cancel_sent) CancelArm(entry.arm);
    return 0;
  } else {
    Issue(op);
    return 0;
  }
  // Finished without the kernel: delivered with the next batch.
  s->results[0] = result;
  cancelled_.push_back(op);
  return 0;
}

bool UringBackend::TakeBuffered(Op* op, HandleLanes& entry, int32_t* result) {
  size_t stashed = StashSize(entry.stash, entry.stash_head);
  if (stashed == 0) {
    // End of file, after the stash (an error goes out with a batch).
    *result = 0;
    return entry.end == 0;
  }
  // What the stash holds, as a receive takes what is queued (any flag but
  // MSG_PEEK is served so, as the epoll backend's non-blocking receive
  // serves it).
  bool peek = op->kind == OpKind::kRecv && (op->flags & MSG_PEEK) != 0;
  size_t n = std::min(stashed, op->length);
  std::memcpy(op->data, entry.stash.data() + entry.stash_head, n);
  if (!peek) {
    entry.stash_head += n;
    if (entry.stash_head == entry.stash.size()) {
      entry.stash.clear();
      entry.stash_head = 0;
      if (entry.stash.capacity() > kStashLimit) entry.stash.shrink_to_fit();
    }
  }
  *result = static_cast<int32_t>(n);
  return true;
}

bool UringBackend::ArmReceive(int fd, HandleLanes& entry) {
  // Behind a backlog the read waits its turn as an SQE of its own.
  if (!bufs_.ok() || !backlog_.empty() || !MakeRoom(1)) return false;
  auto* arm = new (std::nothrow) ReceiveArm();
  if (arm == nullptr) return false;
  arm->fd = fd;
  io_uring_sqe* sqe = ring_.NextSqe();
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = fd;
  sqe->ioprio = IORING_RECV_MULTISHOT;
  sqe->flags = IOSQE_BUFFER_SELECT;
  sqe->buf_group = ProvidedBuffers::kGroup;
  sqe->user_data = ArmData(arm);
  arm->sqe = sqe;
  entry.arm = arm;
  ++inflight_;
  ++arms_;
  Hint(fd, entry);
  return true;
}

// Why hints: the multishot receive's completion is task work for this
// thread. When data arrives while Node's loop sleeps in epoll_wait, the task
// work wakes it the way a signal does: ep_poll finds nothing ready (the CQE
// is posted only by the task work), fails with EINTR, the task work runs on
// the way out, and libuv calls epoll_wait again to see the ring fd. With the
// socket in hint_fd_ (which Node's loop watches), the same arrival also
// makes hint_fd_ ready, so the first epoll_wait returns it; the task work
// runs on the way out, and the drain that follows finds the CQE. One
// epoll_wait per wake-up instead of two (a one-connection echo: three
// syscalls per round trip where Node's net needs four).
//
// A datagram or SOCK_SEQPACKET socket (a message-mode pipe) reads one SQE
// at a time, which completes through task work too: it gets a hint at its
// first read and keeps it until it is detached (its reads come and go, and
// an epoll_ctl per read would cost more than it saves).
//
// Edge-triggered: a hint that found nothing to reap (the socket had data
// the receive did not take, or an outside-closed number's old file) is
// consumed by OnHint, so it cannot wake the loop again until more data
// comes. The ring fd stays watched: hints only make wake-ups come sooner,
// every completion still wakes Node's loop through the ring fd.
void UringBackend::Hint(int fd, HandleLanes& entry) {
  if (hint_fd_ < 0 || entry.hinted || entry.hint_refused || hints_ >= kMaxHints) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = fd;
  int r = epoll_ctl(hint_fd_, EPOLL_CTL_ADD, fd, &ev);
  // EEXIST: an earlier hint of this file was kept (see DropReceive).
  if (r < 0 && errno == EEXIST) r = epoll_ctl(hint_fd_, EPOLL_CTL_MOD, fd, &ev);
  // Otherwise (ENOMEM, ENOSPC: max_user_watches) the fd goes without one,
  // and is not asked again (a message socket's every read would).
  entry.hinted = r == 0;
  entry.hint_refused = r != 0;
  if (entry.hinted) ++hints_;
}

void UringBackend::Unhint(int fd, HandleLanes& entry, bool same_file) {
  if (!entry.hinted) return;
  entry.hinted = false;
  --hints_;
  // Only fails if fd is no longer in the set (ENOENT): nothing to undo. A
  // number reused by another file is not removed by number: the old file's
  // hint leaves the set when that file is closed for good.
  if (same_file && hint_fd_ >= 0) epoll_ctl(hint_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void UringBackend::OnHint() {
  uint64_t reaped_before = reaped_;
  Drain();
  if (shut_down_ || reaped_ != reaped_before) return;
  // Nothing came of it: consume the set's ready events (edge-triggered,
  // they do not come back until the next arrival).
  epoll_event events[32];
  while (epoll_wait(hint_fd_, events, 32, 0) == 32) {
  }
}

void UringBackend::CancelArm(ReceiveArm* arm) {
  arm->cancel_sent = true;
  if (cancel_backlog_.empty() && MakeRoom(1)) {
    PrepareCancel(ArmData(arm));
    ring_.Enter(false);
    return;
  }
  arm->cancel_backlogged = true;
  cancel_backlog_.push_back(DelayedCancel{nullptr, 0, 0, arm});
}

void UringBackend::DropReceive(HandleLanes& entry, int fd, bool poison) {
  Op* reader = entry.lanes[0].holder;
  if (reader != nullptr && StateOf(reader)->ms_wait && !StateOf(reader)->ms_ready) {
    // Nothing will fill it now (its handle is going away).
    StateOf(reader)->ms_wait = false;
    StateOf(reader)->results[0] = -ECANCELED;
    cancelled_.push_back(reader);
  }
  // With poison the number names another file now.
  Unhint(fd, entry, /*same_file=*/!poison);
  entry.hint_refused = false;
  if (ReceiveArm* arm = entry.arm) {
    entry.arm = nullptr;
    arm->attached = false;
    io_uring_sqe* sqe = arm->sqe;
    if (poison && sqe->user_data == ArmData(arm) && sqe->fd == fd) sqe->fd = -1;
    if (!arm->cancel_sent) CancelArm(arm);
  }
  entry.stash.clear();
  entry.stash.shrink_to_fit();
  entry.stash_head = 0;
  entry.end = kNoEnd;
  entry.single_only = false;
}

void UringBackend::Deliver(HandleLanes& entry, const uint8_t* data, size_t n) {
  Op* reader = entry.lanes[0].holder;
  if (reader != nullptr && entry.stash_head == entry.stash.size()) {
    OpState* s = StateOf(reader);
    if (s->ms_wait && Multishot(reader, entry) && s->filled < reader->length) {
      size_t taken = std::min(n, reader->length - s->filled);
      std::memcpy(reader->data + s->filled, data, taken);
      s->filled += static_cast<uint32_t>(taken);
      data += taken;
      n -= taken;
      if (!s->ms_ready) {
        s->ms_ready = true;
        ms_ready_.push_back(reader);
      }
    }
  }
  if (n == 0) return;
  if (entry.stash_head > 0 && entry.stash_head >= entry.stash.size() / 2) {
    entry.stash.erase(entry.stash.begin(), entry.stash.begin() + static_cast<ptrdiff_t>(entry.stash_head));
    entry.stash_head = 0;
  }
  entry.stash.insert(entry.stash.end(), data, data + n);
  if (StashSize(entry.stash, entry.stash_head) > kStashLimit && entry.arm != nullptr &&
      !entry.arm->cancel_sent) {
    CancelArm(entry.arm);
  }
}

void UringBackend::OnArmCqe(ReceiveArm* arm, int32_t res, uint32_t flags) {
  if ((flags & IORING_CQE_F_BUFFER) != 0) {
    auto bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    if (arm->attached && res > 0) {
      HandleLanes& entry = lanes_[static_cast<size_t>(arm->fd)];
      Deliver(entry, bufs_.At(bid), static_cast<size_t>(res));
      if (static_cast<uint32_t>(res) == ProvidedBuffers::kSize && !entry.single_only) {
        // A full buffer: the socket streams bulk data, which a read of its
        // own takes in one piece, straight into its memory. Multishot ends
        // for it (see the file comment).
        entry.single_only = true;
        if (!arm->cancel_sent) CancelArm(arm);
      }
    }
    bufs_.Recycle(bid);
  }
  if ((flags & IORING_CQE_F_MORE) != 0) return;
  --inflight_;
  --arms_;
  if (arm->attached) {
    HandleLanes& entry = lanes_[static_cast<size_t>(arm->fd)];
    entry.arm = nullptr;
    Unhint(arm->fd, entry);
    if (res == 0 || (res < 0 && res != -ENOBUFS && res != -ECANCELED)) entry.end = res;
    Op* reader = entry.lanes[0].holder;
    if (reader != nullptr && StateOf(reader)->ms_wait && !StateOf(reader)->ms_ready) {
      // It waited for this receive: it goes on from the stash, the end,
      // another receive, or an SQE of its own.
      StateOf(reader)->ms_wait = false;
      StartRead(reader, /*now_ok=*/false);
    }
  }
  if (arm->cancel_backlogged) {
    arm->ended = true;  // FillCancels deletes it.
  } else {
    delete arm;
  }
}

void UringBackend::FinishReceived() {
  for (Op* op : ms_ready_) {
    OpState* s = StateOf(op);
    s->ms_ready = false;
    s->ms_wait = false;
    Finish(op, static_cast<int32_t>(s->filled));
  }
  ms_ready_.clear();
}

}  // namespace iocp::uring
