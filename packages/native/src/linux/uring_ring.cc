#include "linux/uring_ring.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace iocp::uring {

namespace {

int SysSetup(unsigned entries, io_uring_params* p) {
  return static_cast<int>(syscall(__NR_io_uring_setup, entries, p));
}

int SysEnter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags, const void* arg,
             size_t argsz) {
  return static_cast<int>(
      syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz));
}

int SysRegister(int fd, unsigned opcode, void* arg, unsigned nr_args) {
  return static_cast<int>(syscall(__NR_io_uring_register, fd, opcode, arg, nr_args));
}

template <typename T>
T* At(void* base, unsigned offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

}  // namespace

int Ring::Init(unsigned entries) {
  io_uring_params p;
  // The ring's completions must wake Node's loop at once, on every kernel
  // build. So no DEFER_TASKRUN: with it the task work waits until this
  // thread enters with GETEVENTS, nothing wakes pollers of the ring fd, and
  // the only signal left is the registered eventfd's on the work list's
  // empty -> non-empty transition (io_req_local_work_add), which on kernel
  // 6.18.44-fc-v1272/v1300 came about 16 ms late per wake-up (64 round
  // trips/s on one connection). Without it the task work runs on this
  // thread at its next kernel entry, or wakes it when it sleeps
  // (COOP_TASKRUN: no IPI to interrupt running JavaScript), posts the CQE,
  // and every CQE posting wakes the ring fd's pollers, Node's loop among
  // them (io_commit_cqring_flush). TASKRUN_FLAG (5.19+) tells this thread
  // when task work is pending, so Enter(true) skips the syscall when there
  // is nothing to run or submit.
  const unsigned preferred[] = {
      IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
          IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
      IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
          IORING_SETUP_TASKRUN_FLAG,
      IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL,
      IORING_SETUP_CQSIZE,
  };
  int fd = -EINVAL;
  for (unsigned flags : preferred) {
    std::memset(&p, 0, sizeof(p));
    p.flags = flags;
    p.cq_entries = entries * 4;
    fd = SysSetup(entries, &p);
    if (fd >= 0) break;
    fd = -errno;
    if (fd != -EINVAL) return fd;  // EPERM/ENOSYS/ENOMEM: no io_uring here.
  }
  if (fd < 0) return fd;
  fd_ = fd;
  taskrun_flag_ = (p.flags & IORING_SETUP_TASKRUN_FLAG) != 0;
  ext_arg_ = (p.features & IORING_FEAT_EXT_ARG) != 0;
  if (!(p.features & IORING_FEAT_NODROP)) {
    // Without NODROP (pre-5.5 kernels) a full CQ drops completions; such a
    // kernel also lacks most opcodes this project needs.
    Close();
    return -ENOSYS;
  }

  sq_ring_size_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  cq_ring_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single) {
    if (cq_ring_size_ > sq_ring_size_) sq_ring_size_ = cq_ring_size_;
    cq_ring_size_ = sq_ring_size_;
  }
  sq_ring_ = mmap(nullptr, sq_ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                  IORING_OFF_SQ_RING);
  if (sq_ring_ == MAP_FAILED) {
    sq_ring_ = nullptr;
    int err = -errno;
    Close();
    return err;
  }
  if (single) {
    cq_ring_ = sq_ring_;
  } else {
    cq_ring_ = mmap(nullptr, cq_ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                    fd_, IORING_OFF_CQ_RING);
    if (cq_ring_ == MAP_FAILED) {
      cq_ring_ = nullptr;
      int err = -errno;
      Close();
      return err;
    }
  }
  sqes_size_ = p.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                    IORING_OFF_SQES);
  if (sqes == MAP_FAILED) {
    int err = -errno;
    Close();
    return err;
  }
  sqes_ = static_cast<io_uring_sqe*>(sqes);

  sq_head_ = At<unsigned>(sq_ring_, p.sq_off.head);
  sq_tail_ = At<unsigned>(sq_ring_, p.sq_off.tail);
  sq_mask_ = *At<unsigned>(sq_ring_, p.sq_off.ring_mask);
  sq_entries_ = *At<unsigned>(sq_ring_, p.sq_off.ring_entries);
  sq_flags_ = At<unsigned>(sq_ring_, p.sq_off.flags);
  sq_array_ = At<unsigned>(sq_ring_, p.sq_off.array);
  cq_head_ = At<unsigned>(cq_ring_, p.cq_off.head);
  cq_tail_ = At<unsigned>(cq_ring_, p.cq_off.tail);
  cq_mask_ = *At<unsigned>(cq_ring_, p.cq_off.ring_mask);
  cqes_ = At<io_uring_cqe>(cq_ring_, p.cq_off.cqes);
  // The SQ array maps ring slots to SQE indexes one to one, once.
  for (unsigned i = 0; i < sq_entries_; ++i) sq_array_[i] = i;
  sq_tail_local_ = sq_submitted_ = *sq_tail_;
  return 0;
}

void Ring::Close() {
  if (sqes_ != nullptr) munmap(sqes_, sqes_size_);
  if (cq_ring_ != nullptr && cq_ring_ != sq_ring_) munmap(cq_ring_, cq_ring_size_);
  if (sq_ring_ != nullptr) munmap(sq_ring_, sq_ring_size_);
  sqes_ = nullptr;
  cq_ring_ = sq_ring_ = nullptr;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

unsigned Ring::SqSpace() const {
  unsigned head = __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE);
  return sq_entries_ - (sq_tail_local_ - head);
}

io_uring_sqe* Ring::NextSqe() {
  io_uring_sqe* sqe = &sqes_[sq_tail_local_ & sq_mask_];
  std::memset(sqe, 0, sizeof(*sqe));
  ++sq_tail_local_;
  return sqe;
}

int Ring::Enter(bool get_events, unsigned min_complete) {
  unsigned to_submit = sq_tail_local_ - sq_submitted_;
  if (to_submit > 0) __atomic_store_n(sq_tail_, sq_tail_local_, __ATOMIC_RELEASE);
  unsigned flags = get_events ? IORING_ENTER_GETEVENTS : 0;
  if (to_submit == 0 && !get_events) return 0;
  // Nothing to submit, no task work pending and no overflowed CQEs to move:
  // the CQ already shows all there is.
  if (to_submit == 0 && get_events && min_complete == 0 && taskrun_flag_ &&
      (__atomic_load_n(sq_flags_, __ATOMIC_ACQUIRE) &
       (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) == 0) {
    return 0;
  }
  for (;;) {
    int r = SysEnter(fd_, to_submit, min_complete, flags, nullptr, 0);
    if (r >= 0) {
      sq_submitted_ += static_cast<unsigned>(r);
      if (static_cast<unsigned>(r) >= to_submit) return 0;
      // The kernel stopped early without an error: it is short of
      // something (CQ space, memory) and the caller retries after reaping.
      if (r == 0) return -EAGAIN;
      to_submit -= static_cast<unsigned>(r);
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    return -err;
  }
}

int Ring::Wait(int timeout_ms) {
  int err = Enter(false);
  if (err < 0 && err != -EBUSY && err != -EAGAIN) return err;
  if (!ext_arg_) return Enter(true, 1);
  __kernel_timespec ts{};
  ts.tv_sec = timeout_ms / 1000;
  ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
  io_uring_getevents_arg arg{};
  arg.ts = reinterpret_cast<uint64_t>(&ts);
  int r;
  do {
    r = SysEnter(fd_, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : 0;
}

bool Ring::PeekCqe(uint64_t user_data, int32_t* res) const {
  unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
  for (unsigned head = *cq_head_; head != tail; ++head) {
    const io_uring_cqe& cqe = cqes_[head & cq_mask_];
    if (cqe.user_data == user_data) {
      *res = cqe.res;
      return true;
    }
  }
  return false;
}

unsigned Ring::Reap(io_uring_cqe* out, unsigned max) {
  unsigned head = *cq_head_;
  unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
  unsigned n = 0;
  while (head != tail && n < max) {
    out[n++] = cqes_[head & cq_mask_];
    ++head;
  }
  __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
  return n;
}

int Ring::RegisterBufRing(io_uring_buf_ring* ring, unsigned entries, uint16_t bgid) {
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring);
  reg.ring_entries = entries;
  reg.bgid = bgid;
  return SysRegister(fd_, IORING_REGISTER_PBUF_RING, &reg, 1) < 0 ? -errno : 0;
}

}  // namespace iocp::uring
