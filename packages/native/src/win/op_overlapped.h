// How an Op meets the completion port: its OVERLAPPED is the first member
// (Op::os), so the OVERLAPPED* of a packet is the Op* (like mio's
// src/sys/windows/overlapped.rs). Also the completion keys and the helper
// that posts a finished op's packet.
#ifndef IOCP_WIN_OP_OVERLAPPED_H_
#define IOCP_WIN_OP_OVERLAPPED_H_

#include <windows.h>

#include "common/op.h"

namespace iocp::win {

// Completion keys. Operation packets carry kOpKey (every associated handle
// is registered with it); a NULL-overlapped packet with kStopKey stops the
// poller thread.
constexpr ULONG_PTR kStopKey = 1;
constexpr ULONG_PTR kOpKey = 2;

// NTSTATUS values written into OVERLAPPED::Internal for posted packets;
// RtlNtStatusToDosError turns STATUS_CANCELLED into ERROR_OPERATION_ABORTED.
constexpr ULONG_PTR kStatusSuccess = 0;
constexpr ULONG_PTR kStatusCancelled = 0xC0000120;

// What the backend keeps in Op::os. The OVERLAPPED must stay first.
struct OsData {
  OVERLAPPED overlapped;
  // kConnect: the socket was connected by ConnectEx, so its completion must
  // set SO_UPDATE_CONNECT_CONTEXT.
  bool connect_ex;
  // Set while a packet is due for the op (submitted and not yet taken from
  // the port). JavaScript thread only.
  bool in_kernel;
  // kRecv: the pending WSARecv is a zero-byte read (IocpBackend::
  // kZeroReadThreshold); the real one follows when it completes.
  // JavaScript thread only.
  bool zero_read;
};
static_assert(sizeof(OsData) <= kOsDataSize, "OsData must fit in Op::os");

inline OsData* OsDataOf(Op* op) { return reinterpret_cast<OsData*>(op->os); }
inline OVERLAPPED* OverlappedOf(Op* op) { return &OsDataOf(op)->overlapped; }
inline Op* OpOf(OVERLAPPED* ov) { return reinterpret_cast<Op*>(ov); }
inline HANDLE HandleOf(const Op* op) {
  return reinterpret_cast<HANDLE>(static_cast<intptr_t>(op->handle));
}

// Whether the I/O of ov has completed with an NT success status (the kernel
// wrote its final status into Internal; STATUS_PENDING is a success code
// too, so it is excluded). Any thread may call this; the value may change
// under a caller while the I/O is in flight.
inline bool Succeeded(const OVERLAPPED* ov) {
  auto status = static_cast<LONG>(ov->Internal);
  return status != static_cast<LONG>(STATUS_PENDING) && status >= 0;
}

// Queues op's completion on port as if the kernel had finished it with
// status and bytes; returns false (GetLastError() says why) when the port
// refused the packet. Any thread may call this, once per op, and must not
// touch op afterwards: the packet may already be delivered.
inline bool PostCompletion(HANDLE port, Op* op, ULONG_PTR status, DWORD bytes) {
  OVERLAPPED* ov = OverlappedOf(op);
  ov->Internal = status;
  ov->InternalHigh = bytes;
  return PostQueuedCompletionStatus(port, bytes, kOpKey, ov) != FALSE;
}

}  // namespace iocp::win

#endif  // IOCP_WIN_OP_OVERLAPPED_H_
