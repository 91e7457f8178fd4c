// Processes: see src/common/os.h (Spawn, ProcessStatus, ProcessSignal).
// Not implemented yet: every function fails with "not implemented".
#include <windows.h>

#include "common/os.h"

namespace iocp::os {

int Spawn(const SpawnSpec&, SpawnResult*) { return -static_cast<int>(ERROR_CALL_NOT_IMPLEMENTED); }

int ProcessStatus(int64_t, int64_t, int*) { return -static_cast<int>(ERROR_CALL_NOT_IMPLEMENTED); }

int ProcessSignal(int64_t, int64_t, int64_t, int, bool) { return -static_cast<int>(ERROR_CALL_NOT_IMPLEMENTED); }

}  // namespace iocp::os
