// Per-environment state of the addon (jest workers and worker_threads load it
// more than once, so nothing lives in statics).
#ifndef IOCP_COMMON_ADDON_DATA_H_
#define IOCP_COMMON_ADDON_DATA_H_

#include <napi.h>

#include "common/backend.h"

namespace iocp {

struct AddonData {
  BackendKind default_backend = BackendKind::kEpoll;
};

}  // namespace iocp

#endif  // IOCP_COMMON_ADDON_DATA_H_
