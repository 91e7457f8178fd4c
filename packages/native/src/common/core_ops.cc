// Core's operation methods: argument checks, then an Op for the backend.
// Every method returns the op's id (>= 0) or a negated system error when the
// OS refused the operation at once (no completion follows then).
#include <cstring>
#include <limits>
#include <vector>

#include "common/addon_data.h"
#include "common/args.h"
#include "common/core.h"

namespace iocp {

namespace {

constexpr int64_t kMaxFlags = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxOffset = (int64_t{1} << 53) - 1;
// One operation moves at most this many bytes (the Windows APIs take a DWORD,
// io_uring a 32-bit length); callers loop for more.
constexpr size_t kMaxTransfer = 0x7fffffff;

// Gives op its own memory for the bytes of buf (see Op): a receive keeps buf
// to copy into at completion (Core::Complete); a send copies them now, or,
// when lend is true, reserves the memory and lends buf's bytes to the
// backend for the length of Submit (Op::borrowed): a send the OS takes
// during the call needs no copy, and Core::Start copies the bytes of one
// that waits. A receive into a receive buffer (receive_buffer.cc) uses its
// memory as it is instead: no bounce memory, no copy at completion, and no
// handing out. Returns false when memory is short.
bool UseBuffer(Op* op, const args::Bytes& bytes, bool receive, bool lend,
               const ReceiveRegistry* receive_buffers) {
  size_t length = bytes.length > kMaxTransfer ? kMaxTransfer : bytes.length;
  if (receive) {
    ReceiveMemory* mem = FindReceiveMemory(receive_buffers, bytes.base);
    // (The view lies within the memory: an ArrayBuffer is never larger.)
    if (mem != nullptr && bytes.data + length <= mem->bytes() + mem->size()) {
      mem->Ref();
      op->lent = mem;
      op->data = bytes.data;
      op->length = length;
      op->hand_out_at = 0;
      return true;
    }
  }
  if (!op->Reserve(length)) return false;
  if (receive) {
    op->keep = Napi::Persistent(bytes.value);
  } else if (lend && length > 0) {
    op->data = bytes.data;
    op->borrowed = true;
  } else if (length > 0) {
    std::memcpy(op->data, bytes.data, length);
  }
  return true;
}

// Gives a send op one buffer holding every view of the array at info[i],
// in order (a gathered send): the copy into op-owned memory every send makes
// anyway is the join, so no extra copy is made. Throws TypeError for an
// element that is not a Uint8Array (or is a view of a detached buffer) and
// RangeError when the total exceeds one operation.
void GatherBuffers(const Napi::CallbackInfo& info, size_t i, Op* op) {
  Napi::Array list = info[i].As<Napi::Array>();
  uint32_t count = list.Length();
  std::vector<args::Bytes> views;
  views.reserve(count);
  size_t total = 0;
  for (uint32_t k = 0; k < count; ++k) {
    views.push_back(args::ByteViewOf(info.Env(), list.Get(k), "buffer list element"));
    total += views.back().length;
    if (total > kMaxTransfer) {
      throw Napi::RangeError::New(info.Env(), "buffer list is too large for one operation");
    }
  }
  if (!op->Reserve(total)) throw Napi::RangeError::New(info.Env(), "buffer list is too large (out of memory)");
  size_t at = 0;
  for (const args::Bytes& view : views) {
    if (view.length > 0) std::memcpy(op->data + at, view.data, view.length);
    at += view.length;
  }
}

// True when the buffer argument info[i] of a send or write is an array of
// views (a gathered send) rather than one Uint8Array.
bool IsBufferList(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsArray();
}

// True when the buffer argument info[i] of recv or read is a size instead
// (a receive into a new Buffer).
bool IsSize(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsNumber();
}

// That size: 1 to kMaxTransfer bytes.
size_t SizeArg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<size_t>(args::Integer(info, i, "size", 1, kMaxTransfer));
}

// The handOutAt argument of recv and read: 0 (copy every receive into its
// buffer) or the size from which a receive's bytes are handed out.
uint32_t HandOutAt(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<uint32_t>(args::Integer(info, i, "handOutAt", 0, kMaxTransfer, true, 0));
}

void CopyAddress(const Napi::CallbackInfo& info, size_t i, Op* op) {
  args::Bytes addr = args::ByteView(info, i, "address");
  if (addr.length == 0 || addr.length > kAddrSize) {
    throw Napi::RangeError::New(info.Env(), "address must be an encoded socket address");
  }
  std::memcpy(op->addr, addr.data, addr.length);
  op->addr_len = static_cast<int32_t>(addr.length);
}

}  // namespace

// associate(handle): 0 or a negated system error.
Napi::Value Core::Associate(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  if (torn_down_) throw Napi::Error::New(info.Env(), "Core is closed");
  return Napi::Number::New(info.Env(), backend_->Associate(handle));
}

// detach(handle): forgets per-handle state before the handle is closed.
Napi::Value Core::Detach(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  if (!torn_down_) backend_->Detach(handle);
  return info.Env().Undefined();
}

Napi::Value Core::StartBuffered(Napi::Env env, Op* op, const args::Bytes& buf, bool receive) {
  bool lend = !receive && backend_->LendsSends() &&
              (op->kind == OpKind::kSend || op->kind == OpKind::kWrite);
  if (!UseBuffer(op, buf, receive, lend, data_ != nullptr ? data_->receive_buffers.get() : nullptr)) {
    DropOp(op);
    throw Napi::RangeError::New(env, "buffer is too large (out of memory)");
  }
  return Start(env, op);
}

Napi::Value Core::StartNewBuffer(Napi::Env env, Op* op, size_t size) {
  if (!op->Reserve(size)) {
    DropOp(op);
    throw Napi::RangeError::New(env, "size is too large (out of memory)");
  }
  op->new_buffer = true;
  return Start(env, op);
}

Napi::Value Core::StartGathered(const Napi::CallbackInfo& info, size_t i, Op* op) {
  try {
    GatherBuffers(info, i, op);
  } catch (...) {
    DropOp(op);
    throw;
  }
  return Start(info.Env(), op);
}

Napi::Value Core::BufferOp(const Napi::CallbackInfo& info, OpKind kind) {
  int64_t handle = args::Handle(info, 0);
  if (kind == OpKind::kSend && IsBufferList(info, 1)) {
    auto flags = static_cast<int32_t>(args::Integer(info, 2, "flags", 0, kMaxFlags, true, 0));
    Op* op = NewOp(info.Env(), kind);
    op->handle = handle;
    op->flags = flags;
    return StartGathered(info, 1, op);
  }
  bool receive = kind == OpKind::kRecv || kind == OpKind::kRecvFrom;
  bool sized = receive && IsSize(info, 1);
  size_t size = sized ? SizeArg(info, 1) : 0;
  args::Bytes buf = sized ? args::Bytes{} : args::ByteView(info, 1, "buffer");
  auto flags = static_cast<int32_t>(args::Integer(info, 2, "flags", 0, kMaxFlags, true, 0));
  uint32_t hand_out_at = receive ? HandOutAt(info, 3) : 0;
  Op* op = NewOp(info.Env(), kind);
  op->handle = handle;
  op->flags = flags;
  op->hand_out_at = hand_out_at;
  if (sized) return StartNewBuffer(info.Env(), op, size);
  return StartBuffered(info.Env(), op, buf, receive);
}

// recv(handle, buf, flags = 0, handOutAt = 0): result = bytes received (0
// at EOF). With handOutAt > 0, a receive of at least that many bytes is
// not copied into buf: its bytes come as a new Buffer in `received` (see
// Core::HandOut). recv(handle, size, flags = 0, handOutAt = 0) receives up
// to size bytes into a new Buffer of exactly the bytes received, in
// `received` (none at end of file).
Napi::Value Core::Recv(const Napi::CallbackInfo& info) { return BufferOp(info, OpKind::kRecv); }

// send(handle, buf, flags = 0): result = bytes sent.
Napi::Value Core::Send(const Napi::CallbackInfo& info) { return BufferOp(info, OpKind::kSend); }

// recvFrom(handle, buf, flags = 0, handOutAt = 0): result = bytes; the
// sender's address is in `addresses` for the record. buf may be a size, and
// handOutAt is as for recv.
Napi::Value Core::RecvFrom(const Napi::CallbackInfo& info) {
  return BufferOp(info, OpKind::kRecvFrom);
}

// sendTo(handle, buf, flags, address): result = bytes sent.
Napi::Value Core::SendTo(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  args::Bytes buf = args::ByteView(info, 1, "buffer");
  auto flags = static_cast<int32_t>(args::Integer(info, 2, "flags", 0, kMaxFlags, true, 0));
  Op* op = NewOp(info.Env(), OpKind::kSendTo);
  try {
    CopyAddress(info, 3, op);
  } catch (...) {
    DropOp(op);
    throw;
  }
  op->handle = handle;
  op->flags = flags;
  return StartBuffered(info.Env(), op, buf, false);
}

// accept(listener, family): result = the accepted socket's handle; the
// peer's address is in `addresses` for the record.
Napi::Value Core::Accept(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0, "listener");
  auto family = static_cast<int32_t>(args::Integer(info, 1, "family", 0, 65535));
  Op* op = NewOp(info.Env(), OpKind::kAccept);
  op->handle = handle;
  op->family = family;
  return Start(info.Env(), op);
}

// connect(handle, address, family): result = 0.
Napi::Value Core::Connect(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  auto family = static_cast<int32_t>(args::Integer(info, 2, "family", 0, 65535));
  Op* op = NewOp(info.Env(), OpKind::kConnect);
  try {
    CopyAddress(info, 1, op);
  } catch (...) {
    DropOp(op);
    throw;
  }
  op->handle = handle;
  op->family = family;
  return Start(info.Env(), op);
}

// sendFile(socket, file, offset, count): result = bytes sent (count 0 means
// to the end of the file).
Napi::Value Core::SendFile(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0, "socket");
  int64_t file = args::Handle(info, 1, "file");
  int64_t offset = args::Integer(info, 2, "offset", 0, kMaxOffset);
  int64_t count = args::Integer(info, 3, "count", 0, kMaxOffset);
  Op* op = NewOp(info.Env(), OpKind::kSendFile);
  op->handle = handle;
  op->aux_handle = file;
  op->offset = static_cast<uint64_t>(offset);
  op->length = static_cast<size_t>(count);
  return Start(info.Env(), op);
}

// read(handle, buf, offset = -1, handOutAt = 0) and write(handle, buf,
// offset = -1): files and pipes; offset -1 is the current position (a
// stream). handOutAt as for recv.
Napi::Value Core::Read(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  bool sized = IsSize(info, 1);
  size_t size = sized ? SizeArg(info, 1) : 0;
  args::Bytes buf = sized ? args::Bytes{} : args::ByteView(info, 1, "buffer");
  int64_t offset = args::Integer(info, 2, "offset", -1, kMaxOffset, true, -1);
  uint32_t hand_out_at = HandOutAt(info, 3);
  Op* op = NewOp(info.Env(), OpKind::kRead);
  op->handle = handle;
  op->offset = static_cast<uint64_t>(offset);
  op->hand_out_at = hand_out_at;
  if (sized) return StartNewBuffer(info.Env(), op, size);
  return StartBuffered(info.Env(), op, buf, true);
}

Napi::Value Core::Write(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  if (IsBufferList(info, 1)) {
    int64_t offset = args::Integer(info, 2, "offset", -1, kMaxOffset, true, -1);
    Op* op = NewOp(info.Env(), OpKind::kWrite);
    op->handle = handle;
    op->offset = static_cast<uint64_t>(offset);
    return StartGathered(info, 1, op);
  }
  args::Bytes buf = args::ByteView(info, 1, "buffer");
  int64_t offset = args::Integer(info, 2, "offset", -1, kMaxOffset, true, -1);
  Op* op = NewOp(info.Env(), OpKind::kWrite);
  op->handle = handle;
  op->offset = static_cast<uint64_t>(offset);
  return StartBuffered(info.Env(), op, buf, false);
}

// acceptPipe(pipe): waits for a client on a named pipe instance
// (ConnectNamedPipe). Windows only; Linux pipes are Unix sockets (accept).
Napi::Value Core::AcceptPipe(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0, "pipe");
  Op* op = NewOp(info.Env(), OpKind::kAcceptPipe);
  op->handle = handle;
  return Start(info.Env(), op);
}

// waitHandle(handle, timeoutMs = -1): result = 1 when the handle is
// signalled, 0 on timeout. The signal is not consumed (an eventfd is polled,
// not read).
Napi::Value Core::WaitHandle(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  int64_t timeout = args::Integer(info, 1, "timeoutMs", -1, 0x7ffffffe, true, -1);
  Op* op = NewOp(info.Env(), OpKind::kWaitHandle);
  op->handle = handle;
  op->timeout_ms = timeout;
  return Start(info.Env(), op);
}

}  // namespace iocp
