// Processes: see src/common/os.h (Spawn, ProcessStatus, ProcessSignal).
// Not implemented yet: every function fails with "not implemented".
#include <cerrno>

#include "common/os.h"

namespace iocp::os {

int Spawn(const SpawnSpec&, SpawnResult*) { return -ENOSYS; }

int ProcessStatus(int64_t, int64_t, int*) { return -ENOSYS; }

int ProcessSignal(int64_t, int64_t, int64_t, int, bool) { return -ENOSYS; }

}  // namespace iocp::os
