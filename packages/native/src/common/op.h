// One pending operation, and the table that owns them.
//
// An Op lives in a pooled slot from submission until its completion has been
// handed to JavaScript. Its first member is reserved for the OS: on Windows it
// holds the OVERLAPPED (so an OVERLAPPED* is the Op*, like mio's
// src/sys/windows/overlapped.rs), on Linux the msghdr/iovec an io_uring SQE
// points at. The kernel never keeps JavaScript memory: an op's bytes live in
// its `bounce` memory, which the Op owns (a send copies them in at
// submission unless the OS takes them during the call, see `borrowed`; a
// receive copies them out to the JavaScript buffer at its completion, or
// hands the bounce memory itself over as a new Buffer, see `hand_out_at`).
// JavaScript can transfer or detach an ArrayBuffer at any time and Node-API
// cannot pin one; native memory stays valid until the kernel is done with
// it, and at teardown an op the kernel still holds is leaked rather than
// freed (OpTable::Leak). The one exception is a receive into a receive
// buffer (receive_buffer.cc): its memory is native too, and the op holds a
// reference to it instead (`lent`), so the kernel writes it directly.
#ifndef IOCP_COMMON_OP_H_
#define IOCP_COMMON_OP_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/receive_buffer.h"

namespace iocp {

// What an op does; backends switch on it.
enum class OpKind : uint8_t {
  kNop,
  kRecv,
  kSend,
  kRecvFrom,
  kSendTo,
  kAccept,
  kConnect,
  kSendFile,
  kRead,
  kWrite,
  kAcceptPipe,
  kConnectPipe,
  kWaitHandle,
};

constexpr size_t kOsDataSize = 128;
// Op::offset of a read or write at the file's current position (-1).
constexpr uint64_t kCurrentPosition = UINT64_MAX;
constexpr size_t kAddrSize = 128;  // sizeof(sockaddr_storage) on both OSes.

struct Op {
  // A receive's or send's bounce memory above this size is freed when the op
  // is released; smaller memory is kept for the next op in the slot.
  static constexpr size_t kKeptBounce = 64 * 1024;

  Op() = default;
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;
  ~Op();

  // Reserved for the backend; must stay first (see above).
  alignas(16) unsigned char os[kOsDataSize];
  uint32_t id = 0;
  // Unique per op started by this table (ids repeat after 512 reuses of a
  // slot): a request that targets an op instance (a delayed io_uring cancel)
  // compares it.
  uint64_t instance = 0;
  OpKind kind = OpKind::kNop;
  bool cancel_requested = false;
  // The cancel could not undo it (Backend::kHasOutcome): Core::Cancel said
  // so, and later cancels say the same.
  bool has_outcome = false;
  int32_t flags = 0;
  // Address family of the socket (accept needs it to make the new socket).
  int32_t family = 0;
  // The fd (Linux) or HANDLE/SOCKET (Windows) the op works on.
  int64_t handle = -1;
  // A second handle: the accepted socket (Windows AcceptEx), the file of a
  // sendfile, or a wait registration.
  int64_t aux_handle = -1;
  // The memory the kernel reads or writes: the bounce memory, or nullptr.
  uint8_t* data = nullptr;
  size_t length = 0;
  // A file offset; kCurrentPosition: at the file's current position.
  uint64_t offset = 0;
  int64_t timeout_ms = -1;
  // Socket address in (sendto, connect) or out (recvfrom, accept).
  alignas(16) unsigned char addr[kAddrSize];
  int32_t addr_len = 0;
  // The byte count of a send the backend finished at once (Backend::kDoneNow).
  int32_t done_result = 0;
  // Backend-private state (e.g. a Windows wait registration).
  void* backend_data = nullptr;
  // The Uint8Array a receive copies its bytes into at completion (empty for
  // sends, which copied theirs at submission).
  Napi::Reference<Napi::Value> keep;
  // When > 0, a receive that brings at least this many bytes is not copied
  // into `keep`: its bounce memory itself becomes a new Buffer for
  // JavaScript (Core::HandOut), and the op gets fresh memory next time.
  uint32_t hand_out_at = 0;
  // A receive with no JavaScript buffer (recv or read given a size): every
  // result comes as a new Buffer, handed out or a copy of exactly its bytes
  // (Core::Deliver).
  bool new_buffer = false;
  // A send's `data` is still the caller's memory (Core lends it to the
  // backend for the length of Submit, see Core::StartBuffered): valid only
  // until Submit returns. Adopt() copies it into the bounce memory, which
  // Core reserved beforehand.
  bool borrowed = false;
  // A receive straight into a receive buffer's memory (`data` points into
  // it): the op holds one of its references until released, and nothing
  // is copied at completion.
  ReceiveMemory* lent = nullptr;
  // Native memory owned by the op, bounce_capacity bytes (see above).
  uint8_t* bounce = nullptr;
  size_t bounce_capacity = 0;

  // Makes data point at length bytes of bounce memory (at least one byte,
  // so data is never null). Returns false when memory is short.
  bool Reserve(size_t length);
  // Makes a borrowed send's bytes the op's own (see `borrowed`); a no-op
  // for any other op.
  void Adopt();
  // Frees the bounce memory (`data` becomes null; `length` stays): a
  // receive that waits without a buffer (a Windows zero-byte read) holds
  // none until Reserve(length) makes it anew.
  void DropBounce();
  void Reset();
};

// How many ops this process leaked at teardown because the kernel might
// still use their memory (process-wide: leaked memory belongs to the
// process, not to one environment). Any thread.
uint64_t LeakedOps();

// Owns every Op of one Core. Ids carry a generation so a stale id (of an op
// that already completed) never reaches a newer op in the same slot. This
// should be called from the JavaScript thread only.
class OpTable {
 public:
  static constexpr uint32_t kSlotBits = 22;
  static constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
  static constexpr uint32_t kMaxSlots = 1u << kSlotBits;
  static constexpr uint32_t kGenerationMask = (1u << (31 - kSlotBits)) - 1;

  // Returns nullptr when every slot is taken.
  Op* Acquire(OpKind kind);
  void Release(Op* op);
  // Returns the pending op with this id, or nullptr.
  Op* Find(uint32_t id) const;
  // Gives up a pending op without freeing it: the kernel may still read or
  // write its memory after teardown. Its slot is never used again.
  void Leak(Op* op);
  size_t pending() const { return pending_; }
  template <typename F>
  void ForEachPending(F f) {
    for (auto& slot : slots_)
      if (slot.busy) f(slot.op.get());
  }

 private:
  struct Slot {
    std::unique_ptr<Op> op;
    uint32_t generation = 0;
    bool busy = false;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t pending_ = 0;
  uint64_t next_instance_ = 0;
};

}  // namespace iocp

#endif  // IOCP_COMMON_OP_H_
