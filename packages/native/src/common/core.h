// Core: the JavaScript face of one backend (one per IocpProactor).
//
// JavaScript submits operations through Core's methods; each returns the op's
// id (>= 0) or a negated system error when the OS refused it at once. The
// completions come back in batches: Core writes them into `completions`, an
// Int32Array of kCompletionCapacity records [id, result, aux, addrlen], and
// calls the JavaScript callback once per batch with the record count. For
// recvFrom and accept, the peer's sockaddr of record i is in `addresses` at
// byte i * kAddrSize (addrlen bytes long).
#ifndef IOCP_COMMON_CORE_H_
#define IOCP_COMMON_CORE_H_

#include <napi.h>

#include <memory>
#include <vector>

#include "common/args.h"
#include "common/backend.h"
#include "common/op.h"

namespace iocp {

struct AddonData;

class Core : public Napi::ObjectWrap<Core>, public CompletionSink {
 public:
  static constexpr uint32_t kCompletionCapacity = 1024;
  static constexpr uint32_t kCompletionWords = 4;

  static Napi::Function Define(Napi::Env env);
  explicit Core(const Napi::CallbackInfo& info);
  ~Core() override;

  // CompletionSink. These should be called from the JavaScript thread.
  void Complete(Op* op, int32_t result, uint32_t aux) override;
  void Flush() override;

 private:
  Napi::Value GetBackend(const Napi::CallbackInfo& info);
  Napi::Value GetPending(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetZeroReads(const Napi::CallbackInfo& info);
  Napi::Value Nop(const Napi::CallbackInfo& info);
  // allowImmediate(on): lets sends the OS takes whole finish at once (see
  // `immediate`) instead of with the next batch.
  Napi::Value AllowImmediate(const Napi::CallbackInfo& info);
  Napi::Value SetZeroReads(const Napi::CallbackInfo& info);
  // Operations (src/common/core_ops.cc).
  Napi::Value Associate(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  Napi::Value Recv(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value RecvFrom(const Napi::CallbackInfo& info);
  Napi::Value SendTo(const Napi::CallbackInfo& info);
  Napi::Value Accept(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value SendFile(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value AcceptPipe(const Napi::CallbackInfo& info);
  Napi::Value WaitHandle(const Napi::CallbackInfo& info);
  // Shared by the buffer operations: (handle, buf, flags).
  Napi::Value BufferOp(const Napi::CallbackInfo& info, OpKind kind);
  // Gives op its bounce memory for buf (see Op), then starts it.
  // Starts a send or write op whose bytes are the array of views at info[i].
  Napi::Value StartGathered(const Napi::CallbackInfo& info, size_t i, Op* op);
  Napi::Value StartBuffered(Napi::Env env, Op* op, const args::Bytes& buf, bool receive);
  // Starts a receive of up to size bytes into a new Buffer (Op::new_buffer).
  Napi::Value StartNewBuffer(Napi::Env env, Op* op, size_t size);
  // Copies a receive's bytes from its bounce memory into its JavaScript
  // buffer, if that still has them (it may have been transferred).
  void CopyOut(Op* op, int32_t result);
  // Delivers a receive's bytes: handed out (see HandOut) when the op asked
  // for it and result is large enough, else copied into its buffer.
  // Returns the result to report (-ENOMEM when the bytes were lost).
  int32_t Deliver(Op* op, int32_t result, uint32_t slot);
  // Makes a receive's bounce memory a new Buffer at received[slot] (no
  // copy); see core.cc for what it returns.
  int HandOut(Op* op, int32_t result, uint32_t slot);
  // Puts a new Buffer with a copy of a receive's bytes at received[slot];
  // false when that failed.
  bool CopyNew(Op* op, int32_t result, uint32_t slot);
  // Puts value at received[slot] and records the slot; false on failure.
  bool PutReceived(napi_value list, uint32_t slot, napi_value value);
  // Empties these slots of `received`.
  void ClearReceived(const uint32_t* slots, size_t count);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value DropBuffer(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // Acquires an op, or throws when the core is closed or full.
  Op* NewOp(Napi::Env env, OpKind kind);
  // Hands op to the backend; returns its id or the negated immediate error.
  // An op the backend finished at once has its id and result in immediate_.
  Napi::Value Start(Napi::Env env, Op* op);
  void OnPendingChanged();
  // Releases an op no completion will come for (never started, refused,
  // or finished during its call).
  void DropOp(Op* op);
  // Calls onCompletions(count); skipped when JavaScript cannot run.
  void CallJs(uint32_t count);
  void CancelAll();
  void Teardown();
  void ReleaseAsyncContext();
  static void CleanupHook(void* arg);

  napi_env env_;
  std::unique_ptr<Backend> backend_;
  BackendKind kind_;
  OpTable ops_;
  Napi::FunctionReference callback_;
  Napi::Reference<Napi::ArrayBuffer> buffer_ref_;
  Napi::Reference<Napi::ArrayBuffer> addresses_ref_;
  uint8_t* addresses_ = nullptr;
  // `received`: slot i holds the Buffer HandOut made for completion record
  // i, slot kCompletionCapacity the one of an op finished at once (read
  // right after the call); emptied after the batch's callback, and the
  // last slot when the next op starts.
  Napi::Reference<Napi::Array> received_ref_;
  std::vector<uint32_t> handed_out_;
  // The last slot holds a Buffer (emptied when the next op starts).
  bool immediate_handed_out_ = false;
  std::unique_ptr<Napi::AsyncContext> async_context_;
  int32_t* records_ = nullptr;
  // [id, result, lent] of the last op started, exposed to JavaScript as
  // `immediate`: id and result when it finished at once (Backend::kDoneNow),
  // else id -1; lent 1 when it receives straight into a receive buffer.
  int32_t* immediate_ = nullptr;
  uint32_t count_ = 0;
  bool closed_ = false;
  bool torn_down_ = false;
  bool referenced_ = false;
  // ops_.pending() as last counted in AddonData::pending_ops.
  size_t counted_pending_ = 0;
  // The environment's instance data, read once at construction (submit and
  // complete update its pending count); null after Teardown, as Node
  // deletes it after the environment's cleanup hooks ran.
  AddonData* data_ = nullptr;
  // True while the completion callback runs.
  bool in_callback_ = false;
};

}  // namespace iocp

#endif  // IOCP_COMMON_CORE_H_
