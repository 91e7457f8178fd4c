// Synchronous OS primitives, one implementation per OS (src/linux/os.cc,
// src/win/os.cc); src/common/sync_api.cc exposes them to JavaScript.
// Handles are fds on Linux and HANDLE/SOCKET values on Windows. Functions
// return >= 0 on success or a negated system error (-errno / -winerror).
// These should be called from the JavaScript thread.
#ifndef IOCP_COMMON_OS_H_
#define IOCP_COMMON_OS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace iocp::os {

struct Constants {
  int af_inet, af_inet6, af_unix;
  int sock_stream, sock_dgram;
  int shut_rd, shut_wr, shut_rdwr;
  int msg_peek, msg_oob;
  int sol_socket, so_reuseaddr, so_keepalive, so_rcvbuf, so_sndbuf, so_broadcast, so_error;
  int ipproto_tcp, tcp_nodelay;
};
const Constants& GetConstants();

// The Node-style code of a system error ("ECONNRESET"); Windows errors as
// libuv's uv_translate_sys_error maps them. Never null.
const char* ErrorName(int code);
bool IsWine();

int64_t Socket(int family, int type);
int SocketPair(int family, int type, int64_t out[2]);
int Bind(int64_t handle, const uint8_t* addr, size_t len);
int Listen(int64_t handle, int backlog);
// Write up to *len bytes of the address into out; set *len to its size.
int GetSockName(int64_t handle, uint8_t* out, size_t* len);
int GetPeerName(int64_t handle, uint8_t* out, size_t* len);
int SetSockOpt(int64_t handle, int level, int name, int value);
int GetSockOpt(int64_t handle, int level, int name, int* value);
int Shutdown(int64_t handle, int how);
int CloseSocket(int64_t handle);

// A parsed socket address.
struct Address {
  int family = 0;  // The OS's AF_* value.
  std::string host;  // Numeric host, or the path for AF_UNIX.
  int port = 0;
  uint32_t flowinfo = 0;
  uint32_t scope_id = 0;
};
// Encodes a numeric address (no name resolution) into out (kAddrSize bytes).
int EncodeAddress(const Address& in, uint8_t* out, size_t* len);
// Decodes len bytes of a sockaddr; returns 0 or a negated EINVAL-like error.
int DecodeAddress(const uint8_t* in, size_t len, Address* out);

int64_t EventCreate(bool manual_reset, bool initial_state);
int EventSet(int64_t handle);
// Linux: 1 when the event was set (this call reset it), 0 when it was not.
// Windows: 0.
int EventReset(int64_t handle);
// 1 when set, 0 when not.
int EventIsSet(int64_t handle);
int CloseHandle(int64_t handle);
int64_t FdToHandle(int fd);

// Pipes (src/win/os_pipe.cc, src/linux/os_pipe.cc). `name` is a pipe name
// (\\.\pipe\NAME) on Windows and the absolute path of a Unix socket on
// Linux; the caller has checked it is not empty and holds no NUL byte.
//
// How a server instance is made (PipeInstance). Defaults: a first,
// owner-only instance; message mode on Windows (CPython's
// PipeServer._server_pipe_handle), a byte stream on Linux.
struct PipeInstanceSpec {
  // Windows: FILE_FLAG_FIRST_PIPE_INSTANCE. Linux: every instance is
  // exclusive (one path, one listener), whatever this says.
  bool first = true;
  // Windows: PIPE_REJECT_REMOTE_CLIENTS. Unix sockets are local anyway.
  bool reject_remote = true;
#ifdef _WIN32
  bool message = true;
#else
  bool message = false;
#endif
  // Windows: CreateNamedPipeW's buffer sizes. Linux: SO_RCVBUF/SO_SNDBUF
  // belong to each connection, so @iocp/pipes sets them on accepted ones.
  uint32_t in_size = 8192;
  uint32_t out_size = 8192;
  // Windows: nMaxInstances, 1 to 255 (255: PIPE_UNLIMITED_INSTANCES).
  uint32_t max_instances = 255;
  // Linux: the socket's permission bits (0600: owner only).
  uint32_t mode = 0600;
  // Windows: an SDDL security descriptor; empty means owner only (the
  // current user and SYSTEM, full access, no inherited entries).
  std::string sddl;
};

// A server instance. Windows: CreateNamedPipeW, overlapped, in message
// mode (PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE) or byte mode, with the
// security descriptor of spec.sddl or the owner-only one. Linux: a
// listening socket (SOCK_STREAM, or SOCK_SEQPACKET in message mode)
// published at the path with spec.mode: a live server there is -EACCES, a
// leftover socket file is replaced. See os_pipe.cc for the squatting rules.
int64_t PipeInstance(const std::string& name, const PipeInstanceSpec& spec);
// A client end, connected at once or not at all (no waiting): -ENOENT /
// -ERROR_FILE_NOT_FOUND when no server is there, -EAGAIN / -ERROR_PIPE_BUSY
// when every instance is taken (Linux: the backlog is full). A message-mode
// pipe's client end reads whole messages too (Windows: PIPE_READMODE_MESSAGE;
// Linux: a SOCK_SEQPACKET socket, with a send buffer that refuses a message
// longer than 65504 bytes rather than let a 64 KiB read cut it).
int64_t PipeOpen(const std::string& name);
// windows_utils.pipe(): out[0] is the read end (the server end when
// duplex), out[1] the write end. An end that is not overlapped is a
// synchronous handle (Windows) or a blocking fd (Linux), for a child process.
int PipePair(bool duplex, bool overlapped_read, bool overlapped_write, uint32_t bufsize,
             int64_t out[2]);
// Windows: the DACL of a pipe handle as SDDL ("D:P(A;;GA;;;SY)..."), read
// back with GetSecurityInfo; 0 or -GetLastError(). Linux: -ENOSYS (a
// socket file's mode is read with stat).
int PipeSecurity(int64_t handle, std::string* sddl);
// Call after closing a server instance. Linux: removes the socket file at
// `name` when no server listens there any more. Windows: nothing to do.
int PipeRelease(const std::string& name);

// Processes (src/linux/os_process.cc, src/win/os_process.cc), for
// @iocp/subprocess. Port of windows_utils.Popen / _winapi.CreateProcess on
// Windows; posix_spawn (vfork-style, no copy of Node's heap) on Linux.
// The child gets the parent's own fd 0/1/2 (standard handle on Windows), or
// the null device when the parent has none.
constexpr int64_t kStdioInherit = -1;
// The child gets the null device.
constexpr int64_t kStdioNull = -2;
struct SpawnSpec {
  // Linux: the path executed, already resolved by the caller (no PATH
  // search here). Windows: lpApplicationName; empty passes NULL, so
  // CreateProcessW takes the program from command_line and searches for it.
  std::string file;
  // Linux: argv, argv[0] first. Windows: unused.
  std::vector<std::string> argv;
  // Windows: the whole command line (quoted by the caller with
  // CommandLineToArgvW's rules), UTF-8. Linux: unused.
  std::string command_line;
  // The child's environment as "KEY=VALUE" entries when has_env; otherwise
  // the child inherits the parent's environment.
  bool has_env = false;
  std::vector<std::string> env;
  // The child's working directory; empty: the parent's.
  std::string cwd;
  // The child's stdin, stdout, stderr: a handle (fd) of the parent, which
  // stays open in the parent (the caller closes its copy after Spawn), or
  // kStdioInherit / kStdioNull. One handle may serve two slots.
  int64_t stdio[3] = {kStdioInherit, kStdioInherit, kStdioInherit};
  // Put the child in a group of its own that ProcessSignal(tree = true)
  // reaches as a whole: a Job Object (and CREATE_NEW_PROCESS_GROUP) on
  // Windows, a new process group on Linux.
  bool new_group = false;
};
struct SpawnResult {
  int64_t pid = 0;
  // Waitable until the child exits: the process HANDLE on Windows, a pidfd
  // (O_CLOEXEC) on Linux. The caller closes it with CloseHandle.
  int64_t handle = -1;
  // Windows: the Job Object HANDLE when new_group, else 0 (the caller closes
  // it with CloseHandle). Linux: the process group id when new_group, else 0.
  int64_t group = 0;
};
// Starts a child; 0 or a negated error (a program that does not exist:
// -ENOENT / -ERROR_FILE_NOT_FOUND; not executable or a directory: -EACCES
// / -ERROR_ACCESS_DENIED). The child inherits no handle except its three
// stdio ones (Linux: every fd we make is O_CLOEXEC; Windows:
// PROC_THREAD_ATTRIBUTE_HANDLE_LIST). It starts with default signal
// dispositions and an empty signal mask (Linux). On failure nothing is
// left behind (no child, no handle).
int Spawn(const SpawnSpec& spec, SpawnResult* out);
// The child's state, without blocking: 0 while it runs; 1 when it exited,
// with *value = its exit code; 2 when a signal ended it (Linux), with
// *value = the signal number. Linux reaps the child (waitid on this pid
// only, never on other children), so call it once the handle is signalled
// and keep the answer: a second call then fails with -ECHILD. Windows: an
// exit code above INT_MAX (an NTSTATUS) comes out negative; read it back
// as unsigned. Or a negated error.
int ProcessStatus(int64_t handle, int64_t pid, int* value);
// Sends signal `sig` to the child (tree: to its group, see new_group).
// Linux: pidfd_send_signal (no pid-reuse race), or kill(-group) for a tree.
// Windows: 9 (SIGKILL) and 15 (SIGTERM) call TerminateProcess(handle, 1)
// (tree: TerminateJobObject(group, 1)); 2 (SIGINT) and 21 (SIGBREAK) send
// CTRL_C_EVENT / CTRL_BREAK_EVENT to the child's process group
// (GenerateConsoleCtrlEvent); others: -ERROR_INVALID_PARAMETER. A child
// that already exited: -ESRCH on Linux; on Windows TerminateProcess's
// ERROR_ACCESS_DENIED for an exited process is reported as 0 (as CPython's
// Popen.terminate ignores it when the process has a return code).
int ProcessSignal(int64_t handle, int64_t pid, int64_t group, int sig, bool tree);

}  // namespace iocp::os

#endif  // IOCP_COMMON_OS_H_
