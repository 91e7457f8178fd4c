// The JavaScript-thread half of a completion: kind-specific work done after
// the packet left the port and before the sink sees the result. These should
// be called from the JavaScript thread.
#include <winsock2.h>

#include "win/iocp_backend.h"
#include "win/op_overlapped.h"
#include "win/wait.h"

namespace iocp::win {

int32_t IocpBackend::Finish(Op* op, int32_t result, uint32_t* aux) {
  switch (op->kind) {
    case OpKind::kAccept:
      return FinishAccept(op, result);
    case OpKind::kConnect:
      return FinishConnect(op, result);
    case OpKind::kWaitHandle:
      EndWait(op);
      return result;
    case OpKind::kRecv:
    case OpKind::kRecvFrom:
    case OpKind::kRead:
      // A message longer than the buffer: the bytes that fit are a
      // successful read (CPython's Overlapped.getresult); a pipe message's
      // rest comes with the next read, a datagram's is dropped, as on Linux.
      if (result == -static_cast<int32_t>(ERROR_MORE_DATA)) {
        result = static_cast<int32_t>(*aux);
        *aux = 0;
      }
      // EOF on a pipe whose writer closed, or a read past the end of a file.
      if (op->kind == OpKind::kRead && (result == -static_cast<int32_t>(ERROR_BROKEN_PIPE) ||
                                        result == -static_cast<int32_t>(ERROR_HANDLE_EOF))) {
        result = 0;
        *aux = 0;
      }
      if (op->kind == OpKind::kRecvFrom && result < 0) op->addr_len = 0;
      return result;
    default:
      return result;
  }
}

// This should be called from the JavaScript thread, at teardown only.
void IocpBackend::Abandon(const Packet& packet) {
  OsDataOf(packet.op)->in_kernel = false;
  uint32_t aux = packet.aux;
  int32_t result = Finish(packet.op, packet.result, &aux);
  if (packet.op->kind == OpKind::kAccept && result >= 0) {
    closesocket(static_cast<SOCKET>(result));
  }
}

}  // namespace iocp::win
