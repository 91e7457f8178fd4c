// ProcessHandleCount on Windows (src/common/os.h): how many handles this
// process holds, for the tests' leak check. May be called from any thread.
#include <windows.h>

#include "common/os.h"

namespace iocp::os {

int64_t ProcessHandleCount() {
  DWORD count = 0;
  if (!GetProcessHandleCount(GetCurrentProcess(), &count)) return -static_cast<int64_t>(GetLastError());
  return static_cast<int64_t>(count);
}

}  // namespace iocp::os
