// Per-environment state of the addon (jest workers and worker_threads load it
// more than once, so nothing lives in statics).
#ifndef IOCP_COMMON_ADDON_DATA_H_
#define IOCP_COMMON_ADDON_DATA_H_

#include <napi.h>

#include <memory>

#include "common/backend.h"

namespace iocp {

struct AddonData {
  BackendKind default_backend = BackendKind::kEpoll;
  // Per-OS state that lives as long as the environment, shared with the
  // backends that use it (Windows: the Winsock extension functions).
  std::shared_ptr<void> platform;
};

}  // namespace iocp

#endif  // IOCP_COMMON_ADDON_DATA_H_
