// Multishot receives for the io_uring backend (see uring_receive.cc): the
// receive buffers the kernel picks from, and the record of one multishot
// receive in the kernel.
#ifndef IOCP_LINUX_URING_RECEIVE_H_
#define IOCP_LINUX_URING_RECEIVE_H_

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>

#include "linux/uring_op_state.h"

namespace iocp::uring {

class Ring;

// A provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19+): kCount buffers
// of kSize bytes that the kernel fills, one per CQE, in the order they were
// given back. Owned by the backend; the kernel may write a buffer while any
// multishot receive is in flight, so it is freed only when none is.
class ProvidedBuffers {
 public:
  static constexpr unsigned kCount = 128;  // A power of two (the ring's size).
  static constexpr uint32_t kSize = 16 * 1024;
  static constexpr uint16_t kGroup = 0;

  ProvidedBuffers() = default;
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;
  ~ProvidedBuffers() { Free(); }

  // Maps the buffers and registers them with ring. Returns 0 or -errno
  // (then the backend receives without them).
  int Init(Ring& ring);
  bool ok() const { return base_ != nullptr; }
  const uint8_t* At(uint16_t bid) const { return base_ + static_cast<size_t>(bid) * kSize; }
  // Gives buffer bid back to the kernel.
  void Recycle(uint16_t bid);
  // Unmaps the memory (the ring that knew it is closed, or never had it).
  void Free();
  // Forgets the memory without unmapping it: the kernel may still write it.
  void Leak();

 private:
  io_uring_buf_ring* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  uint8_t* base_ = nullptr;
  uint16_t tail_ = 0;
};

// One multishot receive (IORING_RECV_MULTISHOT, 6.0+) in the kernel, named
// by its SQE's user_data (its address, tag kArmTag). It lives until its last
// CQE (the one without IORING_CQE_F_MORE), even after its handle is gone.
struct alignas(16) ReceiveArm {
  int fd = -1;
  // Still the receive of lanes_[fd] (Detach and a reused number cut it off:
  // what it receives afterwards is dropped).
  bool attached = true;
  // An ASYNC_CANCEL for it was asked for; it waits in cancel_backlog_
  // (which then owns the arm once its last CQE came: ended).
  bool cancel_sent = false;
  bool cancel_backlogged = false;
  bool ended = false;
  // Its SQE, to point it at no fd when the number is reused before the SQE
  // was submitted (see UringBackend::Orphan).
  io_uring_sqe* sqe = nullptr;
};

constexpr uint64_t kArmTag = 3;

inline uint64_t ArmData(ReceiveArm* arm) { return reinterpret_cast<uintptr_t>(arm) | kArmTag; }
inline ReceiveArm* ArmOf(uint64_t user_data) {
  return reinterpret_cast<ReceiveArm*>(user_data & ~kTagMask);
}

}  // namespace iocp::uring

#endif  // IOCP_LINUX_URING_RECEIVE_H_
