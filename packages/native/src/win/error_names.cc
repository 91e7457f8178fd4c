// Node-style names of Windows errors: one table, like libuv's src/win/error.c
// uv_translate_sys_error, so that an OSError carries the code ('ECONNRESET')
// that Node users know. Two choices differ from libuv, following CPython and
// the API contract: ERROR_BROKEN_PIPE is EPIPE (libuv says EOF, because its
// reads report it as EOF, which the backend does here too), and Wine's
// STATUS_HANDLES_CLOSED for an operation on a closed handle is ECANCELED,
// like Windows' ERROR_OPERATION_ABORTED for the same case.
#include <winsock2.h>

#include <windows.h>

#include "common/os.h"

// Newer than MinGW-w64's winerror.h.
#ifndef ERROR_HANDLES_CLOSED
#define ERROR_HANDLES_CLOSED 676L
#endif
#ifndef ERROR_ELEVATION_REQUIRED
#define ERROR_ELEVATION_REQUIRED 740L
#endif

namespace iocp::os {

const char* ErrorName(int code) {
  switch (code) {
    case ERROR_NOACCESS:
    case WSAEACCES:
    case ERROR_ELEVATION_REQUIRED:
    case ERROR_CANT_ACCESS_FILE:
    case ERROR_ACCESS_DENIED:
      return "EACCES";
    case ERROR_ADDRESS_ALREADY_ASSOCIATED:
    case WSAEADDRINUSE:
      return "EADDRINUSE";
    case WSAEADDRNOTAVAIL:
      return "EADDRNOTAVAIL";
    case WSAEAFNOSUPPORT:
      return "EAFNOSUPPORT";
    case WSAEWOULDBLOCK:
      return "EAGAIN";
    case WSAEALREADY:
      return "EALREADY";
    case ERROR_INVALID_FLAGS:
    case ERROR_INVALID_HANDLE:
    case WSAEBADF:
      return "EBADF";
    case ERROR_LOCK_VIOLATION:
    case ERROR_PIPE_BUSY:
    case ERROR_SHARING_VIOLATION:
      return "EBUSY";
    case ERROR_OPERATION_ABORTED:
    case WSAEINTR:
    case ERROR_HANDLES_CLOSED:
      return "ECANCELED";
    case ERROR_NO_UNICODE_TRANSLATION:
      return "ECHARSET";
    case ERROR_CONNECTION_ABORTED:
    case WSAECONNABORTED:
      return "ECONNABORTED";
    case ERROR_CONNECTION_REFUSED:
    case WSAECONNREFUSED:
    case ERROR_PORT_UNREACHABLE:
      return "ECONNREFUSED";
    case ERROR_NETNAME_DELETED:
    case WSAECONNRESET:
    case WSAENETRESET:
      return "ECONNRESET";
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
      return "EEXIST";
    case ERROR_BUFFER_OVERFLOW:
    case WSAEFAULT:
      return "EFAULT";
    case ERROR_HOST_UNREACHABLE:
    case WSAEHOSTUNREACH:
      return "EHOSTUNREACH";
    case WSAEHOSTDOWN:
      return "EHOSTDOWN";
    case WSAEINPROGRESS:
    case ERROR_IO_PENDING:
      return "EINPROGRESS";
    case ERROR_INSUFFICIENT_BUFFER:
    case ERROR_INVALID_DATA:
    case ERROR_INVALID_PARAMETER:
    case ERROR_SYMLINK_NOT_SUPPORTED:
    case WSAEINVAL:
    case WSAEPFNOSUPPORT:
      return "EINVAL";
    case ERROR_BEGINNING_OF_MEDIA:
    case ERROR_BUS_RESET:
    case ERROR_CRC:
    case ERROR_DEVICE_DOOR_OPEN:
    case ERROR_DEVICE_REQUIRES_CLEANING:
    case ERROR_DISK_CORRUPT:
    case ERROR_EOM_OVERFLOW:
    case ERROR_FILEMARK_DETECTED:
    case ERROR_GEN_FAILURE:
    case ERROR_INVALID_BLOCK_LENGTH:
    case ERROR_IO_DEVICE:
    case ERROR_NO_DATA_DETECTED:
    case ERROR_NO_SIGNAL_SENT:
    case ERROR_OPEN_FAILED:
    case ERROR_SETMARK_DETECTED:
    case ERROR_SIGNAL_REFUSED:
      return "EIO";
    case WSAEISCONN:
      return "EISCONN";
    case ERROR_INVALID_FUNCTION:
      return "EISDIR";
    case ERROR_CANT_RESOLVE_FILENAME:
      return "ELOOP";
    case ERROR_TOO_MANY_OPEN_FILES:
    case WSAEMFILE:
      return "EMFILE";
    case WSAEMSGSIZE:
    case ERROR_MORE_DATA:
      return "EMSGSIZE";
    case ERROR_FILENAME_EXCED_RANGE:
    case WSAENAMETOOLONG:
      return "ENAMETOOLONG";
    case WSAENETDOWN:
      return "ENETDOWN";
    case ERROR_NETWORK_UNREACHABLE:
    case WSAENETUNREACH:
      return "ENETUNREACH";
    case WSAENOBUFS:
      return "ENOBUFS";
    case ERROR_BAD_PATHNAME:
    case ERROR_DIRECTORY:
    case ERROR_ENVVAR_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_INVALID_REPARSE_DATA:
    case ERROR_MOD_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case WSAHOST_NOT_FOUND:
    case WSANO_DATA:
      return "ENOENT";
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return "ENOMEM";
    case WSAENOPROTOOPT:
      return "ENOPROTOOPT";
    case ERROR_CANNOT_MAKE:
    case ERROR_DISK_FULL:
    case ERROR_EA_TABLE_FULL:
    case ERROR_END_OF_MEDIA:
    case ERROR_HANDLE_DISK_FULL:
      return "ENOSPC";
    case ERROR_NOT_CONNECTED:
    case WSAENOTCONN:
      return "ENOTCONN";
    case ERROR_DIR_NOT_EMPTY:
      return "ENOTEMPTY";
    case WSAENOTSOCK:
      return "ENOTSOCK";
    case ERROR_NOT_SUPPORTED:
    case WSAEOPNOTSUPP:
      return "ENOTSUP";
    case ERROR_HANDLE_EOF:
      return "EOF";
    case ERROR_PRIVILEGE_NOT_HELD:
      return "EPERM";
    case ERROR_BROKEN_PIPE:
    case ERROR_BAD_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
    case WSAESHUTDOWN:
      return "EPIPE";
    case WSAEPROTONOSUPPORT:
      return "EPROTONOSUPPORT";
    case WSAEPROTOTYPE:
      return "EPROTOTYPE";
    case ERROR_WRITE_PROTECT:
      return "EROFS";
    case WSAESOCKTNOSUPPORT:
      return "ESOCKTNOSUPPORT";
    case ERROR_SEM_TIMEOUT:
    case WSAETIMEDOUT:
    case ERROR_TIMEOUT:
    case WAIT_TIMEOUT:
      return "ETIMEDOUT";
    case ERROR_NOT_SAME_DEVICE:
      return "EXDEV";
    case ERROR_META_EXPANSION_TOO_LONG:
      return "E2BIG";
    default:
      return "UNKNOWN";
  }
}

}  // namespace iocp::os
