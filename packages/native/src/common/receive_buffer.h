// Receive buffers: native memory that JavaScript holds as a Buffer and that
// a receive may give to the kernel as it is (see receive_buffer.cc).
#ifndef IOCP_COMMON_RECEIVE_BUFFER_H_
#define IOCP_COMMON_RECEIVE_BUFFER_H_

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace iocp {

struct ReceiveRegistry;

// The memory of one receive buffer, counted: one reference for the
// JavaScript Buffer (dropped by its finalizer) and one per pending receive
// into it. Freed when the last one goes, so the kernel never writes memory
// that was freed, whatever JavaScript did to the Buffer (transfer, detach).
class ReceiveMemory {
 public:
  // size bytes (>= 1), with one reference. nullptr when memory is short.
  static ReceiveMemory* Allocate(size_t size, std::shared_ptr<ReceiveRegistry> registry);

  uint8_t* bytes() const { return bytes_; }
  size_t size() const { return size_; }
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Any thread.
  void Unref();
  // The JavaScript Buffer is gone (its finalizer): forgets the memory in
  // the registry, then drops that reference. JavaScript thread.
  void Orphan();

 private:
  ReceiveMemory() = default;
  ~ReceiveMemory() = default;

  std::atomic<uint32_t> refs_{1};
  uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<ReceiveRegistry> registry_;
};

// The receive buffers of one environment whose Buffer is alive, by the
// address of their first byte. JavaScript thread only.
struct ReceiveRegistry {
  std::unordered_map<const uint8_t*, ReceiveMemory*> by_base;
};

// The receive memory `base` (the first byte of a typed array's ArrayBuffer)
// starts, or nullptr when that ArrayBuffer is not a receive buffer.
inline ReceiveMemory* FindReceiveMemory(const ReceiveRegistry* registry, const uint8_t* base) {
  if (registry == nullptr || registry->by_base.empty()) return nullptr;
  auto it = registry->by_base.find(base);
  return it == registry->by_base.end() ? nullptr : it->second;
}

// Adds allocReceiveBuffer(size) to exports.
void RegisterReceiveBuffers(Napi::Env env, Napi::Object exports);

}  // namespace iocp

#endif  // IOCP_COMMON_RECEIVE_BUFFER_H_
