// Backend selection on Windows: IOCP is the only backend. IOCP_BACKEND may
// name it; naming a Linux backend is an error.
#include <winsock2.h>
#include <windows.h>

#include <cstdlib>
#include <string>

#include "common/backend.h"
#include "win/iocp_backend.h"

namespace iocp {

std::unique_ptr<Backend> CreateBackend(BackendKind kind) {
  if (kind == BackendKind::kIocp) return std::make_unique<win::IocpBackend>();
  return nullptr;
}

std::string SystemErrorMessage(int code) {
  char* text = nullptr;
  DWORD len = FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(code), 0, reinterpret_cast<LPSTR>(&text), 0, nullptr);
  std::string message = "Windows error " + std::to_string(code);
  if (len > 0 && text != nullptr) {
    std::string body(text, len);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == '.'))
      body.pop_back();
    message += " (" + body + ")";
  }
  if (text != nullptr) LocalFree(text);
  return message;
}

bool SelectDefaultBackend(BackendKind* kind, std::string* error, std::string* /*fallback*/) {
  // Winsock must be initialised before any socket call; WSAStartup counts
  // references, so once per environment is right.
  WSADATA wsa;
  int err = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (err != 0) {
    *error = "cannot start the iocp backend: WSAStartup failed with " + SystemErrorMessage(err);
    return false;
  }
  const char* forced = std::getenv("IOCP_BACKEND");
  if (forced != nullptr && *forced != '\0' && std::string(forced) != "iocp") {
    std::string name = forced;
    if (name == "io_uring" || name == "epoll") {
      *error = "IOCP_BACKEND=" + name + ": the " + name + " backend exists only on Linux";
    } else {
      *error = "IOCP_BACKEND=" + name + ": unknown backend (expected io_uring, epoll or iocp)";
    }
    return false;
  }
  *kind = BackendKind::kIocp;
  return true;
}

void AvailableBackends(BackendKind* out, int* count) {
  out[0] = BackendKind::kIocp;
  *count = 1;
}

}  // namespace iocp
