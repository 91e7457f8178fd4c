// The rest of src/common/os.h on Windows: socket constants, Wine detection,
// event objects, handles, and C runtime descriptors. These should be called
// from the JavaScript thread.
#include <winsock2.h>

#include <windows.h>
#include <ws2tcpip.h>

#include <cstdint>

#include "common/os.h"

namespace iocp::os {

namespace {

HANDLE H(int64_t handle) { return reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle)); }

int LastError() { return -static_cast<int>(GetLastError()); }

// node.exe's libuv: uv_os_fd_t uv_get_osfhandle(int fd).
using GetOsfHandleFn = HANDLE (*)(int);

}  // namespace

const Constants& GetConstants() {
  static constexpr Constants kConstants = {
      AF_INET,   AF_INET6,     AF_UNIX,  SOCK_STREAM, SOCK_DGRAM,   SD_RECEIVE,   SD_SEND,
      SD_BOTH,   MSG_PEEK,     MSG_OOB,  SOL_SOCKET,  SO_REUSEADDR, SO_KEEPALIVE, SO_RCVBUF,
      SO_SNDBUF, SO_BROADCAST, SO_ERROR, IPPROTO_TCP, TCP_NODELAY,
  };
  return kConstants;
}

// Wine's ntdll exports wine_get_version; Windows' does not. Tests use this
// only to skip a case that depends on a known Wine difference.
bool IsWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

int64_t EventCreate(bool manual_reset, bool initial_state) {
  HANDLE h = CreateEventW(nullptr, manual_reset, initial_state, nullptr);
  if (h == nullptr) return LastError();
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(h));
}

int EventSet(int64_t handle) { return SetEvent(H(handle)) ? 0 : LastError(); }

int EventReset(int64_t handle) { return ResetEvent(H(handle)) ? 0 : LastError(); }

// Polls the event with a zero timeout. For an auto-reset event a successful
// wait consumes the signal (Windows has no way to look without waiting), so
// isSet() on one resets it; a manual-reset event is left as it is.
int EventIsSet(int64_t handle) {
  switch (WaitForSingleObject(H(handle), 0)) {
    case WAIT_OBJECT_0:
      return 1;
    case WAIT_TIMEOUT:
      return 0;
    case WAIT_FAILED:
      return LastError();
    default:
      // WAIT_ABANDONED: only mutexes are abandoned, and this is no mutex.
      return -static_cast<int>(ERROR_INVALID_HANDLE);
  }
}

int CloseHandle(int64_t handle) { return ::CloseHandle(H(handle)) ? 0 : LastError(); }

// Node's descriptors belong to node.exe's C runtime, not to the one this
// addon links, so they are converted by node.exe's own libuv. The function
// is looked up in the running executable rather than linked, so the addon
// needs no import library entry for it (cmake-js' node.lib for MSVC, made
// from node-api-headers, lists only napi_* symbols).
int64_t FdToHandle(int fd) {
  HMODULE exe = GetModuleHandleW(nullptr);
  FARPROC proc = exe != nullptr ? GetProcAddress(exe, "uv_get_osfhandle") : nullptr;
  if (proc == nullptr) return -static_cast<int>(ERROR_PROC_NOT_FOUND);
  auto get_osfhandle = reinterpret_cast<GetOsfHandleFn>(reinterpret_cast<void (*)()>(proc));
  HANDLE h = get_osfhandle(fd);
  if (h == INVALID_HANDLE_VALUE || h == nullptr) return -static_cast<int>(ERROR_INVALID_HANDLE);
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(h));
}

}  // namespace iocp::os
