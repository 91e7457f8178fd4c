// ProcessHandleCount on Windows (src/common/os.h): how many handles this
// process holds, for the tests' leak check. May be called from any thread.
#include <windows.h>

#include <cstdint>

#include "common/os.h"

namespace iocp::os {

namespace {

// Handle values are multiples of 4, and the handle table hands out the
// lowest free entry first, so the open handles sit below the first long run
// of unused values. This many unused values in a row end the count.
constexpr uintptr_t kUnusedRun = 4096;

// Counts the handle values GetHandleInformation accepts, from 4 up to the
// first kUnusedRun values in a row that it refuses.
int64_t ProbeHandles() {
  int64_t count = 0;
  uintptr_t unused = 0;
  for (uintptr_t value = 4; unused < kUnusedRun; value += 4) {
    DWORD flags = 0;
    if (GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags)) {
      count++;
      unused = 0;
    } else {
      unused++;
    }
  }
  return count;
}

}  // namespace

int64_t ProcessHandleCount() {
  DWORD count = 0;
  if (!GetProcessHandleCount(GetCurrentProcess(), &count)) return -static_cast<int64_t>(GetLastError());
  // A process always holds handles; Wine's ProcessHandleCount is a stub
  // that reports 0 (wine 8), so the handles are counted one by one there.
  if (count == 0) return ProbeHandles();
  return static_cast<int64_t>(count);
}

}  // namespace iocp::os
