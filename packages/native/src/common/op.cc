#include "common/op.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace iocp {

namespace {

std::atomic<uint64_t> leaked_ops{0};

}  // namespace

uint64_t LeakedOps() { return leaked_ops.load(std::memory_order_relaxed); }

Op::~Op() {
  std::free(bounce);
  if (lent != nullptr) lent->Unref();
}

bool Op::Reserve(size_t n) {
  size_t want = n == 0 ? 1 : n;
  if (bounce_capacity < want) {
    // realloc would copy bytes nobody needs.
    std::free(bounce);
    bounce = static_cast<uint8_t*>(std::malloc(want));
    bounce_capacity = bounce == nullptr ? 0 : want;
    if (bounce == nullptr) return false;
  }
  data = bounce;
  length = n;
  return true;
}

void Op::DropBounce() {
  std::free(bounce);
  bounce = nullptr;
  bounce_capacity = 0;
  data = nullptr;
}

void Op::Adopt() {
  if (!borrowed) return;
  if (length > 0) std::memcpy(bounce, data, length);
  data = bounce;
  borrowed = false;
}

void Op::Reset() {
  for (auto& b : os) b = 0;
  kind = OpKind::kNop;
  cancel_requested = false;
  has_outcome = false;
  flags = 0;
  family = 0;
  handle = -1;
  aux_handle = -1;
  data = nullptr;
  length = 0;
  offset = 0;
  timeout_ms = -1;
  addr_len = 0;
  backend_data = nullptr;
  keep.Reset();
  hand_out_at = 0;
  new_buffer = false;
  borrowed = false;
  if (lent != nullptr) {
    lent->Unref();
    lent = nullptr;
  }
  if (bounce_capacity > kKeptBounce) {
    std::free(bounce);
    bounce = nullptr;
    bounce_capacity = 0;
  }
}

Op* OpTable::Acquire(OpKind kind) {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() >= kMaxSlots) return nullptr;
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(Slot{std::make_unique<Op>(), 0, false});
  }
  Slot& s = slots_[slot];
  s.busy = true;
  // Nine generation bits keep every id a non-negative int32.
  s.generation = (s.generation + 1) & kGenerationMask;
  Op* op = s.op.get();
  op->id = (s.generation << kSlotBits) | slot;
  op->instance = ++next_instance_;
  op->kind = kind;
  ++pending_;
  return op;
}

void OpTable::Release(Op* op) {
  uint32_t slot = op->id & kSlotMask;
  Slot& s = slots_[slot];
  if (!s.busy || s.op.get() != op) return;
  s.busy = false;
  op->Reset();
  free_.push_back(slot);
  --pending_;
}

void OpTable::Leak(Op* op) {
  uint32_t slot = op->id & kSlotMask;
  Slot& s = slots_[slot];
  if (!s.busy || s.op.get() != op) return;
  // The Op and its bounce memory stay allocated for the life of the
  // process; the slot is not free and never handed out again.
  static_cast<void>(s.op.release());
  s.busy = false;
  --pending_;
  leaked_ops.fetch_add(1, std::memory_order_relaxed);
}

Op* OpTable::Find(uint32_t id) const {
  uint32_t slot = id & kSlotMask;
  if (slot >= slots_.size()) return nullptr;
  const Slot& s = slots_[slot];
  if (!s.busy || s.op->id != id) return nullptr;
  return s.op.get();
}

}  // namespace iocp
