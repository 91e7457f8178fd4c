#include "common/op.h"

namespace iocp {

void Op::Reset() {
  for (auto& b : os) b = 0;
  kind = OpKind::kNop;
  cancel_requested = false;
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

Op* OpTable::Find(uint32_t id) const {
  uint32_t slot = id & kSlotMask;
  if (slot >= slots_.size()) return nullptr;
  const Slot& s = slots_[slot];
  if (!s.busy || s.op->id != id) return nullptr;
  return s.op.get();
}

}  // namespace iocp
