#include "common/core.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/addon_data.h"
#include "common/args.h"

namespace iocp {

namespace {

// The system error code of "out of memory" (completion results are negated
// errno values on Linux, Win32 error codes on Windows).
#ifdef _WIN32
constexpr int32_t kOutOfMemory = 8;  // ERROR_NOT_ENOUGH_MEMORY
#else
constexpr int32_t kOutOfMemory = ENOMEM;
#endif

bool ParseBackend(const std::string& name, BackendKind* kind) {
  if (name == "iocp") {
    *kind = BackendKind::kIocp;
  } else if (name == "io_uring") {
    *kind = BackendKind::kIoUring;
  } else if (name == "epoll") {
    *kind = BackendKind::kEpoll;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Napi::Function Core::Define(Napi::Env env) {
  return DefineClass(env, "Core",
                     {
                         InstanceAccessor<&Core::GetBackend>("backend"),
                         InstanceAccessor<&Core::GetPending>("pending"),
                         InstanceAccessor<&Core::GetClosed>("closed"),
                         InstanceAccessor<&Core::GetZeroReads>("zeroReads"),
                         InstanceMethod<&Core::Nop>("nop"),
                         InstanceMethod<&Core::AllowImmediate>("allowImmediate"),
                         InstanceMethod<&Core::SetZeroReads>("setZeroReads"),
                         InstanceMethod<&Core::Associate>("associate"),
                         InstanceMethod<&Core::Detach>("detach"),
                         InstanceMethod<&Core::Recv>("recv"),
                         InstanceMethod<&Core::Send>("send"),
                         InstanceMethod<&Core::RecvFrom>("recvFrom"),
                         InstanceMethod<&Core::SendTo>("sendTo"),
                         InstanceMethod<&Core::Accept>("accept"),
                         InstanceMethod<&Core::Connect>("connect"),
                         InstanceMethod<&Core::SendFile>("sendFile"),
                         InstanceMethod<&Core::Read>("read"),
                         InstanceMethod<&Core::Write>("write"),
                         InstanceMethod<&Core::AcceptPipe>("acceptPipe"),
                         InstanceMethod<&Core::WaitHandle>("waitHandle"),
                         InstanceMethod<&Core::Cancel>("cancel"),
                         InstanceMethod<&Core::DropBuffer>("dropBuffer"),
                         InstanceMethod<&Core::Close>("close"),
                     });
}

// new Core(onCompletions: (count: number) => void, backend?: string,
//          concurrency?: number)
// concurrency (an integer in [0, 0xffffffff]) goes to the completion port's
// NumberOfConcurrentThreads on Windows; the Linux backends have no such
// setting and ignore it. This should be called from the JavaScript thread.
Core::Core(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Core>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(env, "onCompletions must be a function");
  }
  AddonData* data = env.GetInstanceData<AddonData>();
  data_ = data;
  kind_ = data->default_backend;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    if (!info[1].IsString()) throw Napi::TypeError::New(env, "backend must be a string");
    std::string name = info[1].As<Napi::String>().Utf8Value();
    if (!ParseBackend(name, &kind_)) {
      throw Napi::RangeError::New(env, "backend must be 'iocp', 'io_uring' or 'epoll', got '" +
                                           name + "'");
    }
  }
  bool has_concurrency = !args::At(info, 2).IsUndefined();
  int64_t concurrency = args::Integer(info, 2, "concurrency", 0, 0xffffffff, true, 0);
  backend_ = CreateBackend(kind_);
  if (!backend_) {
    throw Napi::Error::New(env, std::string("backend '") + BackendName(kind_) +
                                    "' is not available on this operating system");
  }
  if (has_concurrency) backend_->SetConcurrency(static_cast<uint32_t>(concurrency));
  int err = backend_->Start(env, this);
  if (err < 0) {
    backend_.reset();
    throw Napi::Error::New(env, std::string("cannot start the ") + BackendName(kind_) +
                                    " backend: " + SystemErrorMessage(-err));
  }
  callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  // The completion records, then the three words of `immediate`.
  Napi::ArrayBuffer buffer =
      Napi::ArrayBuffer::New(env, (kCompletionCapacity * kCompletionWords + 3) * sizeof(int32_t));
  records_ = static_cast<int32_t*>(buffer.Data());
  std::memset(records_, 0, buffer.ByteLength());
  immediate_ = records_ + kCompletionCapacity * kCompletionWords;
  immediate_[0] = -1;
  buffer_ref_ = Napi::Persistent(buffer);
  Napi::ArrayBuffer addresses = Napi::ArrayBuffer::New(env, kCompletionCapacity * kAddrSize);
  addresses_ = static_cast<uint8_t*>(addresses.Data());
  addresses_ref_ = Napi::Persistent(addresses);
  info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value(
      "addresses", Napi::Uint8Array::New(env, kCompletionCapacity * kAddrSize, addresses, 0),
      napi_enumerable));
  Napi::Array received = Napi::Array::New(env, kCompletionCapacity + 1);
  received_ref_ = Napi::Persistent(received);
  info.This().As<Napi::Object>().DefineProperty(
      Napi::PropertyDescriptor::Value("received", received, napi_enumerable));
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "IocpCompletions");
  info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value(
      "completions", Napi::Int32Array::New(env, kCompletionCapacity * kCompletionWords, buffer, 0),
      napi_enumerable));
  info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value(
      "immediate",
      Napi::Int32Array::New(env, 3, buffer, kCompletionCapacity * kCompletionWords * sizeof(int32_t)),
      napi_enumerable));
  napi_add_env_cleanup_hook(env, &Core::CleanupHook, this);
}

Core::~Core() {
  if (!torn_down_) {
    napi_remove_env_cleanup_hook(env_, &Core::CleanupHook, this);
    Teardown();
  }
}

void Core::CleanupHook(void* arg) { static_cast<Core*>(arg)->Teardown(); }

// Releases the backend. At environment teardown ops may still be pending: the
// backend's Shutdown waits (bounded) for the kernel to give them back. An op
// the kernel may still read or write after that is never freed: its memory
// (Op::os, the address, the bounce memory) is leaked and counted, and the
// leak is reported on stderr, as libuv refuses to close a loop with active
// requests rather than free memory in use. This should be called from the
// JavaScript thread.
void Core::Teardown() {
  if (torn_down_) return;
  closed_ = true;
  CancelAll();
  torn_down_ = true;
  // The backend object itself lives until ~Core: Teardown may run inside one
  // of its callbacks.
  if (backend_) backend_->Shutdown();
  size_t leaked = 0;
  ops_.ForEachPending([this, &leaked](Op* op) {
    op->keep.Reset();
    if (backend_ && backend_->Holds(op)) {
      ops_.Leak(op);
      ++leaked;
    }
  });
  if (leaked > 0) {
    std::fprintf(stderr,
                 "@iocp/native: %s backend torn down with %zu operation(s) still held by the "
                 "kernel; their memory is leaked, not freed\n",
                 BackendName(kind_), leaked);
  }
  data_ = nullptr;
}

void Core::CancelAll() {
  if (!backend_) return;
  ops_.ForEachPending([this](Op* op) {
    if (!op->cancel_requested) {
      op->cancel_requested = true;
      backend_->Cancel(op);
    }
  });
}

Napi::Value Core::GetBackend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), BackendName(kind_));
}

Napi::Value Core::GetPending(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ops_.pending()));
}

Napi::Value Core::GetZeroReads(const Napi::CallbackInfo& info) {
  uint64_t n = backend_ ? backend_->ZeroReads() : 0;
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value Core::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), closed_);
}

Op* Core::NewOp(Napi::Env env, OpKind kind) {
  if (closed_) throw Napi::Error::New(env, "Core is closed");
  Op* op = ops_.Acquire(kind);
  if (op == nullptr) throw Napi::RangeError::New(env, "too many pending operations");
  OnPendingChanged();
  return op;
}

Napi::Value Core::Start(Napi::Env env, Op* op) {
  uint32_t id = op->id;
  immediate_[0] = -1;
  // Whether this op receives straight into a receive buffer (Op::lent).
  immediate_[2] = op->lent != nullptr ? 1 : 0;
  if (immediate_handed_out_) {
    // `received`'s last slot describes the last op started only.
    immediate_handed_out_ = false;
    uint32_t last = kCompletionCapacity;
    ClearReceived(&last, 1);
  }
  int err = backend_->Submit(op);
  if (err < 0) {
    DropOp(op);
    return Napi::Number::New(env, err);
  }
  if (err == Backend::kDoneNow) {
    // A read done at once (io_uring: from what the socket's receive held).
    if (op->done_result > 0) op->done_result = Deliver(op, op->done_result, kCompletionCapacity);
    immediate_[0] = static_cast<int32_t>(id);
    immediate_[1] = op->done_result;
    DropOp(op);
  } else {
    // A send that waits: its bytes become its own before JavaScript runs.
    op->Adopt();
  }
  return Napi::Number::New(env, id);
}

void Core::DropOp(Op* op) {
  ops_.Release(op);
  OnPendingChanged();
}

// Keeps Node's loop (and this object) alive exactly while ops are pending,
// and the environment's count of pending ops (AddonData::pending_ops)
// current. This should be called from the JavaScript thread, after every
// change of ops_.pending().
void Core::OnPendingChanged() {
  if (data_ != nullptr) data_->pending_ops = data_->pending_ops - counted_pending_ + ops_.pending();
  counted_pending_ = ops_.pending();
  bool active = ops_.pending() > 0;
  if (active == referenced_) return;
  referenced_ = active;
  if (backend_) backend_->SetActive(active);
  if (active) {
    Ref();
  } else {
    Unref();
  }
}

// nop(): a no-op that completes with result 0 through the backend's own
// completion path (PostQueuedCompletionStatus / IORING_OP_NOP / the epoll
// wake-up). Returns its id.
Napi::Value Core::Nop(const Napi::CallbackInfo& info) {
  Op* op = NewOp(info.Env(), OpKind::kNop);
  return Start(info.Env(), op);
}

// allowImmediate(on): see Backend::AllowDoneNow.
Napi::Value Core::AllowImmediate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "on must be a boolean");
  if (backend_) backend_->AllowDoneNow(info[0].As<Napi::Boolean>().Value());
  return env.Undefined();
}

// setZeroReads(mode): 'auto', 'always' or 'never'; see Backend::SetZeroReads.
Napi::Value Core::SetZeroReads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string mode = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  int value = mode == "auto" ? -1 : mode == "never" ? 0 : mode == "always" ? 1 : -2;
  if (value == -2) throw Napi::TypeError::New(env, "mode must be 'auto', 'always' or 'never'");
  if (backend_) backend_->SetZeroReads(value);
  return env.Undefined();
}

// cancel(id): returns true when id is pending (cancellation was requested),
// false when it is not, or the negated system error when the OS refused the
// cancellation (CancelIoEx failed); the op still completes exactly once.
Napi::Value Core::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "id must be a number");
  Op* op = ops_.Find(info[0].As<Napi::Number>().Uint32Value());
  if (op == nullptr || torn_down_) return Napi::Boolean::New(env, false);
  if (!op->cancel_requested) {
    op->cancel_requested = true;
    op->has_outcome = false;
    int err = backend_->Cancel(op);
    if (err < 0) return Napi::Number::New(env, err);
    op->has_outcome = err == Backend::kHasOutcome;
  }
  // An op the cancel could not undo is not cancelled: its completion, in a
  // later batch, carries what it did (received bytes, a send cut short).
  return Napi::Boolean::New(env, !op->has_outcome);
}

// dropBuffer(id): a pending receive into a caller's buffer stops pointing at
// it: what the receive brings is not copied there (the op still completes
// with its count, its bytes are dropped). The transports call it before
// cancelling a read into a BufferedProtocol's buffer when they close, so a
// read that wins its cancel race never writes into a buffer its protocol
// may already have reused. Returns whether id was such a receive.
Napi::Value Core::DropBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "id must be a number");
  Op* op = ops_.Find(info[0].As<Napi::Number>().Uint32Value());
  if (op == nullptr || torn_down_ || op->keep.IsEmpty()) return Napi::Boolean::New(env, false);
  op->keep.Reset();
  return Napi::Boolean::New(env, true);
}

// close(): refuses new operations and cancels whatever is pending. Returns
// true when the backend was released now (nothing was pending); otherwise the
// cancelled operations still complete, and the backend is released right
// after the batch that delivers the last of them.
Napi::Value Core::Close(const Napi::CallbackInfo& info) {
  closed_ = true;
  if (!torn_down_ && ops_.pending() == 0) {
    napi_remove_env_cleanup_hook(env_, &Core::CleanupHook, this);
    Teardown();
  } else if (!torn_down_) {
    CancelAll();
  }
  if (torn_down_) ReleaseAsyncContext();
  return Napi::Boolean::New(info.Env(), torn_down_);
}

void Core::Complete(Op* op, int32_t result, uint32_t aux) {
  if (count_ == kCompletionCapacity) Flush();
  if (result > 0) result = Deliver(op, result, count_);
  // An accepted socket is this environment's to close (AddonData::owned).
  if (op->kind == OpKind::kAccept && result >= 0) {
    AddonData* data = Napi::Env(env_).GetInstanceData<AddonData>();
    if (data != nullptr) data->Own(result, AddonData::HandleKind::kSocket);
  }
  int32_t* record = records_ + count_ * kCompletionWords;
  record[0] = static_cast<int32_t>(op->id);
  record[1] = result;
  record[2] = static_cast<int32_t>(aux);
  record[3] = 0;
  if (op->addr_len > 0 && (op->kind == OpKind::kRecvFrom || op->kind == OpKind::kAccept)) {
    auto len = static_cast<uint32_t>(op->addr_len) > kAddrSize ? kAddrSize : op->addr_len;
    std::memcpy(addresses_ + count_ * kAddrSize, op->addr, len);
    record[3] = static_cast<int32_t>(len);
  }
  ++count_;
  ops_.Release(op);
  OnPendingChanged();
}

int32_t Core::Deliver(Op* op, int32_t result, uint32_t slot) {
  if (op->hand_out_at > 0 && static_cast<uint32_t>(result) >= op->hand_out_at) {
    int handed = HandOut(op, result, slot);
    if (handed > 0) return result;
    // The memory went to a Buffer that could not be delivered: the bytes
    // are lost, so the read fails rather than report bytes it cannot give.
    if (handed < 0) return -kOutOfMemory;
  }
  if (op->new_buffer) return CopyNew(op, result, slot) ? result : -kOutOfMemory;
  if (!op->keep.IsEmpty()) CopyOut(op, result);
  return result;
}

bool Core::PutReceived(napi_value list, uint32_t slot, napi_value value) {
  if (napi_set_element(env_, list, slot, value) != napi_ok) return false;
  if (slot < kCompletionCapacity) {
    handed_out_.push_back(slot);
  } else {
    immediate_handed_out_ = true;
  }
  return true;
}

// A short receive into a new Buffer: a Buffer of exactly its bytes (the op
// keeps its memory for the next receive). This should be called from the
// JavaScript thread.
bool Core::CopyNew(Op* op, int32_t result, uint32_t slot) {
  size_t n = static_cast<size_t>(result);
  if (n > op->length) n = op->length;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return false;
  napi_value list;
  napi_value buffer;
  bool done = napi_get_reference_value(env_, received_ref_, &list) == napi_ok && list != nullptr &&
              napi_create_buffer_copy(env_, n, op->data, nullptr, &buffer) == napi_ok &&
              PutReceived(list, slot, buffer);
  napi_value ignored;
  if (!done) napi_get_and_clear_last_exception(env_, &ignored);
  napi_close_handle_scope(env_, scope);
  return done;
}

namespace {

void FreeHandedOut(napi_env /*env*/, void* data, void* /*hint*/) { std::free(data); }

}  // namespace

// A large receive is not copied: the bounce memory the kernel wrote becomes
// the bytes of a new Buffer (an external one, freed by the garbage
// collector), shrunk to what arrived, and the op's slot gets fresh memory
// for its next receive. Node's own stream reads hand over their buffer the
// same way. JavaScript never saw that memory before, so nothing it did
// could have touched it. Returns 1 (the Buffer is at received[slot]), 0
// (nothing changed: the bytes are still in the bounce memory) or -1 (the
// memory went to a Buffer that is not at received[slot]). This should be
// called from the JavaScript thread.
int Core::HandOut(Op* op, int32_t result, uint32_t slot) {
  if (op->bounce == nullptr || op->data != op->bounce) return 0;
  size_t n = static_cast<size_t>(result);
  if (n > op->length) n = op->length;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return 0;
  int handed = 0;
  napi_value list;
  if (napi_get_reference_value(env_, received_ref_, &list) == napi_ok && list != nullptr) {
    uint8_t* mem = op->bounce;
    // Gives back what a short receive left unused (realloc shrinks in place).
    if (op->bounce_capacity - n >= 4096) {
      // (n >= 1: only a receive that brought bytes is handed out.)
      auto* shrunk = static_cast<uint8_t*>(std::realloc(mem, n));
      if (shrunk != nullptr) {
        mem = shrunk;
        op->bounce = shrunk;
        op->data = shrunk;
        op->bounce_capacity = n;
      }
    }
    napi_value buffer;
    napi_status status = napi_create_external_buffer(env_, n, mem, FreeHandedOut, nullptr, &buffer);
    // napi_pending_exception: refused before the buffer was made
    // (JavaScript cannot run); the memory is still the op's. Any other
    // outcome gave it to Node, which frees it with the Buffer.
    if (status != napi_pending_exception) {
      op->bounce = nullptr;
      op->bounce_capacity = 0;
      op->data = nullptr;
      handed = status == napi_ok && PutReceived(list, slot, buffer) ? 1 : -1;
    }
    napi_value ignored;
    if (handed != 1) napi_get_and_clear_last_exception(env_, &ignored);
  }
  napi_close_handle_scope(env_, scope);
  return handed;
}

void Core::ClearReceived(const uint32_t* slots, size_t count) {
  napi_handle_scope scope;
  if (count == 0 || napi_open_handle_scope(env_, &scope) != napi_ok) return;
  napi_value list;
  napi_value undefined;
  if (napi_get_reference_value(env_, received_ref_, &list) == napi_ok && list != nullptr &&
      napi_get_undefined(env_, &undefined) == napi_ok) {
    for (size_t i = 0; i < count; ++i) napi_set_element(env_, list, slots[i], undefined);
  }
  napi_close_handle_scope(env_, scope);
}

// The buffer may have been transferred or detached since the op started:
// then it has no bytes (length 0) and the received bytes are dropped, as
// nobody can read them. Only the C Node-API, with every status checked (see
// Flush). This should be called from the JavaScript thread.
void Core::CopyOut(Op* op, int32_t result) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  napi_value view;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_reference_value(env_, op->keep, &view) == napi_ok && view != nullptr &&
      napi_get_typedarray_info(env_, view, &type, &length, &data, nullptr, nullptr) == napi_ok &&
      data != nullptr) {
    size_t n = static_cast<size_t>(result);
    if (n > op->length) n = op->length;
    if (n > length) n = length;
    std::memcpy(data, op->data, n);
  }
  napi_close_handle_scope(env_, scope);
}

// Calls into JavaScript through the C Node-API and checks every status:
// node-addon-api's wrappers throw a C++ exception on failure, and in an
// environment that is terminating (worker.terminate(), process exit) every
// call into JavaScript fails, so a throw there would unwind through libuv and
// abort the process. A batch that cannot be delivered is dropped: nobody is
// left to receive it. This should be called from the JavaScript thread.
void Core::Flush() {
  if (count_ > 0 && !torn_down_) {
    uint32_t count = count_;
    count_ = 0;
    in_callback_ = true;
    CallJs(count);
    in_callback_ = false;
    ClearReceived(handed_out_.data(), handed_out_.size());
    handed_out_.clear();
  }
  count_ = 0;
  if (closed_ && !torn_down_ && ops_.pending() == 0) {
    napi_remove_env_cleanup_hook(env_, &Core::CleanupHook, this);
    Teardown();
  }
  if (torn_down_) ReleaseAsyncContext();
}

void Core::CallJs(uint32_t count) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  napi_value callback;
  napi_value global;
  napi_value arg;
  if (napi_get_reference_value(env_, callback_, &callback) == napi_ok && callback != nullptr &&
      napi_get_global(env_, &global) == napi_ok &&
      napi_create_uint32(env_, count, &arg) == napi_ok) {
    napi_status status =
        napi_make_callback(env_, *async_context_, global, callback, 1, &arg, nullptr);
    if (status == napi_pending_exception) {
      // The callback threw (the JavaScript side never does), or the
      // environment is terminating, which Node-API 8 reports the same way
      // but with no exception to take. Report a real one as uncaught rather
      // than unwinding through libuv.
      napi_value error;
      napi_valuetype type = napi_undefined;
      if (napi_get_and_clear_last_exception(env_, &error) == napi_ok &&
          napi_typeof(env_, error, &type) == napi_ok && type != napi_undefined) {
        napi_fatal_exception(env_, error);
      }
    }
  }
  napi_close_handle_scope(env_, scope);
}

// Ends the async resource of the completion callbacks once the backend is
// released, so that nothing (async_hooks, jest --detectOpenHandles) sees a
// closed Core as alive until it is garbage-collected. Never inside the
// callback that uses it.
void Core::ReleaseAsyncContext() {
  if (!in_callback_) async_context_.reset();
}

}  // namespace iocp
