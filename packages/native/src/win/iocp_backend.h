// The IOCP backend: one completion port per Core. Overlapped operations are
// issued directly from the JavaScript thread (the OS call is the
// submission); one poller thread blocks in GetQueuedCompletionStatusEx and
// hands whole batches to the JavaScript thread through a thread-safe
// function, with one wake-up per batch (like libuv's src/win/core.c uv__poll,
// with the thread hop that Node-API requires).
#ifndef IOCP_WIN_IOCP_BACKEND_H_
#define IOCP_WIN_IOCP_BACKEND_H_

#include <windows.h>

#include <mutex>
#include <thread>
#include <vector>

#include "common/backend.h"
#include "win/handle.h"

namespace iocp::win {

class IocpBackend : public Backend {
 public:
  static constexpr ULONG kBatch = 128;

  ~IocpBackend() override;
  BackendKind Kind() const override { return BackendKind::kIocp; }
  int Start(napi_env env, CompletionSink* sink) override;
  int Submit(Op* op) override;
  int Cancel(Op* op) override;
  int Associate(int64_t handle) override;
  void Detach(int64_t handle) override;
  void SetActive(bool active) override;
  void Shutdown() override;

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
  // At teardown, waits (bounded) on this thread for ops still in the kernel.
  void WaitForInflight();

  OwnedHandle port_;
  napi_env env_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  std::thread poller_;
  CompletionSink* sink_ = nullptr;
  std::mutex mutex_;
  std::vector<Packet> queue_;      // Guarded by mutex_.
  std::vector<Packet> delivering_;  // JavaScript thread only.
  size_t inflight_ = 0;             // JavaScript thread only.
  bool shut_down_ = false;
};

}  // namespace iocp::win

#endif  // IOCP_WIN_IOCP_BACKEND_H_
