// The @iocp/native addon: exports `backend`, `version`, `availableBackends()`
// and the Core class (src/common/core.h).
#include <napi.h>

#include <string>

#include "common/addon_data.h"
#include "common/backend.h"
#include "common/core.h"
#include "common/receive_buffer.h"
#include "common/sync_api.h"

#ifndef IOCP_NATIVE_VERSION
#define IOCP_NATIVE_VERSION "0.0.0"
#endif

namespace iocp {

const char* BackendName(BackendKind kind) {
  switch (kind) {
    case BackendKind::kIocp:
      return "iocp";
    case BackendKind::kIoUring:
      return "io_uring";
    case BackendKind::kEpoll:
      return "epoll";
  }
  return "unknown";
}

namespace {

Napi::Value ListBackends(const Napi::CallbackInfo& info) {
  BackendKind kinds[3];
  int count = 0;
  AvailableBackends(kinds, &count);
  Napi::Array list = Napi::Array::New(info.Env(), count);
  for (int i = 0; i < count; ++i) list.Set(i, Napi::String::New(info.Env(), BackendName(kinds[i])));
  return list;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  std::string error;
  std::string fallback;
  if (!SelectDefaultBackend(&data->default_backend, &error, &fallback)) {
    throw Napi::Error::New(env, error);
  }
  exports.Set("backend", Napi::String::New(env, BackendName(data->default_backend)));
  // Why the default backend is a fallback (null when it is not): the loader
  // says so on NODE_DEBUG=iocp (src/index.ts).
  exports.Set("fallbackReason", fallback.empty() ? env.Null() : Napi::String::New(env, fallback));
  exports.Set("version", Napi::String::New(env, IOCP_NATIVE_VERSION));
  exports.Set("availableBackends", Napi::Function::New(env, ListBackends, "availableBackends"));
  exports.Set("Core", Core::Define(env));
  RegisterSyncApi(env, exports);
  RegisterReceiveBuffers(env, exports);
  return exports;
}

}  // namespace
}  // namespace iocp

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return iocp::Init(env, exports);
}

NODE_API_MODULE(iocp, InitAddon)
