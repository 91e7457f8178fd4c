// What the io_uring backend keeps for one operation, inside Op::os (memory
// the kernel may read while the op is in flight: the msghdr and iovec of
// recvmsg/sendmsg, the address length of accept, the timespec of a link
// timeout), and how an SQE's user_data names the op.
#ifndef IOCP_LINUX_URING_OP_STATE_H_
#define IOCP_LINUX_URING_OP_STATE_H_

#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <new>

#include "common/op.h"

namespace iocp::uring {

// user_data of an SQE: the Op's address with a tag in its low four bits (an
// Op is 16-byte aligned). kInternal (0) marks SQEs whose completions concern
// no op (cancel requests). Every tagged SQE produces exactly one CQE, and the
// op is completed only after the last of them, so a tagged CQE never names an
// op that was already handed back.
constexpr uint64_t kInternal = 0;
constexpr uint64_t kFirst = 1;   // The operation itself (or a READ of sendfile).
constexpr uint64_t kSecond = 2;  // Its link timeout, or the SEND of sendfile.
constexpr uint64_t kTagMask = 15;

static_assert(alignof(Op) >= 16, "tags need four free low bits in an Op*");

inline uint64_t UserData(Op* op, uint64_t tag) { return reinterpret_cast<uintptr_t>(op) | tag; }
inline Op* OpOf(uint64_t user_data) { return reinterpret_cast<Op*>(user_data & ~kTagMask); }

// sendfile as a loop of READ (file -> buffer) linked to SEND (buffer ->
// socket), with the buffer owned here.
struct FileSend {
  uint8_t* buffer;
  uint32_t capacity;
  // Bytes in the buffer from the last READ, and how many were sent already.
  uint32_t filled;
  uint32_t flushed;
  // Whether the READ/SEND pair (true) or a lone SEND of the rest is in flight.
  bool pair;
  uint64_t offset;     // Next file offset to read.
  uint64_t remaining;  // Bytes still to read (UINT64_MAX: to the end).
  uint64_t sent;       // Bytes sent so far: the result.
};

struct OpState {
  // CQEs still to come for this op.
  uint32_t outstanding;
  // Whether it waits in the backlog for SQ space (not in the kernel).
  bool backlogged;
  // Whether it waits in its handle's lane behind an earlier op, or holds
  // the lane (see UringBackend: one op per handle and direction at a time).
  bool lane_waiting;
  bool lane_holder;
  // Its fd was closed by other code and the number reused (see Orphan): it
  // ends with -EBADF and never issues another step.
  bool orphaned;
  // The SQE of its last step that names op->handle (Orphan poisons it when
  // it was not submitted yet).
  io_uring_sqe* fd_sqe;
  uint8_t direction;
  // A read that holds its lane without an SQE of its own: it waits for
  // what the handle's multishot receive brings (or, for a read that one
  // cannot serve, for that receive to end). See uring_receive.cc.
  bool ms_wait;
  // Such a read got bytes in the batch being reaped (in ms_ready_).
  bool ms_ready;
  // Bytes the multishot receive put in op->data for such a read.
  uint32_t filled;
  Op* lane_prev;
  Op* lane_next;
  // Results of the kFirst and kSecond CQEs.
  int32_t results[2];
  union {
    struct {
      msghdr hdr;
      iovec iov;
    } msg;
    socklen_t addr_len;
    __kernel_timespec timeout;
    FileSend file;
    // A send or write: the bytes earlier steps moved (see AdvanceStream).
    uint64_t moved;
  };
};

static_assert(sizeof(OpState) <= kOsDataSize, "OpState must fit in Op::os");

// Starts the state's lifetime in op->os (zeroed by Op::Reset).
inline OpState* NewState(Op* op) { return new (op->os) OpState{}; }
inline OpState* StateOf(Op* op) { return std::launder(reinterpret_cast<OpState*>(op->os)); }

}  // namespace iocp::uring

#endif  // IOCP_LINUX_URING_OP_STATE_H_
