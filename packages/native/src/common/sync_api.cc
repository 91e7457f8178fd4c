// The synchronous half of the addon: sockets, addresses, events, pipes and
// errors, exposed from the per-OS primitives of src/common/os.h. Return
// conventions are in src/types.ts (>= 0 success, negated system error otherwise).
#include "common/sync_api.h"

#include <string>

#include "common/addon_data.h"
#include "common/args.h"
#include "common/backend.h"
#include "common/op.h"
#include "common/os.h"

namespace iocp {

namespace {

constexpr int64_t kMaxInt = 0x7fffffff;

Napi::Value Result(Napi::Env env, int64_t r) { return Napi::Number::New(env, static_cast<double>(r)); }

int Family(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int>(args::Integer(info, i, "family", 0, 65535));
}

Napi::Value ErrorNameFn(const Napi::CallbackInfo& info) {
  auto code = static_cast<int>(args::Integer(info, 0, "code", -kMaxInt, kMaxInt));
  return Napi::String::New(info.Env(), os::ErrorName(code < 0 ? -code : code));
}

Napi::Value ErrorMessageFn(const Napi::CallbackInfo& info) {
  auto code = static_cast<int>(args::Integer(info, 0, "code", -kMaxInt, kMaxInt));
  return Napi::String::New(info.Env(), SystemErrorMessage(code < 0 ? -code : code));
}

// How many handles or fds the process holds (os::ProcessHandleCount).
Napi::Value ProcessHandleCountFn(const Napi::CallbackInfo& info) {
  return Result(info.Env(), os::ProcessHandleCount());
}

// How many operations this environment's Cores have pending.
Napi::Value PendingOperationsFn(const Napi::CallbackInfo& info) {
  AddonData* data = info.Env().GetInstanceData<AddonData>();
  return Napi::Number::New(info.Env(), static_cast<double>(data == nullptr ? 0 : data->pending_ops));
}

// The count of ops leaked at teardown because the kernel still held them
// (see Core::Teardown); 0 unless a teardown's bounded wait ran out.
Napi::Value LeakedOperationsFn(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(LeakedOps()));
}

Napi::Value IsWineFn(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), os::IsWine());
}

using HandleKind = AddonData::HandleKind;

// Records handles this environment opened (see AddonData::owned); returns r.
int64_t Own(const Napi::CallbackInfo& info, int64_t r, HandleKind kind) {
  if (r >= 0) info.Env().GetInstanceData<AddonData>()->Own(r, kind);
  return r;
}

Napi::Value SocketFn(const Napi::CallbackInfo& info) {
  int family = Family(info, 0);
  auto type = static_cast<int>(args::Integer(info, 1, "type", 0, kMaxInt));
  return Result(info.Env(), Own(info, os::Socket(family, type), HandleKind::kSocket));
}

Napi::Value SocketPairFn(const Napi::CallbackInfo& info) {
  int family = Family(info, 0);
  auto type = static_cast<int>(args::Integer(info, 1, "type", 0, kMaxInt));
  int64_t pair[2] = {-1, -1};
  int r = os::SocketPair(family, type, pair);
  if (r < 0) return Result(info.Env(), r);
  Own(info, pair[0], HandleKind::kSocket);
  Own(info, pair[1], HandleKind::kSocket);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Result(info.Env(), pair[0]));
  out.Set(1u, Result(info.Env(), pair[1]));
  return out;
}

Napi::Value BindFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  args::Bytes addr = args::ByteView(info, 1, "address");
  return Result(info.Env(), os::Bind(handle, addr.data, addr.length));
}

Napi::Value ListenFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  auto backlog = static_cast<int>(args::Integer(info, 1, "backlog", 0, kMaxInt));
  return Result(info.Env(), os::Listen(handle, backlog));
}

template <int (*Get)(int64_t, uint8_t*, size_t*)>
Napi::Value NameFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  uint8_t buf[kAddrSize];
  size_t len = sizeof(buf);
  int r = Get(handle, buf, &len);
  if (r < 0) return Result(info.Env(), r);
  if (len > sizeof(buf)) len = sizeof(buf);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf, len);
}

Napi::Value SetSockOptFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  auto level = static_cast<int>(args::Integer(info, 1, "level", 0, kMaxInt));
  auto name = static_cast<int>(args::Integer(info, 2, "name", 0, kMaxInt));
  auto value = static_cast<int>(args::Integer(info, 3, "value", -kMaxInt, kMaxInt));
  return Result(info.Env(), os::SetSockOpt(handle, level, name, value));
}

Napi::Value GetSockOptFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  auto level = static_cast<int>(args::Integer(info, 1, "level", 0, kMaxInt));
  auto name = static_cast<int>(args::Integer(info, 2, "name", 0, kMaxInt));
  int value = 0;
  int r = os::GetSockOpt(handle, level, name, &value);
  return Result(info.Env(), r < 0 ? r : value);
}

Napi::Value ShutdownFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  auto how = static_cast<int>(args::Integer(info, 1, "how", 0, 2));
  return Result(info.Env(), os::Shutdown(handle, how));
}

Napi::Value EncodeAddressFn(const Napi::CallbackInfo& info) {
  os::Address addr;
  addr.family = Family(info, 0);
  addr.host = args::String(info, 1, "host");
  addr.port = static_cast<int>(args::Integer(info, 2, "port", 0, 65535, true, 0));
  addr.flowinfo = static_cast<uint32_t>(args::Integer(info, 3, "flowinfo", 0, 0xfffff, true, 0));
  addr.scope_id = static_cast<uint32_t>(args::Integer(info, 4, "scopeId", 0, 0xffffffffLL, true, 0));
  uint8_t buf[kAddrSize];
  size_t len = sizeof(buf);
  int r = os::EncodeAddress(addr, buf, &len);
  if (r < 0) return Result(info.Env(), r);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf, len);
}

Napi::Value DecodeAddressFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  args::Bytes bytes = args::ByteView(info, 0, "bytes");
  auto offset = static_cast<size_t>(
      args::Integer(info, 1, "offset", 0, static_cast<int64_t>(bytes.length), true, 0));
  auto length = static_cast<size_t>(args::Integer(
      info, 2, "length", 0, static_cast<int64_t>(bytes.length - offset), true,
      static_cast<int64_t>(bytes.length - offset)));
  if (length == 0) return env.Null();
  os::Address addr;
  int r = os::DecodeAddress(bytes.data + offset, length, &addr);
  if (r < 0) throw Napi::RangeError::New(env, "bytes is not a socket address");
  const os::Constants& c = os::GetConstants();
  if (addr.family == c.af_unix) return Napi::String::New(env, addr.host);
  Napi::Array out = Napi::Array::New(env);
  out.Set(0u, Napi::String::New(env, addr.host));
  out.Set(1u, Napi::Number::New(env, addr.port));
  if (addr.family == c.af_inet6) {
    out.Set(2u, Napi::Number::New(env, addr.flowinfo));
    out.Set(3u, Napi::Number::New(env, addr.scope_id));
  }
  return out;
}

Napi::Value EventCreateFn(const Napi::CallbackInfo& info) {
  bool manual = args::Boolean(info, 0, "manualReset", true);
  bool initial = args::Boolean(info, 1, "initialState", false);
  return Result(info.Env(), Own(info, os::EventCreate(manual, initial), HandleKind::kOther));
}

template <int (*Fn)(int64_t)>
Napi::Value HandleFn(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Fn(args::Handle(info, 0)));
}

// closeSocket / closeHandle: the handle is no longer this environment's to
// close at teardown, whatever the OS says.
template <int (*Fn)(int64_t)>
Napi::Value CloseFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Handle(info, 0);
  info.Env().GetInstanceData<AddonData>()->Disown(handle);
  return Result(info.Env(), Fn(handle));
}

Napi::Value FdToHandleFn(const Napi::CallbackInfo& info) {
  auto fd = static_cast<int>(args::Integer(info, 0, "fd", 0, kMaxInt));
  return Result(info.Env(), os::FdToHandle(fd));
}

// A pipe name: a non-empty string without NUL bytes (a NUL would cut the
// name short at the OS call). Its form is the OS's to judge.
std::string PipeName(const Napi::CallbackInfo& info, size_t i) {
  std::string name = args::String(info, i, "name");
  if (name.empty()) throw Napi::RangeError::New(info.Env(), "name must not be empty");
  if (name.find('\0') != std::string::npos) {
    throw Napi::RangeError::New(info.Env(), "name must not contain a NUL character");
  }
  return name;
}

uint32_t PipeBufsize(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<uint32_t>(args::Integer(info, i, "bufsize", 0, kMaxInt, true, 8192));
}

// pipeInstance(name, first = true, rejectRemote = true, bufsize = 8192,
//   message = (Windows), outBufsize = bufsize, maxInstances = 255,
//   mode = 0o600, sddl = '')
Napi::Value PipeInstanceFn(const Napi::CallbackInfo& info) {
  std::string name = PipeName(info, 0);
  os::PipeInstanceSpec spec;
  spec.first = args::Boolean(info, 1, "first", true);
  spec.reject_remote = args::Boolean(info, 2, "rejectRemote", true);
  spec.in_size = PipeBufsize(info, 3);
  spec.message = args::Boolean(info, 4, "message", spec.message);
  spec.out_size = static_cast<uint32_t>(
      args::Integer(info, 5, "outBufsize", 0, kMaxInt, true, spec.in_size));
  spec.max_instances =
      static_cast<uint32_t>(args::Integer(info, 6, "maxInstances", 1, 255, true, 255));
  spec.mode = static_cast<uint32_t>(args::Integer(info, 7, "mode", 0, 0777, true, 0600));
  if (!args::At(info, 8).IsUndefined()) spec.sddl = args::String(info, 8, "sddl");
  if (spec.sddl.find('\0') != std::string::npos) {
    throw Napi::RangeError::New(info.Env(), "sddl must not contain a NUL character");
  }
  return Result(info.Env(), Own(info, os::PipeInstance(name, spec), HandleKind::kOther));
}

// pipeSecurity(handle): the DACL as an SDDL string, or a negated error.
Napi::Value PipeSecurityFn(const Napi::CallbackInfo& info) {
  std::string sddl;
  int r = os::PipeSecurity(args::Handle(info, 0), &sddl);
  if (r < 0) return Result(info.Env(), r);
  return Napi::String::New(info.Env(), sddl);
}

Napi::Value PipeOpenFn(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Own(info, os::PipeOpen(PipeName(info, 0)), HandleKind::kOther));
}

// pipePair(duplex = false, overlappedRead = true, overlappedWrite = true, bufsize = 8192)
Napi::Value PipePairFn(const Napi::CallbackInfo& info) {
  bool duplex = args::Boolean(info, 0, "duplex", false);
  bool overlapped_read = args::Boolean(info, 1, "overlappedRead", true);
  bool overlapped_write = args::Boolean(info, 2, "overlappedWrite", true);
  uint32_t bufsize = PipeBufsize(info, 3);
  int64_t pair[2] = {-1, -1};
  int r = os::PipePair(duplex, overlapped_read, overlapped_write, bufsize, pair);
  if (r < 0) return Result(info.Env(), r);
  Own(info, pair[0], HandleKind::kOther);
  Own(info, pair[1], HandleKind::kOther);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Result(info.Env(), pair[0]));
  out.Set(1u, Result(info.Env(), pair[1]));
  return out;
}

Napi::Value PipeReleaseFn(const Napi::CallbackInfo& info) {
  return Result(info.Env(), os::PipeRelease(PipeName(info, 0)));
}

Napi::Object ConstantsObject(Napi::Env env) {
  const os::Constants& c = os::GetConstants();
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, int> values[] = {
      {"AF_INET", c.af_inet},           {"AF_INET6", c.af_inet6},
      {"AF_UNIX", c.af_unix},           {"SOCK_STREAM", c.sock_stream},
      {"SOCK_DGRAM", c.sock_dgram},     {"SHUT_RD", c.shut_rd},
      {"SHUT_WR", c.shut_wr},           {"SHUT_RDWR", c.shut_rdwr},
      {"MSG_PEEK", c.msg_peek},         {"MSG_OOB", c.msg_oob},
      {"SOL_SOCKET", c.sol_socket},     {"SO_REUSEADDR", c.so_reuseaddr},
      {"SO_KEEPALIVE", c.so_keepalive}, {"SO_RCVBUF", c.so_rcvbuf},
      {"SO_SNDBUF", c.so_sndbuf},       {"SO_BROADCAST", c.so_broadcast},
      {"SO_ERROR", c.so_error},         {"IPPROTO_TCP", c.ipproto_tcp},
      {"TCP_NODELAY", c.tcp_nodelay},   {"ADDRESS_SIZE", static_cast<int>(kAddrSize)},
  };
  for (const auto& [name, value] : values) o.Set(name, Napi::Number::New(env, value));
  o.Freeze();
  return o;
}

}  // namespace

// Runs at environment teardown (Node deletes the instance data after the
// Cores' cleanup hooks ran), on the environment's thread: closes what the
// environment's JavaScript never closed (a terminated worker's sockets).
AddonData::~AddonData() {
  for (const auto& [handle, kind] : owned) {
    if (kind == HandleKind::kSocket) {
      os::CloseSocket(handle);
    } else {
      os::CloseHandle(handle);
    }
  }
}

void RegisterSyncApi(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) {
    exports.Set(name, Napi::Function::New(env, cb, name));
  };
  exports.Set("constants", ConstantsObject(env));
  fn("errorName", ErrorNameFn);
  fn("errorMessage", ErrorMessageFn);
  fn("isWine", IsWineFn);
  fn("leakedOperations", LeakedOperationsFn);
  fn("processHandleCount", ProcessHandleCountFn);
  fn("pendingOperations", PendingOperationsFn);
  fn("socket", SocketFn);
  fn("socketPair", SocketPairFn);
  fn("bind", BindFn);
  fn("listen", ListenFn);
  fn("getsockname", NameFn<os::GetSockName>);
  fn("getpeername", NameFn<os::GetPeerName>);
  fn("setsockopt", SetSockOptFn);
  fn("getsockopt", GetSockOptFn);
  fn("shutdown", ShutdownFn);
  fn("closeSocket", CloseFn<os::CloseSocket>);
  fn("encodeAddress", EncodeAddressFn);
  fn("decodeAddress", DecodeAddressFn);
  fn("eventCreate", EventCreateFn);
  fn("eventSet", HandleFn<os::EventSet>);
  fn("eventReset", HandleFn<os::EventReset>);
  fn("eventIsSet", HandleFn<os::EventIsSet>);
  fn("closeHandle", CloseFn<os::CloseHandle>);
  fn("fdToHandle", FdToHandleFn);
  fn("pipeInstance", PipeInstanceFn);
  fn("pipeOpen", PipeOpenFn);
  fn("pipeSecurity", PipeSecurityFn);
  fn("pipePair", PipePairFn);
  fn("pipeRelease", PipeReleaseFn);
  RegisterProcessApi(env, exports);
}

}  // namespace iocp
