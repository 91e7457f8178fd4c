// The process functions of the addon (spawnProcess, processStatus,
// processSignal), exposed from the per-OS primitives of src/common/os.h
// (src/linux/os_process.cc, src/win/os_process.cc) for @iocp/subprocess.
// Return conventions are in src/types.ts. Called on the JavaScript thread.
#include <string>
#include <vector>

#include "common/addon_data.h"
#include "common/args.h"
#include "common/os.h"
#include "common/sync_api.h"

namespace iocp {

namespace {

constexpr int64_t kMaxInt = 0x7fffffff;
// Handles are pointer-sized on Windows and small fds on Linux; either fits
// a double exactly below 2^53.
constexpr int64_t kMaxHandle = (int64_t{1} << 53) - 1;

// A string argument that the OS will see as a C string: a NUL inside it
// would cut it short, so it is refused (TypeError, as CPython's
// "embedded null byte" ValueError is for Node's child_process).
std::string CString(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsString()) throw Napi::TypeError::New(env, name + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos) {
    throw Napi::TypeError::New(env, name + " must not contain a NUL character");
  }
  return s;
}

std::vector<std::string> CStringList(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(name) + " must be an array of strings");
  auto list = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    out.push_back(CString(env, list.Get(i), std::string(name) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

int64_t Stdio(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return args::Integer(info, i, name, os::kStdioNull, kMaxHandle);
}

// spawnProcess(file, argv, commandLine, env | null, cwd | null, stdin,
//              stdout, stderr, newGroup) -> [pid, handle, group] | -error
Napi::Value SpawnProcessFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  os::SpawnSpec spec;
  spec.file = CString(env, info[0], "file");
  spec.argv = CStringList(env, info[1], "argv");
  spec.command_line = CString(env, info[2], "commandLine");
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    spec.has_env = true;
    spec.env = CStringList(env, info[3], "env");
  }
  if (!info[4].IsNull() && !info[4].IsUndefined()) spec.cwd = CString(env, info[4], "cwd");
  spec.stdio[0] = Stdio(info, 5, "stdin");
  spec.stdio[1] = Stdio(info, 6, "stdout");
  spec.stdio[2] = Stdio(info, 7, "stderr");
  spec.new_group = args::Boolean(info, 8, "newGroup", false);
  os::SpawnResult result;
  int r = os::Spawn(spec, &result);
  if (r < 0) return Napi::Number::New(env, r);
  auto* data = env.GetInstanceData<AddonData>();
  data->Own(result.handle, AddonData::HandleKind::kOther);
#ifdef _WIN32
  if (result.group != 0) data->Own(result.group, AddonData::HandleKind::kOther);
#endif
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(result.pid)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(result.handle)));
  out.Set(2u, Napi::Number::New(env, static_cast<double>(result.group)));
  return out;
}

// processStatus(handle, pid) -> [state, value] | -error
Napi::Value ProcessStatusFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle = args::Integer(info, 0, "handle", 0, kMaxHandle);
  int64_t pid = args::Integer(info, 1, "pid", 1, kMaxInt);
  int value = 0;
  int state = os::ProcessStatus(handle, pid, &value);
  if (state < 0) return Napi::Number::New(env, state);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, state));
  out.Set(1u, Napi::Number::New(env, value));
  return out;
}

// processSignal(handle, pid, group, sig, tree = false) -> 0 | -error
Napi::Value ProcessSignalFn(const Napi::CallbackInfo& info) {
  int64_t handle = args::Integer(info, 0, "handle", 0, kMaxHandle);
  int64_t pid = args::Integer(info, 1, "pid", 1, kMaxInt);
  int64_t group = args::Integer(info, 2, "group", 0, kMaxHandle);
  auto sig = static_cast<int>(args::Integer(info, 3, "signal", 0, 64));
  bool tree = args::Boolean(info, 4, "tree", false);
  return Napi::Number::New(info.Env(), os::ProcessSignal(handle, pid, group, sig, tree));
}

}  // namespace

void RegisterProcessApi(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnProcess", Napi::Function::New(env, SpawnProcessFn, "spawnProcess"));
  exports.Set("processStatus", Napi::Function::New(env, ProcessStatusFn, "processStatus"));
  exports.Set("processSignal", Napi::Function::New(env, ProcessSignalFn, "processSignal"));
}

}  // namespace iocp
