// The pipe primitives of src/common/os.h on Linux. A named pipe
// (\\.\pipe\NAME, mapped to a path by @iocp/proactor) is a Unix stream
// socket at a path (a SOCK_SEQPACKET one in message mode: clients try a
// stream socket and take the other type when connect says EPROTOTYPE);
// pipe() is a socketpair (duplex) or a pipe2. Every
// function returns >= 0 or -errno and should be called from the JavaScript
// thread.
//
// Squatting and leftover files. A socket file outlives its server: one that
// crashed leaves a file nobody listens on, which the next server must be
// able to replace, while a live server must never be replaced (Windows
// refuses a second first instance with ERROR_ACCESS_DENIED). The rules:
//
// 1. The private folder. A path whose folder is named iocp-pipes-<euid>
//    (the default folder, ${XDG_RUNTIME_DIR or /tmp}/iocp-pipes-<euid>) is
//    created with mode 0700 by a server. Servers and clients both refuse
//    (-EPERM) such a folder when it is a symlink, belongs to another user or
//    is open to others: in /tmp anybody could have made it first, to catch
//    our clients or to take our servers' names.
// 2. Only a listening socket is ever published. A server binds at a random
//    temporary name in the same folder, gives it its mode (0600 unless
//    the server lets others in) and listens (nobody
//    else can connect before the chmod, as a socket that is not listening
//    refuses connections), then link()s it to the path. link never replaces
//    a file, so two servers cannot both win; and the path never names a
//    socket that is not listening yet, so a socket file there that refuses
//    connections is a leftover.
// 3. When the path is taken: anything but a socket is left alone (-EEXIST);
//    a socket that takes a probe connection, or is busy (EAGAIN), belongs to
//    a live server (-EACCES: PermissionError, as on Windows); one that
//    refuses it (ECONNREFUSED) is a leftover, removed, and link is retried.
//    The live server sees the probe as a client that connects and leaves.
// 4. A leftover is removed without ever removing a live server: between
//    the probe and the removal another server may have replaced it with its
//    own socket. So the file is first renamed to a private temporary name
//    (an atomic take of whatever is at the path) and its inode compared with
//    the probed one; only the probed file is unlinked, anything else is
//    linked back, and the next round finds a live server. One race remains:
//    if a third server publishes in the instant between that rename and the
//    link back, the link back fails and the socket taken by mistake is lost
//    (its server keeps running, unreachable).
// Closing a server: PipeRelease removes the file once nobody listens there
// (same probe and removal). Paths outside the private folder are used as
// given: their folder must be writable by trusted users only.
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/os.h"

namespace iocp::os {

namespace {

// Rounds of link / leftover removal, and tries of a temporary name.
constexpr int kAttempts = 8;

// The sockaddr of a path; false when it does not fit sun_path.
bool UnixAddress(const std::string& path, sockaddr_un* sa, socklen_t* len) {
  std::memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa->sun_path)) return false;
  std::memcpy(sa->sun_path, path.data(), path.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

// A non-blocking Unix socket: SOCK_STREAM, or SOCK_SEQPACKET for a
// message-mode pipe.
int NewUnixSocket(int type = SOCK_STREAM) {
  int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

// The send buffer of a message-mode connection. A SOCK_SEQPACKET send
// fails with EMSGSIZE when the message is longer than the socket's send
// buffer (the kernel doubles this value) less 32 bytes, so no message is
// longer than 65504 bytes, and a 64 KiB read (the transports' read size)
// never cuts one (a Unix seqpacket read drops what does not fit).
constexpr int kMessageSendBuffer = 32768;

int LimitMessageSize(int fd) {
  int size = kMessageSendBuffer;
  return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0 ? -errno : 0;
}

// Connects a new socket of `type` to sa: the fd, or -errno.
int ConnectUnix(const sockaddr_un& sa, socklen_t len, int type) {
  int fd = NewUnixSocket(type);
  if (fd < 0) return fd;
  if (type == SOCK_SEQPACKET) {
    int err = LimitMessageSize(fd);
    if (err < 0) {
      close(fd);
      return err;
    }
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), len) == 0) return fd;
  int err = errno;
  close(fd);
  return -err;
}

// Connects to path as a byte-stream client, or, when the listener there is
// a message-mode one (EPROTOTYPE: a socket of the other type), as a
// message-mode client: the fd, or -errno.
int ConnectEither(const sockaddr_un& sa, socklen_t len) {
  int fd = ConnectUnix(sa, len, SOCK_STREAM);
  return fd == -EPROTOTYPE ? ConnectUnix(sa, len, SOCK_SEQPACKET) : fd;
}

// The folder of an absolute path ("/" for "/x").
std::string FolderOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// Rule 1: the private folder is one named iocp-pipes-<euid>.
bool IsPrivateFolder(const std::string& dir) {
  std::string want = "/iocp-pipes-" + std::to_string(geteuid());
  return dir.size() >= want.size() && dir.compare(dir.size() - want.size(), want.size(), want) == 0;
}

int CheckPrivateFolder(const std::string& dir, bool create) {
  if (create && mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return -errno;
  struct stat st;
  if (lstat(dir.c_str(), &st) < 0) return -errno;
  if (S_ISLNK(st.st_mode)) return -EPERM;
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) return -EPERM;
  return 0;
}

int CheckFolderOf(const std::string& path, bool create) {
  std::string dir = FolderOf(path);
  return IsPrivateFolder(dir) ? CheckPrivateFolder(dir, create) : 0;
}

// The characters of a temporary name after its folder: "/.iocp-" and 12.
constexpr size_t kTemporaryNameTail = 7 + 12;

// True when every temporary name in dir (below) fits sun_path.
bool TemporaryNameFits(const std::string& dir) {
  size_t size = (dir == "/" ? 0 : dir.size()) + kTemporaryNameTail;
  return size < sizeof(sockaddr_un::sun_path);
}

// A random name in dir: "<dir>/.iocp-" and 12 base-32 characters.
std::string TemporaryName(const std::string& dir) {
  static constexpr char kDigits[] = "abcdefghijklmnopqrstuvwxyz234567";
  unsigned char bytes[12];
  if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != static_cast<ssize_t>(sizeof(bytes))) {
    // No entropy yet (early boot): the clock, the pid and a counter still
    // differ between calls, and a name that exists fails bind and is retried.
    // The counter is process-wide on purpose: every copy of the addon in the
    // process (worker threads) must draw different names.
    static std::atomic<uint64_t> counter{0};
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 30) ^
                 (static_cast<uint64_t>(getpid()) << 40) ^
                 (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
    for (unsigned char& b : bytes) {
      x ^= x >> 29;
      x *= 0xBF58476D1CE4E5B9ull;
      b = static_cast<unsigned char>(x >> 56);
    }
  }
  std::string name = (dir == "/" ? std::string() : dir) + "/.iocp-";
  for (unsigned char b : bytes) name += kDigits[b & 31];
  return name;
}

// Connects a probe to path: 0 when a server listens there (it took the
// connection, or its backlog is full), else -errno (-ECONNREFUSED: a
// socket file nobody listens on; -ENOENT: no file).
int Probe(const std::string& path) {
  sockaddr_un sa;
  socklen_t len;
  if (!UnixAddress(path, &sa, &len)) return -ENAMETOOLONG;
  int fd = ConnectEither(sa, len);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return fd == -EAGAIN ? 0 : fd;
}

// Rule 4: removes the file at path if it is still the probed one. Returns
// 0 (removed, gone, or someone else's file put back) or -errno.
int RemoveIfSame(const std::string& path, const struct stat& probed) {
  std::string grave = TemporaryName(FolderOf(path));
  if (rename(path.c_str(), grave.c_str()) < 0) return errno == ENOENT ? 0 : -errno;
  struct stat taken;
  if (lstat(grave.c_str(), &taken) < 0 || taken.st_dev != probed.st_dev ||
      taken.st_ino != probed.st_ino) {
    // Another server published here after the probe: give its file back.
    link(grave.c_str(), path.c_str());
  }
  unlink(grave.c_str());
  return 0;
}

// Rule 3, when link() found the path taken. Returns 0 when the path is free
// again (the file vanished, or was a leftover and is removed), else -errno.
int ClearLeftover(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISSOCK(st.st_mode)) return -EEXIST;
  int r = Probe(path);
  if (r == 0) return -EACCES;  // A live server.
  if (r == -ENOENT) return 0;
  if (r != -ECONNREFUSED) return r;  // EACCES: a socket we may not even use.
  return RemoveIfSame(path, st);
}

// Rule 2: a socket listening at a fresh temporary name in dir, with the
// mode of spec (0600 unless the server lets others in).
int ListenAtTemporaryName(const std::string& dir, const PipeInstanceSpec& spec,
                          std::string* tmp) {
  for (int i = 0; i < kAttempts; i++) {
    *tmp = TemporaryName(dir);
    sockaddr_un sa;
    socklen_t len;
    if (!UnixAddress(*tmp, &sa, &len)) return -ENAMETOOLONG;
    int fd = NewUnixSocket(spec.message ? SOCK_SEQPACKET : SOCK_STREAM);
    if (fd < 0) return fd;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) < 0) {
      int err = errno;
      close(fd);
      if (err == EADDRINUSE) continue;
      return -err;
    }
    if (chmod(tmp->c_str(), static_cast<mode_t>(spec.mode & 0777)) < 0 || listen(fd, SOMAXCONN) < 0) {
      int err = errno;
      unlink(tmp->c_str());
      close(fd);
      return -err;
    }
    return fd;
  }
  return -EADDRINUSE;
}

int SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && fcntl(fd, F_SETFL, want) < 0) return -errno;
  return 0;
}

}  // namespace

int64_t PipeInstance(const std::string& name, const PipeInstanceSpec& spec) {
  if (name.empty() || name[0] != '/') return -EINVAL;
  sockaddr_un sa;
  socklen_t len;
  // Both names this uses must fit before anything (the folder) is created.
  if (!UnixAddress(name, &sa, &len) || !TemporaryNameFits(FolderOf(name))) return -ENAMETOOLONG;
  int err = CheckFolderOf(name, true);
  if (err < 0) return err;
  std::string tmp;
  int fd = ListenAtTemporaryName(FolderOf(name), spec, &tmp);
  if (fd < 0) return fd;
  err = -EADDRINUSE;  // Still taken after every round: servers keep racing for it.
  for (int i = 0; i < kAttempts; i++) {
    if (link(tmp.c_str(), name.c_str()) == 0) {
      err = 0;
      break;
    }
    if (errno != EEXIST) {
      err = -errno;
      break;
    }
    int r = ClearLeftover(name);
    if (r < 0) {
      err = r;
      break;
    }
  }
  unlink(tmp.c_str());
  if (err < 0) {
    close(fd);
    return err;
  }
  return fd;
}

int64_t PipeOpen(const std::string& name) {
  if (name.empty() || name[0] != '/') return -EINVAL;
  sockaddr_un sa;
  socklen_t len;
  if (!UnixAddress(name, &sa, &len)) return -ENAMETOOLONG;
  int err = CheckFolderOf(name, false);
  if (err < 0) return err;
  // A Unix connect never waits: it is done, refused, or EAGAIN when the
  // listener's backlog is full (Windows: ERROR_PIPE_BUSY).
  int fd = ConnectEither(sa, len);
  // A socket file nobody listens on is a server that is gone: as on
  // Windows, the pipe does not exist.
  return fd == -ECONNREFUSED ? -ENOENT : fd;
}

int PipePair(bool duplex, bool overlapped_read, bool overlapped_write, uint32_t /*bufsize*/,
             int64_t out[2]) {
  int fds[2];
  int r = duplex ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : pipe2(fds, O_CLOEXEC);
  if (r < 0) return -errno;
  // O_NONBLOCK belongs to each end's open file description, so the ends
  // can differ: the blocking one is meant for a child process.
  int err = SetNonBlocking(fds[0], overlapped_read);
  if (err == 0) err = SetNonBlocking(fds[1], overlapped_write);
  if (err < 0) {
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  out[0] = fds[0];
  out[1] = fds[1];
  return 0;
}

int PipeSecurity(int64_t /*handle*/, std::string* /*sddl*/) { return -ENOSYS; }

int PipeRelease(const std::string& name) {
  if (name.empty() || name[0] != '/') return -EINVAL;
  int err = CheckFolderOf(name, false);
  if (err < 0) return err;
  struct stat st;
  if (lstat(name.c_str(), &st) < 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISSOCK(st.st_mode)) return 0;
  // Another server took the name since, or it is gone: nothing to remove.
  if (Probe(name) != -ECONNREFUSED) return 0;
  return RemoveIfSame(name, st);
}

}  // namespace iocp::os
