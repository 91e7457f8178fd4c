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

}  // namespace iocp::os

#endif  // IOCP_COMMON_OS_H_
