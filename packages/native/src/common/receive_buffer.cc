// Receive buffers (allocReceiveBuffer): a receive into a Buffer made here
// goes straight into the Buffer's memory, with no copy from the op's own
// memory at completion.
//
// The kernel must never write memory that is freed while it holds it, and a
// JavaScript Buffer's memory cannot be pinned through Node-API: it can be
// transferred or detached at any time and freed by whoever owns it then
// (see op.h). So a receive into an ordinary Buffer goes into the op's own
// memory and is copied out when it completes. A receive buffer's memory is
// this process's instead (an external Buffer, as Node's own stream reads
// hand over theirs): the Buffer holds one reference to it and every
// pending receive into it holds another (Op::lent), so it lives until the
// kernel is done with it even if the Buffer is transferred, detached or
// collected meanwhile. Node calls an external Buffer's finalizer on its
// JavaScript thread, also when the memory went to a worker or the
// environment ends (node_buffer.cc, CallbackInfo).
//
// The receive finds the memory by the address of its ArrayBuffer's first
// byte (ReceiveRegistry), which only a receive buffer whose Buffer is
// still alive can have: the entry goes when the finalizer runs, before the
// memory can be freed.
#include "common/receive_buffer.h"

#include <cstdlib>
#include <new>
#include <utility>

#include "common/addon_data.h"
#include "common/args.h"

namespace iocp {

namespace {

// As one operation's largest transfer (core_ops.cc): a larger buffer
// could not be received into by one receive anyway.
constexpr int64_t kMaxReceiveBuffer = 0x7fffffff;

void FinalizeReceiveBuffer(napi_env /*env*/, void* /*data*/, void* hint) {
  static_cast<ReceiveMemory*>(hint)->Orphan();
}

// allocReceiveBuffer(size): a Buffer of `size` bytes (not zeroed, as
// Buffer.allocUnsafe) that receives write into directly. Where Node does not
// allow external Buffers, an ordinary one (receives into it copy).
Napi::Value AllocReceiveBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto size = static_cast<size_t>(args::Integer(info, 0, "size", 1, kMaxReceiveBuffer));
  auto* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) throw Napi::Error::New(env, "the addon is not initialized");
  if (!data->receive_buffers) data->receive_buffers = std::make_shared<ReceiveRegistry>();
  ReceiveMemory* mem = ReceiveMemory::Allocate(size, data->receive_buffers);
  if (mem == nullptr) throw Napi::RangeError::New(env, "size is too large (out of memory)");
  napi_value buffer;
  napi_status status =
      napi_create_external_buffer(env, size, mem->bytes(), FinalizeReceiveBuffer, mem, &buffer);
  if (status == napi_ok) {
    data->receive_buffers->by_base[mem->bytes()] = mem;
    return Napi::Value(env, buffer);
  }
  // napi_no_external_buffers_allowed (a V8 sandbox) or a failure: the
  // memory never reached a Buffer and is this function's to free.
  mem->Unref();
  if (status == napi_pending_exception) throw Napi::Error::New(env);
  return Napi::Buffer<uint8_t>::New(env, size);
}

}  // namespace

ReceiveMemory* ReceiveMemory::Allocate(size_t size, std::shared_ptr<ReceiveRegistry> registry) {
  auto* bytes = static_cast<uint8_t*>(std::malloc(size));
  if (bytes == nullptr) return nullptr;
  auto* mem = new (std::nothrow) ReceiveMemory();
  if (mem == nullptr) {
    std::free(bytes);
    return nullptr;
  }
  mem->bytes_ = bytes;
  mem->size_ = size;
  mem->registry_ = std::move(registry);
  return mem;
}

void ReceiveMemory::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::free(bytes_);
  delete this;
}

void ReceiveMemory::Orphan() {
  if (registry_) {
    auto it = registry_->by_base.find(bytes_);
    if (it != registry_->by_base.end() && it->second == this) registry_->by_base.erase(it);
    registry_.reset();
  }
  Unref();
}

void RegisterReceiveBuffers(Napi::Env env, Napi::Object exports) {
  exports.Set("allocReceiveBuffer", Napi::Function::New(env, AllocReceiveBuffer, "allocReceiveBuffer"));
}

}  // namespace iocp
