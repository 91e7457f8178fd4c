// accept (AcceptEx) and connect (ConnectEx), with the work their completions
// need on the JavaScript thread: SO_UPDATE_ACCEPT_CONTEXT and the peer's
// address for an accepted socket, SO_UPDATE_CONNECT_CONTEXT for a connected
// one (windows_events.py IocpProactor.accept/connect and their finish_*
// callbacks). These should be called from the JavaScript thread.
#include <winsock2.h>

#include <mswsock.h>
#include <ws2tcpip.h>

#include <climits>
#include <cstring>
#include <memory>
#include <new>

#include "win/iocp_backend.h"
#include "win/op_overlapped.h"
#include "win/socket_handle.h"

namespace iocp::win {

namespace {

// AcceptEx wants room for each address plus 16 bytes.
constexpr DWORD kAcceptAddressLength = sizeof(SOCKADDR_STORAGE) + 16;

// The block AcceptEx writes both addresses into; owned by the op (through
// Op::backend_data) until its packet arrives.
struct AcceptBuffer {
  alignas(16) unsigned char bytes[2 * kAcceptAddressLength];
};

SOCKET SocketOf(const Op* op) { return static_cast<SOCKET>(op->handle); }

// Binds s to the wildcard address of family, as ConnectEx requires
// (CPython's overlapped.c BindLocal). A socket that is bound already fails
// with WSAEINVAL, which is fine.
int BindWildcard(SOCKET s, int family) {
  sockaddr_storage local{};
  int len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&local);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_ANY);
    len = sizeof(sockaddr_in);
  } else if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&local);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_any;
    len = sizeof(sockaddr_in6);
  } else {
    return -WSAEAFNOSUPPORT;
  }
  if (bind(s, reinterpret_cast<sockaddr*>(&local), len) == SOCKET_ERROR) {
    int err = WSAGetLastError();
    if (err != WSAEINVAL) return -err;
  }
  return 0;
}

}  // namespace

// Makes the socket to accept into (an overlapped, non-inheritable stream
// socket of op->family) and starts AcceptEx. The op owns the socket (in
// aux_handle) and the address block until its packet arrives.
int IocpBackend::SubmitAccept(Op* op) {
  SOCKET listener = SocketOf(op);
  int err = 0;
  const ExtensionFunctions* fns = Extensions(listener, op->family, &err);
  if (fns == nullptr) return -err;
  if (fns->accept_ex == nullptr || fns->get_accept_ex_sockaddrs == nullptr) return -WSAEOPNOTSUPP;
  OwnedSocket conn(WSASocketW(op->family, SOCK_STREAM, 0, nullptr, 0,
                              WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT));
  if (!conn.valid()) return -WSAGetLastError();
  std::unique_ptr<AcceptBuffer> buffer(new (std::nothrow) AcceptBuffer());
  if (!buffer) return -static_cast<int>(ERROR_NOT_ENOUGH_MEMORY);
  DWORD received = 0;  // Written only when AcceptEx finishes at once.
  if (!fns->accept_ex(listener, conn.get(), buffer->bytes, 0, kAcceptAddressLength,
                      kAcceptAddressLength, &received, OverlappedOf(op))) {
    err = WSAGetLastError();
    if (err != WSA_IO_PENDING) return -err;
  }
  op->aux_handle = static_cast<int64_t>(conn.release());
  op->backend_data = buffer.release();
  return 0;
}

// Result: the accepted socket's handle, with the peer's address in op->addr.
// On failure or cancellation the socket is closed.
int32_t IocpBackend::FinishAccept(Op* op, int32_t result) {
  OwnedSocket conn(static_cast<SOCKET>(op->aux_handle));
  std::unique_ptr<AcceptBuffer> buffer(static_cast<AcceptBuffer*>(op->backend_data));
  op->aux_handle = -1;
  op->backend_data = nullptr;
  op->addr_len = 0;
  if (result < 0) return result;
  SOCKET listener = SocketOf(op);
  // Makes getsockname, getpeername and shutdown work on the new socket.
  if (setsockopt(conn.get(), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                 reinterpret_cast<const char*>(&listener), sizeof(listener)) == SOCKET_ERROR) {
    return -WSAGetLastError();
  }
  int err = 0;
  // Loaded at submission, so this is a table lookup.
  const ExtensionFunctions* fns = Extensions(listener, op->family, &err);
  if (fns == nullptr || fns->get_accept_ex_sockaddrs == nullptr) return -WSAEOPNOTSUPP;
  sockaddr* local = nullptr;
  sockaddr* remote = nullptr;
  INT local_len = 0;
  INT remote_len = 0;
  fns->get_accept_ex_sockaddrs(buffer->bytes, 0, kAcceptAddressLength, kAcceptAddressLength, &local,
                               &local_len, &remote, &remote_len);
  if (remote != nullptr && remote_len > 0) {
    size_t len = static_cast<size_t>(remote_len);
    if (len > kAddrSize) len = kAddrSize;
    std::memcpy(op->addr, remote, len);
    op->addr_len = static_cast<int32_t>(len);
  }
  // Handle values are small (the handle table is far below 2^31 entries);
  // a larger one could not be reported in the int32 result.
  if (conn.get() > static_cast<SOCKET>(INT32_MAX)) return -WSAEMFILE;
  return static_cast<int32_t>(conn.release());
}

// ConnectEx for stream sockets, after binding to the wildcard address when
// unbound. A datagram socket connects at once (it only records the peer),
// and AF_UNIX has neither ConnectEx nor a wildcard to bind to (Go's net
// package makes the same choice): both use connect() and post the result
// like any other op. An AF_UNIX connect only queues on the listener's
// backlog, so it does not wait for the peer.
int IocpBackend::SubmitConnect(Op* op) {
  SOCKET s = SocketOf(op);
  int family = op->family;
  if (family == 0) family = reinterpret_cast<const sockaddr*>(op->addr)->sa_family;
  int type = 0;
  int type_len = sizeof(type);
  if (getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_len) ==
      SOCKET_ERROR) {
    return -WSAGetLastError();
  }
  const auto* addr = reinterpret_cast<const sockaddr*>(op->addr);
  if (type != SOCK_STREAM || family == AF_UNIX) {
    if (connect(s, addr, op->addr_len) == SOCKET_ERROR) return -WSAGetLastError();
    return PostNow(op, 0);
  }
  int err = BindWildcard(s, family);
  if (err < 0) return err;
  const ExtensionFunctions* fns = Extensions(s, family, &err);
  if (fns == nullptr) return -err;
  if (fns->connect_ex == nullptr) return -WSAEOPNOTSUPP;
  if (!fns->connect_ex(s, addr, op->addr_len, nullptr, 0, nullptr, OverlappedOf(op))) {
    err = WSAGetLastError();
    if (err != WSA_IO_PENDING) return -err;
  }
  OsDataOf(op)->connect_ex = true;
  return 0;
}

// Result: 0. Makes getpeername, getsockname and shutdown work on a socket
// that ConnectEx connected.
int32_t IocpBackend::FinishConnect(Op* op, int32_t result) {
  if (result < 0 || !OsDataOf(op)->connect_ex) return result;
  if (setsockopt(SocketOf(op), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) == SOCKET_ERROR) {
    return -WSAGetLastError();
  }
  return 0;
}

}  // namespace iocp::win
