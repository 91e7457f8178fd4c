// Per-environment state of the addon (jest workers and worker_threads load it
// more than once, so nothing lives in statics).
#ifndef IOCP_COMMON_ADDON_DATA_H_
#define IOCP_COMMON_ADDON_DATA_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "common/backend.h"
#include "common/receive_buffer.h"

namespace iocp {

struct AddonData {
  BackendKind default_backend = BackendKind::kEpoll;
  // Per-OS state that lives as long as the environment, shared with the
  // backends that use it (Windows: the Winsock extension functions).
  std::shared_ptr<void> platform;

  // The handles this environment opened and has not closed yet: sockets
  // (socket, socketPair, a Core's accepts) and other handles (events,
  // pipes). A worker that is terminated never runs its close() calls, so
  // they are closed when the environment goes, as Node closes a worker's
  // own handles. The Cores' cleanup hooks run first (they were added
  // later), so no operation of this environment still uses them then.
  // This should be called from the environment's JavaScript thread.
  enum class HandleKind : uint8_t { kSocket, kOther };
  std::unordered_map<int64_t, HandleKind> owned;
  void Own(int64_t handle, HandleKind kind) {
    if (handle >= 0) owned[handle] = kind;
  }
  void Disown(int64_t handle) { owned.erase(handle); }
  // How many operations this environment's Cores have pending (submitted,
  // completion not yet delivered), kept by Core::OnPendingChanged: the
  // tests' leak check reads it (pendingOperations()). This should be used
  // from the environment's JavaScript thread.
  size_t pending_ops = 0;
  // The receive buffers (allocReceiveBuffer) whose Buffer is alive; made
  // at the first one. Shared with them: a finalizer may run after this.
  std::shared_ptr<ReceiveRegistry> receive_buffers;
  ~AddonData();
};

}  // namespace iocp

#endif  // IOCP_COMMON_ADDON_DATA_H_
