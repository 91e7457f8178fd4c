// The Winsock extension functions (AcceptEx, GetAcceptExSockaddrs, ConnectEx,
// TransmitFile). They are not exported by ws2_32: each provider hands out its
// own through WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER), so they are loaded
// once per environment and address family, from a socket of that family (as
// libuv's src/win/winsock.c and CPython's overlapped.c initialize_function_pointers do).
#ifndef IOCP_WIN_EXTENSIONS_H_
#define IOCP_WIN_EXTENSIONS_H_

#include <winsock2.h>

#include <mswsock.h>

#include <deque>

namespace iocp::win {

struct ExtensionFunctions {
  // A function the provider lacks stays null (AF_UNIX, for instance, may
  // have no ConnectEx or TransmitFile).
  LPFN_ACCEPTEX accept_ex = nullptr;
  LPFN_GETACCEPTEXSOCKADDRS get_accept_ex_sockaddrs = nullptr;
  LPFN_CONNECTEX connect_ex = nullptr;
  LPFN_TRANSMITFILE transmit_file = nullptr;
};

// One environment's table, shared by its backends through AddonData::platform.
// This should be called from the JavaScript thread (each environment has its
// own table, so no lock is needed).
class ExtensionCache {
 public:
  // Returns the functions of the provider behind socket (whose address family
  // is family), loading them on the first call for that family. Returns
  // nullptr with *error set when none can be loaded.
  const ExtensionFunctions* Get(SOCKET socket, int family, int* error);

 private:
  struct Entry {
    int family;
    ExtensionFunctions functions;
  };
  // A deque keeps returned pointers valid as families are added.
  std::deque<Entry> entries_;
};

}  // namespace iocp::win

#endif  // IOCP_WIN_EXTENSIONS_H_
