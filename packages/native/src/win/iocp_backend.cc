#include "win/iocp_backend.h"

#include <winternl.h>

namespace iocp::win {

namespace {

// Completion keys of packets that carry no operation.
constexpr ULONG_PTR kStopKey = 1;
constexpr ULONG_PTR kOpKey = 2;

OVERLAPPED* OverlappedOf(Op* op) { return reinterpret_cast<OVERLAPPED*>(op->os); }

static_assert(sizeof(OVERLAPPED) <= kOsDataSize, "OVERLAPPED must fit in Op::os");

}  // namespace

IocpBackend::~IocpBackend() { Shutdown(); }

// This should be called from the JavaScript thread.
int IocpBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  port_.reset(CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1));
  if (!port_.valid()) {
    port_.release();
    return -static_cast<int>(GetLastError());
  }
  napi_value name;
  napi_create_string_utf8(env, "IocpPoller", NAPI_AUTO_LENGTH, &name);
  napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr,
                                                       nullptr, this, &IocpBackend::CallJs, &tsfn_);
  if (status != napi_ok) {
    tsfn_ = nullptr;
    port_.reset();
    return -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  }
  // Only pending operations keep Node's loop alive.
  napi_unref_threadsafe_function(env, tsfn_);
  try {
    poller_ = std::thread([this] { Poll(); });
  } catch (...) {
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    tsfn_ = nullptr;
    port_.reset();
    return -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  }
  env_ = env;
  return 0;
}

IocpBackend::Packet IocpBackend::ToPacket(const OVERLAPPED_ENTRY& entry) {
  Op* op = reinterpret_cast<Op*>(entry.lpOverlapped);
  // The status is the NTSTATUS the kernel left in OVERLAPPED.Internal. Any
  // non-zero status is an error (Wine completes operations on a closing
  // handle with a warning-class status, so NT_ERROR() is not used).
  auto status = static_cast<NTSTATUS>(entry.lpOverlapped->Internal);
  if (status == 0) {
    return Packet{op, static_cast<int32_t>(entry.dwNumberOfBytesTransferred), 0};
  }
  ULONG error = RtlNtStatusToDosError(status);
  return Packet{op, -static_cast<int32_t>(error), entry.dwNumberOfBytesTransferred};
}

// The poller thread: blocks in the kernel, queues each batch, and wakes the
// JavaScript thread once when the queue goes from empty to non-empty.
void IocpBackend::Poll() {
  OVERLAPPED_ENTRY entries[kBatch];
  for (;;) {
    ULONG count = 0;
    if (!GetQueuedCompletionStatusEx(port_.get(), entries, kBatch, &count, INFINITE, FALSE)) {
      // Never read count when the call failed (Wine may still write it).
      if (GetLastError() == WAIT_TIMEOUT) continue;
      return;
    }
    bool stop = false;
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (ULONG i = 0; i < count; ++i) {
        if (entries[i].lpOverlapped == nullptr) {
          if (entries[i].lpCompletionKey == kStopKey) stop = true;
          continue;
        }
        if (queue_.empty()) wake = true;
        queue_.push_back(ToPacket(entries[i]));
      }
    }
    if (wake) napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
    if (stop) return;
  }
}

void IocpBackend::CallJs(napi_env /*env*/, napi_value /*js_cb*/, void* context, void* /*data*/) {
  auto* self = static_cast<IocpBackend*>(context);
  if (self != nullptr && !self->shut_down_) self->DeliverQueued();
}

// Hands the queued packets to the sink. The sink may call into JavaScript,
// which may submit more or shut this backend down.
void IocpBackend::DeliverQueued() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    delivering_.swap(queue_);
  }
  for (const Packet& p : delivering_) {
    --inflight_;
    sink_->Complete(p.op, p.result, p.aux);
  }
  delivering_.clear();
  if (!shut_down_) sink_->Flush();
}

// This should be called from the JavaScript thread.
int IocpBackend::Submit(Op* op) {
  if (shut_down_) return -static_cast<int>(ERROR_INVALID_HANDLE);
  OVERLAPPED* ov = OverlappedOf(op);
  ZeroMemory(ov, sizeof(*ov));
  switch (op->kind) {
    case OpKind::kNop:
      if (!PostQueuedCompletionStatus(port_.get(), 0, kOpKey, ov)) {
        return -static_cast<int>(GetLastError());
      }
      break;
    default:
      return -static_cast<int>(ERROR_NOT_SUPPORTED);
  }
  ++inflight_;
  return 0;
}

// This should be called from the JavaScript thread.
int IocpBackend::Cancel(Op* op) {
  if (shut_down_) return 0;
  switch (op->kind) {
    case OpKind::kNop:
      return 0;  // Already posted; it completes by itself.
    default:
      if (!CancelIoEx(reinterpret_cast<HANDLE>(op->handle), OverlappedOf(op))) {
        DWORD error = GetLastError();
        // ERROR_NOT_FOUND: it already completed; its packet is on the way.
        if (error != ERROR_NOT_FOUND) return -static_cast<int>(error);
      }
      return 0;
  }
}

// This should be called from the JavaScript thread.
void IocpBackend::SetActive(bool active) {
  if (tsfn_ == nullptr) return;
  if (active) {
    napi_ref_threadsafe_function(env_, tsfn_);
  } else {
    napi_unref_threadsafe_function(env_, tsfn_);
  }
}

void IocpBackend::WaitForInflight() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inflight_ -= queue_.size();
    queue_.clear();
  }
  // Core has cancelled every pending op; their packets arrive promptly. The
  // wait is bounded so a driver that never completes cannot hang teardown.
  OVERLAPPED_ENTRY entries[kBatch];
  ULONGLONG deadline = GetTickCount64() + 5000;
  while (inflight_ > 0) {
    ULONGLONG now = GetTickCount64();
    if (now >= deadline) break;
    ULONG count = 0;
    if (!GetQueuedCompletionStatusEx(port_.get(), entries, kBatch, &count,
                                     static_cast<DWORD>(deadline - now), FALSE)) {
      break;
    }
    for (ULONG i = 0; i < count; ++i) {
      if (entries[i].lpOverlapped != nullptr) --inflight_;
    }
  }
}

// Stops the poller and releases the port. Safe to call from inside
// DeliverQueued (through the sink).
void IocpBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (poller_.joinable()) {
    // Closing the port does not wake the poller under Wine: post a packet.
    PostQueuedCompletionStatus(port_.get(), 0, kStopKey, nullptr);
    poller_.join();
  }
  WaitForInflight();
  if (tsfn_ != nullptr) {
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    tsfn_ = nullptr;
  }
  port_.reset();
}

}  // namespace iocp::win

namespace iocp::win {

// Attaches a handle to this port. A handle can belong to one port only, for
// its whole life (IocpProactor._register_with_iocp).
int IocpBackend::Associate(int64_t handle) {
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle));
  if (CreateIoCompletionPort(h, port_.get(), kOpKey, 0) == nullptr) {
    return -static_cast<int>(GetLastError());
  }
  return 0;
}

// The association ends when the handle is closed.
void IocpBackend::Detach(int64_t /*handle*/) {}

}  // namespace iocp::win
