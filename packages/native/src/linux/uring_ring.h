// A minimal io_uring ring over the kernel UAPI header and raw syscalls (as
// libuv's src/unix/linux.c does): no liburing, no SQPOLL. Set up with
// SINGLE_ISSUER | COOP_TASKRUN | TASKRUN_FLAG where the kernel has them,
// falling back to a plain ring; never DEFER_TASKRUN (see Ring::Init).
#ifndef IOCP_LINUX_URING_RING_H_
#define IOCP_LINUX_URING_RING_H_

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>

namespace iocp::uring {

class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() { Close(); }

  // Creates the ring. Returns 0 or -errno.
  int Init(unsigned entries);
  void Close();
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Whether the kernel flags pending task work in the SQ ring (5.19+).
  bool taskrun_flag() const { return taskrun_flag_; }

  // How many SQEs can be queued now without submitting.
  unsigned SqSpace() const;
  // Returns the next SQE, zeroed. The caller has checked SqSpace() first.
  io_uring_sqe* NextSqe();
  // Submits queued SQEs; with get_events also runs pending task work so
  // finished CQEs become visible (no syscall when the kernel flags none and
  // nothing is queued). Returns 0 or -errno: -EBUSY or -EAGAIN
  // when the kernel cannot take more now (the CQ is overflowing, or memory
  // is short), and the caller reaps before it retries.
  int Enter(bool get_events, unsigned min_complete = 0);
  // Submits queued SQEs and waits up to timeout_ms for at least one CQE.
  // Returns 0, -ETIME on timeout, or -errno. Without IORING_FEAT_EXT_ARG
  // (kernels before 5.11) the wait is not bounded.
  int Wait(int timeout_ms);
  unsigned queued() const { return sq_tail_local_ - sq_submitted_; }

  // Whether a CQE with this user_data is ready (posted, not reaped yet);
  // fills *res with its result. Consumes nothing.
  bool PeekCqe(uint64_t user_data, int32_t* res) const;
  // Copies up to max ready CQEs into out and consumes them; returns the count.
  unsigned Reap(io_uring_cqe* out, unsigned max);
  // Registers a provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19+) as
  // buffer group bgid. Returns 0 or -errno.
  int RegisterBufRing(io_uring_buf_ring* ring, unsigned entries, uint16_t bgid);

 private:
  int fd_ = -1;
  bool taskrun_flag_ = false;
  bool ext_arg_ = false;
  void* sq_ring_ = nullptr;
  size_t sq_ring_size_ = 0;
  void* cq_ring_ = nullptr;
  size_t cq_ring_size_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqes_size_ = 0;
  unsigned* sq_head_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned* sq_array_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned sq_entries_ = 0;
  unsigned* sq_flags_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned sq_tail_local_ = 0;
  unsigned sq_submitted_ = 0;
};

}  // namespace iocp::uring

#endif  // IOCP_LINUX_URING_RING_H_
