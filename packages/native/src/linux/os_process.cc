// The process primitives of src/common/os.h on Linux (Spawn,
// ProcessStatus, ProcessSignal), for @iocp/subprocess.
//
// A child is started with posix_spawn: glibc's is built on
// clone(CLONE_VM | CLONE_VFORK), so Node's heap is never copied, and it
// reports a failed exec (ENOENT, EACCES, ENOEXEC) as its return value. The
// child then gets a pidfd, which the proactor waits on (waitHandle) and
// which names this child only, so neither a wait nor a signal can reach
// another process that reused the pid. Children are reaped only by
// ProcessStatus, with waitid on this one child: libuv (and so Node's
// child_process) waits for the pids it spawned only, so nobody else reaps
// ours and we reap nobody else's.
//
// Like CPython's subprocess.Popen (close_fds=True, restore_signals=True),
// the child keeps no fd but its stdio (every fd from 3 up is closed after
// the dup2s), has an empty signal mask and every signal at its default
// disposition: Node ignores SIGPIPE, and a child that inherited that would
// not die writing to a closed pipe.
//
// Every function returns >= 0 or -errno and should be called from the
// JavaScript thread.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "common/os.h"

extern char** environ;

namespace iocp::os {

namespace {

#ifndef P_PIDFD
constexpr idtype_t P_PIDFD = static_cast<idtype_t>(3);
#endif

// A test hook (IOCP_TEST_PIDFD, read once per process; tests only): a
// comma list of what to act as if this kernel lacked, to run the paths of
// older kernels on this one. "open": pidfd_open (before 5.3: ENOSYS);
// "waitid": waitid's P_PIDFD (5.3: EINVAL); "signal": pidfd_send_signal
// (before 5.1: ENOSYS).
struct Missing {
  bool open = false;
  bool waitid = false;
  bool signal = false;
};

const Missing& MissingForTest() {
  static const Missing missing = [] {
    Missing m;
    const char* value = std::getenv("IOCP_TEST_PIDFD");
    if (value != nullptr) {
      std::string list = std::string(",") + value + ",";
      m.open = list.find(",open,") != std::string::npos;
      m.waitid = list.find(",waitid,") != std::string::npos;
      m.signal = list.find(",signal,") != std::string::npos;
    }
    return m;
  }();
  return missing;
}

int PidfdOpen(pid_t pid) {
  if (MissingForTest().open) {
    errno = ENOSYS;
    return -1;
  }
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

int PidfdSendSignal(int pidfd, int sig) {
  if (MissingForTest().signal) {
    errno = ENOSYS;
    return -1;
  }
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Owns a posix_spawn_file_actions_t and a posix_spawnattr_t, destroyed on
// every path out of Spawn.
struct SpawnObjects {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actions_live = false;
  bool attr_live = false;
  SpawnObjects() = default;
  SpawnObjects(const SpawnObjects&) = delete;
  SpawnObjects& operator=(const SpawnObjects&) = delete;
  ~SpawnObjects() {
    if (actions_live) posix_spawn_file_actions_destroy(&actions);
    if (attr_live) posix_spawnattr_destroy(&attr);
  }
};

// Close-on-exec copies of the parent's fds 0 to 2 that serve as a source
// of the child's stdio, closed in the parent when Spawn returns. A dup2
// onto fd i would otherwise clobber a source that a later slot still reads
// (stdio = {1, 0, 2} swaps them), and dup2(i, i) would keep fd i's
// close-on-exec flag on a libc older than glibc 2.29.
struct LowFdCopies {
  int fds[3] = {-1, -1, -1};
  LowFdCopies() = default;
  LowFdCopies(const LowFdCopies&) = delete;
  LowFdCopies& operator=(const LowFdCopies&) = delete;
  ~LowFdCopies() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  // The fd the child's slot is dup2'ed from: `fd` itself from 3 up, a copy
  // at 3 or above for 0 to 2 (one copy per low fd, shared by the slots).
  // Or -errno (-EBADF: the parent has no such fd).
  int Source(int fd) {
    if (fd > 2) return fd;
    if (fds[fd] < 0) {
      int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (copy < 0) return -errno;
      fds[fd] = copy;
    }
    return fds[fd];
  }
};

// A NULL-terminated array of pointers into `strings`, which must outlive it.
std::vector<char*> CStringArray(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Fills the file actions: stdio, cwd, and the closing of every other fd.
// An inherited slot is dup2'ed from a copy of the parent's fd too, like
// libuv's uv__process_child_init, so that the child gets it even when the
// parent's fd is close-on-exec; when the parent has no such fd the child
// gets the null device rather than a hole that its first open would fill.
int AddFileActions(const SpawnSpec& spec, posix_spawn_file_actions_t* actions,
                   LowFdCopies* copies) {
  for (int i = 0; i < 3; ++i) {
    int64_t h = spec.stdio[i];
    int source = -EBADF;
    if (h == kStdioInherit) {
      source = copies->Source(i);
      if (source < 0 && source != -EBADF) return source;
    } else if (h >= 0 && h <= INT32_MAX) {
      source = copies->Source(static_cast<int>(h));
      if (source < 0) return source;
    } else if (h != kStdioNull) {
      return -EBADF;
    }
    int r = source >= 0
                ? posix_spawn_file_actions_adddup2(actions, source, i)
                : posix_spawn_file_actions_addopen(actions, i, "/dev/null", O_RDWR, 0);
    if (r != 0) return -r;
  }
  if (!spec.cwd.empty()) {
    int r = posix_spawn_file_actions_addchdir_np(actions, spec.cwd.c_str());
    if (r != 0) return -r;
  }
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  // Port of subprocess.py's close_fds=True (_posixsubprocess closes every
  // fd from 3 up): an fd that some library made without O_CLOEXEC, or that
  // Node inherited (a jest worker's IPC channel), must not reach the child.
  int r = posix_spawn_file_actions_addclosefrom_np(actions, 3);
  if (r != 0) return -r;
#endif
  return 0;
}

// Every signal, for POSIX_SPAWN_SETSIGDEF. sigfillset leaves out glibc's
// internal signals (SIGCANCEL and SIGSETXID, 32 and 33), and glibc 2.36's
// child then sets those to SIG_IGN, which exec keeps: the child of a plain
// posix_spawn starts with two real-time signals ignored. Their bits are
// set in the set's words directly (sigaddset refuses them), so that the
// child resets them to SIG_DFL like every other signal.
sigset_t AllSignals() {
  sigset_t set;
  sigfillset(&set);
  constexpr size_t kWordBits = 8 * sizeof(unsigned long);
  static_assert(sizeof(sigset_t) % sizeof(unsigned long) == 0, "sigset_t is made of longs");
  unsigned long words[sizeof(sigset_t) / sizeof(unsigned long)];
  std::memcpy(words, &set, sizeof(set));
  for (size_t sig = 1; sig < NSIG && (sig - 1) / kWordBits < std::size(words); ++sig) {
    words[(sig - 1) / kWordBits] |= 1UL << ((sig - 1) % kWordBits);
  }
  std::memcpy(&set, words, sizeof(set));
  return set;
}

// Fills the attributes: an empty signal mask, every signal at its default
// disposition, and a process group of its own when new_group.
int SetAttributes(const SpawnSpec& spec, posix_spawnattr_t* attr) {
  sigset_t none;
  sigemptyset(&none);
  sigset_t all = AllSignals();
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  int r = posix_spawnattr_setsigmask(attr, &none);
  if (r == 0) r = posix_spawnattr_setsigdefault(attr, &all);
  if (r == 0 && spec.new_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    r = posix_spawnattr_setpgroup(attr, 0);
  }
  if (r == 0) r = posix_spawnattr_setflags(attr, flags);
  return -r;
}

// Kills and reaps a child we could not take a pidfd for, so that none is
// left behind.
void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// waitid on this child: P_PIDFD (Linux 5.4), or P_PID on a kernel whose
// waitid does not know pidfds (EINVAL). EINTR is retried.
int WaitChild(int64_t handle, int64_t pid, siginfo_t* info, int options) {
  info->si_pid = 0;
  int r = -1;
  errno = EINVAL;
  if (!MissingForTest().waitid) {
    do {
      r = waitid(P_PIDFD, static_cast<id_t>(handle), info, options);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0 && errno == EINVAL) {
    do {
      r = waitid(P_PID, static_cast<id_t>(pid), info, options);
    } while (r < 0 && errno == EINTR);
  }
  return r < 0 ? -errno : 0;
}

}  // namespace

int Spawn(const SpawnSpec& spec, SpawnResult* out) {
  if (spec.argv.empty()) return -EINVAL;
  SpawnObjects objects;
  int r = posix_spawn_file_actions_init(&objects.actions);
  if (r != 0) return -r;
  objects.actions_live = true;
  r = posix_spawnattr_init(&objects.attr);
  if (r != 0) return -r;
  objects.attr_live = true;

  LowFdCopies copies;
  int err = AddFileActions(spec, &objects.actions, &copies);
  if (err < 0) return err;
  err = SetAttributes(spec, &objects.attr);
  if (err < 0) return err;

  std::vector<char*> argv = CStringArray(spec.argv);
  std::vector<char*> envp;
  if (spec.has_env) envp = CStringArray(spec.env);
  pid_t pid = 0;
  r = posix_spawn(&pid, spec.file.c_str(), &objects.actions, &objects.attr, argv.data(),
                  spec.has_env ? envp.data() : environ);
  if (r != 0) return -r;

  // No one else reaps this child (see the top of the file), so its pid
  // still names it here.
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    err = -errno;
    KillAndReap(pid);
    return err;
  }
  out->pid = pid;
  out->handle = pidfd;
  out->group = spec.new_group ? pid : 0;
  return 0;
}

// Reaps the child when it has ended. The caller calls it once the pidfd
// is readable and keeps the answer: a second call after the child was
// reaped fails with -ECHILD.
int ProcessStatus(int64_t handle, int64_t pid, int* value) {
  siginfo_t info{};
  int r = WaitChild(handle, pid, &info, WEXITED | WNOHANG);
  if (r < 0) return r;
  if (info.si_pid == 0) {
    *value = 0;
    return 0;
  }
  switch (info.si_code) {
    case CLD_EXITED:
      *value = info.si_status;
      return 1;
    case CLD_KILLED:
    case CLD_DUMPED:
      *value = info.si_status;
      return 2;
    default:
      // WEXITED reports nothing else; a stopped child is not waited for.
      return -EINVAL;
  }
}

// A child that has exited but is not reaped yet still takes signals
// (pidfd_send_signal and kill both succeed on a zombie), so its state is
// read first without reaping it (WNOWAIT): the answer is -ESRCH, as for a
// reaped one. A tree signal goes to the group even when its leader has
// exited, since grandchildren may remain; the group id is not protected
// from reuse once every member has gone and the leader is reaped, so the
// caller sends tree signals only while it has not seen the child exit.
int ProcessSignal(int64_t handle, int64_t pid, int64_t group, int sig, bool tree) {
  if (tree && group > 0) {
    if (kill(static_cast<pid_t>(-group), sig) < 0) return -errno;
    return 0;
  }
  siginfo_t info{};
  int r = WaitChild(handle, pid, &info, WEXITED | WNOHANG | WNOWAIT);
  if (r < 0) return r == -ECHILD ? -ESRCH : r;
  if (info.si_pid != 0) return -ESRCH;
  if (PidfdSendSignal(static_cast<int>(handle), sig) == 0) return 0;
  if (errno != ENOSYS) return -errno;
  if (kill(static_cast<pid_t>(pid), sig) < 0) return -errno;
  return 0;
}

}  // namespace iocp::os
