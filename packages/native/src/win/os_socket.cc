// Synchronous socket primitives of src/common/os.h on Winsock. Sockets are
// overlapped (so the completion port can drive them) and not inherited by
// child processes. These should be called from the JavaScript thread.
#include <winsock2.h>

#include <ws2tcpip.h>

#include <cstring>

#include "common/os.h"
#include "win/socket_handle.h"

namespace iocp::os {

namespace {

using win::OwnedSocket;

SOCKET S(int64_t handle) { return static_cast<SOCKET>(handle); }

int LastError() { return -WSAGetLastError(); }

int Check(int rc) { return rc == SOCKET_ERROR ? LastError() : 0; }

SOCKET NewSocket(int family, int type) {
  return WSASocketW(family, type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

// The local or peer address of s, for comparing two ends of a connection.
struct Name {
  sockaddr_storage addr{};
  int len = sizeof(sockaddr_storage);
};

bool SameName(const Name& a, const Name& b) {
  return a.len == b.len && std::memcmp(&a.addr, &b.addr, a.len) == 0;
}

}  // namespace

int64_t Socket(int family, int type) {
  SOCKET s = NewSocket(family, type);
  if (s == INVALID_SOCKET) return LastError();
  return static_cast<int64_t>(s);
}

// Port of CPython's socket.socketpair for Windows: a loopback TCP listener,
// a non-blocking connect, a blocking accept, then the listener is closed.
// The two ends are checked against each other so that a stranger who
// connected to the listener first is not taken for the peer. Windows has no
// AF_UNIX socketpair, so AF_UNIX asks for the same loopback pair.
int SocketPair(int family, int type, int64_t out[2]) {
  if (family == AF_UNIX) family = AF_INET;
  if (family != AF_INET && family != AF_INET6) return -WSAEAFNOSUPPORT;
  if (type != SOCK_STREAM) return -WSAESOCKTNOSUPPORT;
  OwnedSocket listener(NewSocket(family, SOCK_STREAM));
  if (!listener.valid()) return LastError();
  Name bound;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&bound.addr);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound.len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&bound.addr);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    bound.len = sizeof(sockaddr_in6);
  }
  int err = Check(bind(listener.get(), reinterpret_cast<sockaddr*>(&bound.addr), bound.len));
  if (err == 0) err = Check(listen(listener.get(), 1));
  Name target;
  if (err == 0) {
    err =
        Check(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&target.addr), &target.len));
  }
  if (err < 0) return err;
  OwnedSocket client(NewSocket(family, SOCK_STREAM));
  if (!client.valid()) return LastError();
  u_long non_blocking = 1;
  if (ioctlsocket(client.get(), FIONBIO, &non_blocking) == SOCKET_ERROR) return LastError();
  if (connect(client.get(), reinterpret_cast<sockaddr*>(&target.addr), target.len) ==
          SOCKET_ERROR &&
      WSAGetLastError() != WSAEWOULDBLOCK) {
    return LastError();
  }
  non_blocking = 0;
  if (ioctlsocket(client.get(), FIONBIO, &non_blocking) == SOCKET_ERROR) return LastError();
  OwnedSocket server(accept(listener.get(), nullptr, nullptr));
  if (!server.valid()) return LastError();
  // Like every socket made here, the accepted one is not inherited (accept
  // does not promise to copy WSA_FLAG_NO_HANDLE_INHERIT).
  if (!SetHandleInformation(reinterpret_cast<HANDLE>(server.get()), HANDLE_FLAG_INHERIT, 0)) {
    return -static_cast<int>(GetLastError());
  }
  Name server_local, server_peer, client_local, client_peer;
  err = Check(getsockname(server.get(), reinterpret_cast<sockaddr*>(&server_local.addr),
                          &server_local.len));
  if (err == 0) {
    err = Check(getpeername(server.get(), reinterpret_cast<sockaddr*>(&server_peer.addr),
                            &server_peer.len));
  }
  if (err == 0) {
    err = Check(getsockname(client.get(), reinterpret_cast<sockaddr*>(&client_local.addr),
                            &client_local.len));
  }
  if (err == 0) {
    err = Check(getpeername(client.get(), reinterpret_cast<sockaddr*>(&client_peer.addr),
                            &client_peer.len));
  }
  if (err < 0) return err;
  if (!SameName(server_local, client_peer) || !SameName(client_local, server_peer)) {
    return -WSAECONNABORTED;
  }
  out[0] = static_cast<int64_t>(server.release());
  out[1] = static_cast<int64_t>(client.release());
  return 0;
}

int Bind(int64_t handle, const uint8_t* addr, size_t len) {
  return Check(bind(S(handle), reinterpret_cast<const sockaddr*>(addr), static_cast<int>(len)));
}

int Listen(int64_t handle, int backlog) { return Check(listen(S(handle), backlog)); }

int GetSockName(int64_t handle, uint8_t* out, size_t* len) {
  int n = static_cast<int>(*len);
  int err = Check(getsockname(S(handle), reinterpret_cast<sockaddr*>(out), &n));
  if (err == 0) *len = static_cast<size_t>(n);
  return err;
}

int GetPeerName(int64_t handle, uint8_t* out, size_t* len) {
  int n = static_cast<int>(*len);
  int err = Check(getpeername(S(handle), reinterpret_cast<sockaddr*>(out), &n));
  if (err == 0) *len = static_cast<size_t>(n);
  return err;
}

int SetSockOpt(int64_t handle, int level, int name, int value) {
  return Check(
      setsockopt(S(handle), level, name, reinterpret_cast<const char*>(&value), sizeof(value)));
}

int GetSockOpt(int64_t handle, int level, int name, int* value) {
  // Some options are a BOOL or a DWORD, some (on some providers) one byte:
  // start from zero so a shorter answer reads correctly.
  *value = 0;
  int len = sizeof(*value);
  return Check(getsockopt(S(handle), level, name, reinterpret_cast<char*>(value), &len));
}

int Shutdown(int64_t handle, int how) { return Check(shutdown(S(handle), how)); }

int CloseSocket(int64_t handle) { return Check(closesocket(S(handle))); }

}  // namespace iocp::os
