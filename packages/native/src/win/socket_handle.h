// An owned SOCKET, closed on destruction; release() gives it up (like mio's
// src/sys/windows/handle.rs, for Winsock's separate handle type).
#ifndef IOCP_WIN_SOCKET_HANDLE_H_
#define IOCP_WIN_SOCKET_HANDLE_H_

#include <winsock2.h>

namespace iocp::win {

class OwnedSocket {
 public:
  OwnedSocket() = default;
  explicit OwnedSocket(SOCKET s) : s_(s) {}
  OwnedSocket(const OwnedSocket&) = delete;
  OwnedSocket& operator=(const OwnedSocket&) = delete;
  OwnedSocket(OwnedSocket&& other) noexcept : s_(other.release()) {}
  OwnedSocket& operator=(OwnedSocket&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~OwnedSocket() { reset(); }

  SOCKET get() const { return s_; }
  bool valid() const { return s_ != INVALID_SOCKET; }
  SOCKET release() {
    SOCKET s = s_;
    s_ = INVALID_SOCKET;
    return s;
  }
  // Closes the socket (a failure of closesocket leaves nothing to undo).
  void reset(SOCKET s = INVALID_SOCKET) {
    if (valid()) closesocket(s_);
    s_ = s;
  }

 private:
  SOCKET s_ = INVALID_SOCKET;
};

}  // namespace iocp::win

#endif  // IOCP_WIN_SOCKET_HANDLE_H_
