// ProcessHandleCount on Linux (src/common/os.h): how many fds this process
// holds (the entries of /proc/self/fd, less the one that lists them), for
// the tests' leak check. May be called from any thread.
#include <dirent.h>

#include <cerrno>
#include <cstdint>

#include "common/os.h"

namespace iocp::os {

int64_t ProcessHandleCount() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -errno;
  int64_t count = 0;
  errno = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') count++;
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return -err;
  // The directory stream's own fd is one of the entries.
  return count - 1;
}

}  // namespace iocp::os
