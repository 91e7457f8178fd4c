// Argument checks shared by every JavaScript-facing function: wrong types
// throw TypeError and out-of-range values RangeError, each naming the
// argument. These should be called from the JavaScript thread.
#ifndef IOCP_COMMON_ARGS_H_
#define IOCP_COMMON_ARGS_H_

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace iocp::args {

inline Napi::Value At(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

// An integer in [min, max]; `fallback` when undefined and has_fallback.
inline int64_t Integer(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
                       int64_t max, bool has_fallback = false, int64_t fallback = 0) {
  Napi::Value v = At(info, i);
  if (v.IsUndefined() && has_fallback) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer");
  }
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " is out of range");
  }
  return static_cast<int64_t>(d);
}

// An OS handle: a file descriptor on Linux, a HANDLE/SOCKET on Windows.
inline int64_t Handle(const Napi::CallbackInfo& info, size_t i, const char* name = "handle") {
  return Integer(info, i, name, 0, (int64_t{1} << 53) - 1);
}

inline bool Boolean(const Napi::CallbackInfo& info, size_t i, const char* name, bool fallback) {
  Napi::Value v = At(info, i);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string String(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = At(info, i);
  if (!v.IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// A Uint8Array (Buffer included): its bytes, by pointer and length. A view
// of a detached ArrayBuffer (transferred, e.g. by postMessage) is a
// TypeError: it has no bytes, and reading it as empty would turn a recv into
// an end of file and a send into a send of nothing.
struct Bytes {
  Napi::Value value;
  uint8_t* data;
  size_t length;
  // The first byte of the view's ArrayBuffer (a receive buffer is found by it).
  const uint8_t* base;
};

inline Bytes ByteViewOf(Napi::Env napi_env_value, Napi::Value v, const char* name) {
  // One query tells a typed array, and gives its type, bytes and ArrayBuffer
  // (the hot path: every send and receive passes here).
  napi_env env = napi_env_value;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  bool detached = false;
  napi_status status = napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset);
  // napi_invalid_arg: not a typed array (or no value at all).
  if (status != napi_ok && status != napi_invalid_arg) throw Napi::Error::New(napi_env_value);
  if (status == napi_invalid_arg || type != napi_uint8_array) {
    throw Napi::TypeError::New(napi_env_value, std::string(name) + " must be a Uint8Array");
  }
  if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok) {
    throw Napi::Error::New(napi_env_value);
  }
  if (detached) {
    throw Napi::TypeError::New(napi_env_value,
                               std::string(name) + " must not be a view of a detached ArrayBuffer");
  }
  const uint8_t* base = data == nullptr ? nullptr : static_cast<const uint8_t*>(data) - offset;
  return Bytes{v, static_cast<uint8_t*>(data), length, base};
}

inline Bytes ByteView(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return ByteViewOf(info.Env(), At(info, i), name);
}

}  // namespace iocp::args

#endif  // IOCP_COMMON_ARGS_H_
