#include "win/iocp_backend.h"

#include <winternl.h>

#include <new>

#include "common/addon_data.h"
#include "win/op_overlapped.h"
#include "win/wait.h"

namespace iocp::win {

IocpBackend::~IocpBackend() { Shutdown(); }

// This should be called from the JavaScript thread.
int IocpBackend::Start(napi_env env, CompletionSink* sink) {
  sink_ = sink;
  // GetEnvironmentVariable, not getenv: the C runtime's copy of the
  // environment misses what Node set in process.env.
  char mode[8];
  DWORD n = GetEnvironmentVariableA("IOCP_ZERO_READ", mode, sizeof(mode));
  if (n == 1 && (mode[0] == '0' || mode[0] == '1')) zero_read_mode_ = mode[0] - '0';
  // The extension functions are loaded once per environment: the table lives
  // in the addon's instance data, and this backend shares it.
  void* data = nullptr;
  try {
    if (napi_get_instance_data(env, &data) == napi_ok && data != nullptr) {
      auto* addon = static_cast<AddonData*>(data);
      if (!addon->platform) addon->platform = std::make_shared<ExtensionCache>();
      extensions_ = std::static_pointer_cast<ExtensionCache>(addon->platform);
    } else {
      extensions_ = std::make_shared<ExtensionCache>();
    }
  } catch (const std::bad_alloc&) {
    return -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  }
  port_.reset(CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, concurrency_));
  if (!port_.valid()) {
    int err = -static_cast<int>(GetLastError());
    port_.release();
    return err;
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
  Op* op = OpOf(entry.lpOverlapped);
  // The status is the NTSTATUS the kernel (or PostCompletion) left in
  // OVERLAPPED.Internal. Any non-zero status is an error (Wine completes
  // operations on a closing handle with a warning-class status, so NT_ERROR()
  // is not used); the bytes moved before it stay in aux.
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

// Node calls this with a null env when it empties the queue of a released
// function, possibly after this backend is gone: then context must not be
// touched.
void IocpBackend::CallJs(napi_env env, napi_value /*js_cb*/, void* context, void* /*data*/) {
  if (env == nullptr) return;
  auto* self = static_cast<IocpBackend*>(context);
  if (self != nullptr && !self->shut_down_) self->DeliverQueued();
}

// Hands the queued packets to the sink. The sink may call into JavaScript,
// which may submit more or shut this backend down; Shutdown then releases
// the packets of this batch that were not delivered yet.
void IocpBackend::DeliverQueued() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    delivering_.swap(queue_);
  }
  inflight_ -= delivering_.size();
  next_delivery_ = 0;
  while (next_delivery_ < delivering_.size()) {
    Packet p = delivering_[next_delivery_++];
    OsData* os = OsDataOf(p.op);
    os->in_kernel = false;
    if (os->zero_read && ResumeZeroRead(&p)) continue;
    uint32_t aux = p.aux;
    int32_t result = Finish(p.op, p.result, &aux);
    sink_->Complete(p.op, result, aux);
  }
  delivering_.clear();
  next_delivery_ = 0;
  if (!shut_down_) sink_->Flush();
}

// This should be called from the JavaScript thread.
int IocpBackend::Submit(Op* op) {
  if (shut_down_) return -static_cast<int>(ERROR_INVALID_HANDLE);
  ZeroMemory(OsDataOf(op), sizeof(OsData));
  int err;
  switch (op->kind) {
    case OpKind::kNop:
      err = PostNow(op, 0);
      break;
    case OpKind::kRecv:
      err = SubmitRecv(op);
      break;
    case OpKind::kSend:
      err = SubmitSend(op);
      break;
    case OpKind::kRecvFrom:
      err = SubmitRecvFrom(op);
      break;
    case OpKind::kSendTo:
      err = SubmitSendTo(op);
      break;
    case OpKind::kAccept:
      err = SubmitAccept(op);
      break;
    case OpKind::kConnect:
      err = SubmitConnect(op);
      break;
    case OpKind::kSendFile:
      err = SubmitSendFile(op);
      break;
    case OpKind::kRead:
    case OpKind::kWrite:
      err = SubmitReadWrite(op);
      break;
    case OpKind::kAcceptPipe:
      err = SubmitAcceptPipe(op);
      break;
    case OpKind::kWaitHandle:
      err = StartWait(port_.get(), op);
      break;
    default:
      // kConnectPipe is CreateFileW with retries in JavaScript, not an op.
      err = -static_cast<int>(ERROR_NOT_SUPPORTED);
      break;
  }
  if (err < 0) return err;
  OsDataOf(op)->in_kernel = true;
  ++inflight_;
  return 0;
}

int IocpBackend::PostNow(Op* op, DWORD bytes) {
  if (!PostCompletion(port_.get(), op, kStatusSuccess, bytes)) {
    return -static_cast<int>(GetLastError());
  }
  return 0;
}

// This should be called from the JavaScript thread.
int IocpBackend::Cancel(Op* op) {
  if (shut_down_) return 0;
  switch (op->kind) {
    case OpKind::kNop:
      return 0;  // Already posted; it completes by itself.
    case OpKind::kWaitHandle:
      CancelWait(op);
      return 0;
    default:
      // An I/O the kernel already completed with success (its status is no
      // longer STATUS_PENDING, as CPython's Overlapped.cancel checks, and
      // is an NT success code) keeps its result: bytes moved, a socket
      // accepted. Its packet is on the way. One that failed did nothing,
      // and so did a zero-byte read, whatever its status: its packet brings
      // the cancel (ResumeZeroRead).
      const int done_outcome = OsDataOf(op)->zero_read ? 0 : kHasOutcome;
      if (Succeeded(OverlappedOf(op))) return done_outcome;
      // CancelIoEx finds the request by handle and OVERLAPPED; an op whose
      // packet the backend posted itself has no request and is not found.
      if (!CancelIoEx(HandleOf(op), OverlappedOf(op))) {
        DWORD error = GetLastError();
        // ERROR_NOT_FOUND: it already completed; its packet is on the way.
        if (error != ERROR_NOT_FOUND) return -static_cast<int>(error);
        if (Succeeded(OverlappedOf(op))) return done_outcome;
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
  std::vector<Packet> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued.swap(queue_);
  }
  inflight_ -= queued.size();
  for (const Packet& p : queued) Abandon(p);
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
      if (GetLastError() == WAIT_TIMEOUT) continue;
      break;
    }
    for (ULONG i = 0; i < count; ++i) {
      if (entries[i].lpOverlapped == nullptr) continue;
      --inflight_;
      Abandon(ToPacket(entries[i]));
    }
  }
}

// After Shutdown: an op whose packet never came (the bounded wait ran out)
// may still be written by the kernel or a wait callback, and must not be
// freed. This should be called from the JavaScript thread.
bool IocpBackend::Holds(const Op* op) const {
  return reinterpret_cast<const OsData*>(op->os)->in_kernel;
}

// Stops the poller and releases the port. Safe to call from inside
// DeliverQueued (through the sink).
void IocpBackend::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (poller_.joinable()) {
    // Closing the port does not wake the poller under Wine: post a packet.
    // If the post fails the port is unusable and the poller has returned.
    PostQueuedCompletionStatus(port_.get(), 0, kStopKey, nullptr);
    poller_.join();
  }
  // Packets of the batch being delivered that the sink will never see.
  for (size_t i = next_delivery_; i < delivering_.size(); ++i) Abandon(delivering_[i]);
  delivering_.clear();
  next_delivery_ = 0;
  if (port_.valid()) WaitForInflight();
  if (tsfn_ != nullptr) {
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    tsfn_ = nullptr;
  }
  port_.reset();
}

}  // namespace iocp::win

namespace iocp::win {

// Attaches a handle to this port. A handle can belong to one port only, for
// its whole life (IocpProactor._register_with_iocp). This should be called
// from the JavaScript thread.
int IocpBackend::Associate(int64_t handle) {
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle));
  if (CreateIoCompletionPort(h, port_.get(), kOpKey, 0) == nullptr) {
    return -static_cast<int>(GetLastError());
  }
  // (A handle value may name a new socket after a close without detach:
  // associating it again answers afresh.)
  auto socket = static_cast<SOCKET>(handle);
  int type = 0;
  int len = sizeof(type);
  try {
    if (getsockopt(socket, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0 &&
        type == SOCK_STREAM) {
      stream_sockets_.insert(socket);
    } else {
      stream_sockets_.erase(socket);
    }
  } catch (const std::bad_alloc&) {
    // Not known as a stream socket: its receives are plain reads.
  }
  return 0;
}

// The association ends when the handle is closed; what this backend knows
// of it goes now.
void IocpBackend::Detach(int64_t handle) { stream_sockets_.erase(static_cast<SOCKET>(handle)); }

bool IocpBackend::UsesZeroRead(const Op* op) const {
  if (zero_read_mode_ == 0 || op->flags != 0 || op->lent != nullptr ||
      op->length < kZeroReadMin) {
    return false;
  }
  if (zero_read_mode_ < 0 && inflight_ < kZeroReadThreshold) return false;
  return stream_sockets_.count(static_cast<SOCKET>(op->handle)) != 0;
}

bool IocpBackend::ResumeZeroRead(Packet* p) {
  Op* op = p->op;
  OsDataOf(op)->zero_read = false;
  if (p->result < 0) return false;  // Failed (a reset) or cancelled.
  if (op->cancel_requested) {
    // Nothing was read: the cancel undoes it (see Cancel).
    p->result = -static_cast<int32_t>(ERROR_OPERATION_ABORTED);
    p->aux = 0;
    return false;
  }
  // The packet's OVERLAPPED is done with: the same op starts the real read.
  ZeroMemory(OverlappedOf(op), sizeof(OVERLAPPED));
  int err;
  if (shut_down_) {
    err = -static_cast<int>(ERROR_OPERATION_ABORTED);
  } else if (!op->Reserve(op->length)) {
    err = -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  } else {
    err = SubmitRecvNow(op);
  }
  if (err < 0) {
    p->result = err;
    p->aux = 0;
    return false;
  }
  OsDataOf(op)->in_kernel = true;
  ++inflight_;
  return true;
}

}  // namespace iocp::win
