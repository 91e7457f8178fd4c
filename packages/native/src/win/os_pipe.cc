// The pipe primitives of src/common/os.h on Windows: named-pipe server
// instances and client ends (ports of CPython's windows_events.py
// PipeServer._server_pipe_handle and _overlapped.ConnectPipe) and
// windows_utils.pipe(). Every function returns >= 0 or -GetLastError() and
// should be called from the JavaScript thread.
#include <windows.h>
// sddl.h after windows.h, which it needs.
#include <sddl.h>
// aclapi.h: GetSecurityInfo.
#include <aclapi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "common/os.h"
#include "win/handle.h"

namespace iocp::os {

namespace {

using win::OwnedHandle;

int LastError() { return -static_cast<int>(GetLastError()); }

int64_t HandleValue(HANDLE h) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(h)); }

// UTF-8 to UTF-16; false (with the last error set) when the text is not
// valid UTF-8.
bool Wide(const std::string& text, std::wstring* out) {
  if (text.empty()) {
    SetLastError(ERROR_INVALID_NAME);
    return false;
  }
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                              static_cast<int>(text.size()), nullptr, 0);
  if (n <= 0) return false;
  out->assign(static_cast<size_t>(n), L'\0');
  return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                             static_cast<int>(text.size()), out->data(), n) == n;
}

// A name no other pipe has: \\.\pipe\iocp-pipe-<pid>-<counter>-<clock>, like
// windows_utils.pipe()'s python-pipe-<pid>-<counter>-<random>. The counter is
// process-wide on purpose: worker threads share the pid, and each loads its
// own copy of the addon's per-environment state.
std::wstring UniquePipeName() {
  static std::atomic<uint32_t> counter{0};
  LARGE_INTEGER now{};
  QueryPerformanceCounter(&now);
  return L"\\\\.\\pipe\\iocp-pipe-" + std::to_wstring(GetCurrentProcessId()) + L"-" +
         std::to_wstring(counter.fetch_add(1)) + L"-" +
         std::to_wstring(static_cast<uint64_t>(now.QuadPart));
}

// The SID of the user this process runs as, as an SDDL string ("S-1-5-...").
bool CurrentUserSid(std::wstring* out) {
  HANDLE raw = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw)) return false;
  OwnedHandle token(raw);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  if (size == 0) return false;
  std::unique_ptr<BYTE[]> buffer(new BYTE[size]);
  if (!GetTokenInformation(token.get(), TokenUser, buffer.get(), size, &size)) return false;
  auto* user = reinterpret_cast<TOKEN_USER*>(buffer.get());
  LPWSTR text = nullptr;
  if (!ConvertSidToStringSidW(user->User.Sid, &text)) return false;
  out->assign(text);
  LocalFree(text);
  return true;
}

// The security descriptor of a server instance, freed with LocalFree: the
// caller's SDDL, or owner only: a protected DACL (no inherited entries)
// granting full access to SYSTEM and the current user and nobody else, where
// the default DACL also lets Everyone and anonymous logons read.
PSECURITY_DESCRIPTOR PipeSecurity(const std::string& sddl) {
  std::wstring text;
  if (sddl.empty()) {
    std::wstring user;
    if (!CurrentUserSid(&user)) return nullptr;
    text = L"D:P(A;;GA;;;SY)(A;;GA;;;" + user + L")";
  } else if (!Wide(sddl, &text)) {
    return nullptr;
  }
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(text.c_str(), SDDL_REVISION_1, &sd,
                                                            nullptr)) {
    return nullptr;
  }
  return sd;
}

}  // namespace

int64_t PipeInstance(const std::string& name, const PipeInstanceSpec& spec) {
  std::wstring wname;
  if (!Wide(name, &wname)) return LastError();
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
  if (spec.first) open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
  DWORD pipe_mode = spec.message ? (PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE) : PIPE_TYPE_BYTE;
  pipe_mode |= PIPE_WAIT;
  if (spec.reject_remote) pipe_mode |= PIPE_REJECT_REMOTE_CLIENTS;
  PSECURITY_DESCRIPTOR sd = PipeSecurity(spec.sddl);
  if (sd == nullptr) return LastError();
  SECURITY_ATTRIBUTES sa{};
  sa.nLength = sizeof(sa);
  sa.lpSecurityDescriptor = sd;
  sa.bInheritHandle = FALSE;
  DWORD max_instances = spec.max_instances >= 255 ? PIPE_UNLIMITED_INSTANCES : spec.max_instances;
  HANDLE h = CreateNamedPipeW(wname.c_str(), open_mode, pipe_mode, max_instances, spec.out_size,
                              spec.in_size, NMPWAIT_WAIT_FOREVER, &sa);
  DWORD err = GetLastError();
  LocalFree(sd);
  if (h == INVALID_HANDLE_VALUE) return -static_cast<int>(err);
  return HandleValue(h);
}

// Port of _overlapped.ConnectPipe: opening a client end never waits, so a
// pipe whose instances are all taken fails with ERROR_PIPE_BUSY and the
// caller retries later (IocpProactor.connect_pipe).
int64_t PipeOpen(const std::string& name) {
  std::wstring wname;
  if (!Wide(name, &wname)) return LastError();
  OwnedHandle h(CreateFileW(wname.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                            OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr));
  if (!h.valid()) return LastError();
  // A client end starts in byte read mode; on a message-mode pipe it reads
  // whole messages too, as the server end does.
  DWORD flags = 0;
  if (!GetNamedPipeInfo(h.get(), &flags, nullptr, nullptr, nullptr)) return LastError();
  if (flags & PIPE_TYPE_MESSAGE) {
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (!SetNamedPipeHandleState(h.get(), &mode, nullptr, nullptr)) return LastError();
  }
  return HandleValue(h.release());
}

// Port of windows_utils.pipe: a one-instance pipe under a unique name (the
// first instance, so a squatter who took the name makes it fail rather than
// listen in), opened by its only client, then the server end connected.
int PipePair(bool duplex, bool overlapped_read, bool overlapped_write, uint32_t bufsize,
             int64_t out[2]) {
  std::wstring name = UniquePipeName();
  DWORD open_mode =
      (duplex ? PIPE_ACCESS_DUPLEX : PIPE_ACCESS_INBOUND) | FILE_FLAG_FIRST_PIPE_INSTANCE;
  if (overlapped_read) open_mode |= FILE_FLAG_OVERLAPPED;
  DWORD access = duplex ? (GENERIC_READ | GENERIC_WRITE) : GENERIC_WRITE;
  DWORD out_size = duplex ? bufsize : 0;
  OwnedHandle server(CreateNamedPipeW(name.c_str(), open_mode, PIPE_WAIT, 1, out_size, bufsize,
                                      NMPWAIT_WAIT_FOREVER, nullptr));
  if (!server.valid()) return LastError();
  OwnedHandle client(CreateFileW(name.c_str(), access, 0, nullptr, OPEN_EXISTING,
                                 overlapped_write ? FILE_FLAG_OVERLAPPED : 0, nullptr));
  if (!client.valid()) return LastError();
  // The client is connected already, so this ends at once with
  // ERROR_PIPE_CONNECTED; the event is there because an overlapped handle
  // needs an OVERLAPPED to wait on, should it pend anyway.
  OwnedHandle event(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event.valid()) return LastError();
  OVERLAPPED ov{};
  ov.hEvent = event.get();
  if (!ConnectNamedPipe(server.get(), &ov)) {
    DWORD err = GetLastError();
    if (err == ERROR_IO_PENDING) {
      DWORD transferred = 0;
      if (!GetOverlappedResult(server.get(), &ov, &transferred, TRUE)) return LastError();
    } else if (err != ERROR_PIPE_CONNECTED) {
      return -static_cast<int>(err);
    }
  }
  out[0] = HandleValue(server.release());
  out[1] = HandleValue(client.release());
  return 0;
}

int PipeSecurity(int64_t handle, std::string* sddl) {
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle));
  PSECURITY_DESCRIPTOR sd = nullptr;
  DWORD err = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                              nullptr, nullptr, &sd);
  if (err != ERROR_SUCCESS) return -static_cast<int>(err);
  LPWSTR text = nullptr;
  BOOL ok = ConvertSecurityDescriptorToStringSecurityDescriptorW(
      sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr);
  err = GetLastError();
  LocalFree(sd);
  if (!ok) return -static_cast<int>(err);
  int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 0) {
    err = GetLastError();
    LocalFree(text);
    return -static_cast<int>(err);
  }
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), n, nullptr, nullptr);
  LocalFree(text);
  out.resize(static_cast<size_t>(n - 1));  // Without the terminating NUL.
  *sddl = std::move(out);
  return 0;
}

// A pipe name disappears with its last handle: nothing to remove.
int PipeRelease(const std::string& /*name*/) { return 0; }

}  // namespace iocp::os
