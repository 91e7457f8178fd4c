// Submission of the socket, file and pipe operations: WSARecv, WSASend,
// WSARecvFrom, WSASendTo, ReadFile/WriteFile, ConnectNamedPipe and
// TransmitFile. Each returns 0 when one packet follows (also when the call
// finished at once: without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS the port
// still gets its packet), or the negated error when the call failed at once
// with an error status (then no packet follows). A warning status (a message
// or datagram longer than the buffer) is no failure: its packet follows.
// These should be called from the JavaScript thread.
#include <winsock2.h>

#include <mswsock.h>

#include <cstdint>
#include <type_traits>

#include "win/iocp_backend.h"
#include "win/op_overlapped.h"

namespace iocp::win {

namespace {

static_assert(std::is_same_v<int32_t, INT>, "Op::addr_len is WSARecvFrom's INT length");

// TransmitFile moves at most this many bytes per call.
constexpr uint64_t kMaxTransmit = 2147483646;

SOCKET SocketOf(const Op* op) { return static_cast<SOCKET>(op->handle); }

WSABUF BufferOf(const Op* op) {
  return WSABUF{static_cast<ULONG>(op->length), reinterpret_cast<char*>(op->data)};
}

// The result of a Winsock call that was given an OVERLAPPED.
int Started(int rc) {
  if (rc == 0) return 0;
  int err = WSAGetLastError();
  return err == WSA_IO_PENDING ? 0 : -err;
}

// A datagram longer than the buffer that was queued already makes the call
// fail at once with WSAEMSGSIZE, yet that is no failed submission: the
// receive ran, its status (STATUS_BUFFER_OVERFLOW) is a warning, and a
// warning still queues the packet, whose ERROR_MORE_DATA Finish turns into
// the bytes that fit, as on Linux. (Seen under Wine, and described for
// Windows by zio's IOCP backend; libuv completes it inline only because it
// sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on UDP sockets.)
int StartedReceive(int rc) {
  int err = Started(rc);
  return err == -WSAEMSGSIZE ? 0 : err;
}

void SetOffset(OVERLAPPED* ov, uint64_t offset) {
  ov->Offset = static_cast<DWORD>(offset & 0xffffffffu);
  ov->OffsetHigh = static_cast<DWORD>(offset >> 32);
}

// The address family of a socket, for the extension function table.
int FamilyOf(SOCKET s, int* family) {
  WSAPROTOCOL_INFOW info;
  int len = sizeof(info);
  if (getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &len) ==
      SOCKET_ERROR) {
    return -WSAGetLastError();
  }
  *family = info.iAddressFamily;
  return 0;
}

}  // namespace

// A zero-byte read first when UsesZeroRead says so: the op's memory is freed
// until the socket has bytes (ResumeZeroRead then starts the real read).
int IocpBackend::SubmitRecv(Op* op) {
  if (UsesZeroRead(op)) {
    op->DropBounce();
    OsDataOf(op)->zero_read = true;
    ++zero_reads_;
    WSABUF none{0, nullptr};
    DWORD flags = 0;
    return Started(WSARecv(SocketOf(op), &none, 1, nullptr, &flags, OverlappedOf(op), nullptr));
  }
  return SubmitRecvNow(op);
}

int IocpBackend::SubmitRecvNow(Op* op) {
  WSABUF buf = BufferOf(op);
  DWORD flags = static_cast<DWORD>(op->flags);
  return StartedReceive(WSARecv(SocketOf(op), &buf, 1, nullptr, &flags, OverlappedOf(op), nullptr));
}

int IocpBackend::SubmitSend(Op* op) {
  WSABUF buf = BufferOf(op);
  return Started(WSASend(SocketOf(op), &buf, 1, nullptr, static_cast<DWORD>(op->flags),
                         OverlappedOf(op), nullptr));
}

// The kernel writes the sender's address into op->addr and its length into
// op->addr_len when the datagram arrives.
int IocpBackend::SubmitRecvFrom(Op* op) {
  WSABUF buf = BufferOf(op);
  DWORD flags = static_cast<DWORD>(op->flags);
  op->addr_len = static_cast<int32_t>(kAddrSize);
  int err = StartedReceive(WSARecvFrom(SocketOf(op), &buf, 1, nullptr, &flags,
                                       reinterpret_cast<sockaddr*>(op->addr), &op->addr_len,
                                       OverlappedOf(op), nullptr));
  if (err < 0) op->addr_len = 0;
  return err;
}

int IocpBackend::SubmitSendTo(Op* op) {
  WSABUF buf = BufferOf(op);
  return Started(WSASendTo(SocketOf(op), &buf, 1, nullptr, static_cast<DWORD>(op->flags),
                           reinterpret_cast<const sockaddr*>(op->addr), op->addr_len,
                           OverlappedOf(op), nullptr));
}

// ReadFile/WriteFile at op->offset. Offset -1 is the current position: the
// file pointer of a disk file (a handle opened without FILE_FLAG_OVERLAPPED
// keeps one); pipes and other streams ignore offsets.
int IocpBackend::SubmitReadWrite(Op* op) {
  HANDLE h = HandleOf(op);
  OVERLAPPED* ov = OverlappedOf(op);
  uint64_t offset = op->offset;
  if (offset == UINT64_MAX) {
    offset = 0;
    if (GetFileType(h) == FILE_TYPE_DISK) {
      LARGE_INTEGER zero{};
      LARGE_INTEGER position{};
      if (!SetFilePointerEx(h, zero, &position, FILE_CURRENT)) {
        return -static_cast<int>(GetLastError());
      }
      offset = static_cast<uint64_t>(position.QuadPart);
    }
  }
  SetOffset(ov, offset);
  auto length = static_cast<DWORD>(op->length);
  BOOL ok = op->kind == OpKind::kRead ? ReadFile(h, op->data, length, nullptr, ov)
                                      : WriteFile(h, op->data, length, nullptr, ov);
  if (ok) return 0;
  DWORD err = GetLastError();
  if (err == ERROR_IO_PENDING) return 0;
  if (op->kind == OpKind::kRead) {
    // A message longer than the buffer (message-mode pipe) completes with a
    // warning status, which still queues the packet (CPython's
    // Overlapped.ReadFile and .NET's PipeStream treat it as pending too).
    if (err == ERROR_MORE_DATA) return 0;
    // The writer closed the pipe, or the offset is past the end of the file:
    // that is EOF, a read of 0 bytes (src/types.ts), which no packet reports.
    if (err == ERROR_BROKEN_PIPE || err == ERROR_HANDLE_EOF) return PostNow(op, 0);
  }
  return -static_cast<int>(err);
}

// Waits for a client on a named pipe instance. A client that connected
// between CreateNamedPipe and this call makes it fail with
// ERROR_PIPE_CONNECTED and no packet: that is success, posted here.
int IocpBackend::SubmitAcceptPipe(Op* op) {
  if (ConnectNamedPipe(HandleOf(op), OverlappedOf(op))) return 0;
  DWORD err = GetLastError();
  if (err == ERROR_IO_PENDING) return 0;
  if (err == ERROR_PIPE_CONNECTED) return PostNow(op, 0);
  return -static_cast<int>(err);
}

// TransmitFile of op->length bytes (0: to the end of the file) from
// op->offset, which goes in the OVERLAPPED as for ReadFile. One call moves
// at most kMaxTransmit bytes; the result says how many went, and the caller
// loops like it does for sendfile(2).
int IocpBackend::SubmitSendFile(Op* op) {
  SOCKET s = SocketOf(op);
  int family = 0;
  int err = FamilyOf(s, &family);
  if (err < 0) return err;
  const ExtensionFunctions* fns = Extensions(s, family, &err);
  if (fns == nullptr) return -err;
  if (fns->transmit_file == nullptr) return -WSAEOPNOTSUPP;
  HANDLE file = reinterpret_cast<HANDLE>(static_cast<intptr_t>(op->aux_handle));
  uint64_t count = op->length;
  if (count > kMaxTransmit) count = kMaxTransmit;
  if (count == 0) {
    // "The whole file" must not exceed one call's limit either.
    LARGE_INTEGER size{};
    if (GetFileSizeEx(file, &size) && static_cast<uint64_t>(size.QuadPart) > op->offset &&
        static_cast<uint64_t>(size.QuadPart) - op->offset > kMaxTransmit) {
      count = kMaxTransmit;
    }
  }
  SetOffset(OverlappedOf(op), op->offset);
  if (fns->transmit_file(s, file, static_cast<DWORD>(count), 0, OverlappedOf(op), nullptr, 0)) {
    return 0;
  }
  return Started(SOCKET_ERROR);
}

const ExtensionFunctions* IocpBackend::Extensions(SOCKET socket, int family, int* error) {
  return extensions_->Get(socket, family, error);
}

}  // namespace iocp::win
