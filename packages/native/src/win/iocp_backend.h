// The IOCP backend: one completion port per Core. Overlapped operations are
// issued directly from the JavaScript thread (the OS call is the
// submission); one poller thread blocks in GetQueuedCompletionStatusEx and
// hands whole batches to the JavaScript thread through a thread-safe
// function, with one wake-up per batch (like libuv's src/win/core.c uv__poll,
// with the thread hop that Node-API requires).
//
// Every op gets exactly one packet. FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is
// not used (asyncio does not use it either): an operation that finishes at
// once still queues its packet, so JavaScript sees one path for every result.
// Where Windows reports an immediate result without a packet (a named pipe
// whose client came first, EOF on a pipe, a datagram connect), the backend
// posts the packet itself. The kernel-owned memory of an op (its buffer, the
// AcceptEx address block, a wait registration) lives until its packet is
// taken from the port.
#ifndef IOCP_WIN_IOCP_BACKEND_H_
#define IOCP_WIN_IOCP_BACKEND_H_

#include <winsock2.h>

#include <windows.h>

#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/backend.h"
#include "win/extensions.h"
#include "win/handle.h"

namespace iocp::win {

class IocpBackend : public Backend {
 public:
  static constexpr ULONG kBatch = 128;
  // Zero-byte reads, as libuv's UV_HANDLE_ZERO_READ: with at least this
  // many operations in flight, a receive of kZeroReadMin bytes or more on a
  // stream socket first waits with an empty buffer, and gets its memory and
  // its real WSARecv only once the socket has bytes (or its end). A
  // WSARecv's buffer is locked while it waits, so without this every idle
  // connection held a read chunk (64 KiB for the transports); with it, a
  // server of thousands of idle connections holds none. The cost is one
  // more trip through the port per read, paid only with many operations in
  // flight (libuv switches at 50 active streams). IOCP_ZERO_READ=1 (or
  // Core.setZeroReads('always')) uses them for every such receive, =0
  // ('never') never.
  static constexpr size_t kZeroReadThreshold = 64;
  static constexpr size_t kZeroReadMin = 4096;

  ~IocpBackend() override;
  BackendKind Kind() const override { return BackendKind::kIocp; }
  int Start(napi_env env, CompletionSink* sink) override;
  void SetConcurrency(uint32_t threads) override { concurrency_ = threads; }
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;
  bool Holds(const Op* op) const override;
  uint64_t ZeroReads() const override { return zero_reads_; }
  void SetZeroReads(int mode) override { zero_read_mode_ = mode; }

  HANDLE port() const { return port_.get(); }

 private:
  struct Packet {
    Op* op;
    int32_t result;
    uint32_t aux;
  };
  // Converts a finished OVERLAPPED into a packet. Any thread.
  static Packet ToPacket(const OVERLAPPED_ENTRY& entry);
  // The poller thread's body.
  void Poll();
  // Runs on the JavaScript thread for each wake-up from the poller.
  static void CallJs(napi_env env, napi_value js_cb, void* context, void* data);
  void DeliverQueued();
  // Whether a receive starts as a zero-byte read (see kZeroReadThreshold).
  bool UsesZeroRead(const Op* op) const;
  // A zero-byte read's packet: starts the real read (true: nothing to
  // deliver yet), or leaves in *p what to deliver (its error; cancelled when
  // a cancel was asked for meanwhile; a refused start).
  bool ResumeZeroRead(Packet* p);
  // At teardown, waits (bounded) on this thread for ops still in the kernel.
  void WaitForInflight();

  // Submission of each kind (src/win/iocp_ops.cc, accept_connect.cc). Each
  // returns 0 when a packet follows, or a negated Win32/WSA error.
  int SubmitRecv(Op* op);
  // The real WSARecv of a receive (SubmitRecv may start a zero-byte read).
  int SubmitRecvNow(Op* op);
  int SubmitSend(Op* op);
  int SubmitRecvFrom(Op* op);
  int SubmitSendTo(Op* op);
  int SubmitReadWrite(Op* op);
  int SubmitAcceptPipe(Op* op);
  int SubmitSendFile(Op* op);
  int SubmitAccept(Op* op);
  int SubmitConnect(Op* op);
  // Posts op's packet now with a success result (an op Windows finished
  // without queuing one). Returns 0 or the negated error.
  int PostNow(Op* op, DWORD bytes);
  // The extension functions for op's socket, or nullptr with *error set.
  const ExtensionFunctions* Extensions(SOCKET socket, int family, int* error);

  // Completes the kind-specific work of a packet on the JavaScript thread
  // before the sink sees it (src/win/iocp_finish.cc); returns the result to
  // deliver and may change *aux.
  int32_t Finish(Op* op, int32_t result, uint32_t* aux);
  int32_t FinishAccept(Op* op, int32_t result);
  int32_t FinishConnect(Op* op, int32_t result);
  // Releases what a packet's op holds when it will never be delivered
  // (teardown): Finish, then close an accepted socket nobody will receive.
  void Abandon(const Packet& packet);

  OwnedHandle port_;
  // The port's NumberOfConcurrentThreads (1 unless set). One poller thread
  // drains the port, so every value lets that one thread run.
  DWORD concurrency_ = 1;
  napi_env env_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  std::thread poller_;
  CompletionSink* sink_ = nullptr;
  std::shared_ptr<ExtensionCache> extensions_;
  std::mutex mutex_;
  std::vector<Packet> queue_;       // Guarded by mutex_.
  std::vector<Packet> delivering_;  // JavaScript thread only.
  size_t next_delivery_ = 0;        // JavaScript thread only.
  size_t inflight_ = 0;             // JavaScript thread only.
  bool shut_down_ = false;
  // The associated stream sockets (SO_TYPE SOCK_STREAM): only their
  // receives may be zero-byte reads (a datagram's would be cut to nothing).
  std::unordered_set<SOCKET> stream_sockets_;  // JavaScript thread only.
  // IOCP_ZERO_READ: -1 unset (by the threshold), 0 never, 1 always.
  int zero_read_mode_ = -1;
  uint64_t zero_reads_ = 0;
};

}  // namespace iocp::win

#endif  // IOCP_WIN_IOCP_BACKEND_H_
