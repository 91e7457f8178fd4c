#include "win/extensions.h"

#include <new>

namespace iocp::win {

namespace {

// Loads one extension function into *fn; returns 0 or the WSA error.
template <typename Fn>
int Load(SOCKET socket, GUID guid, Fn* fn) {
  DWORD bytes = 0;
  if (WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof(guid), fn, sizeof(*fn),
               &bytes, nullptr, nullptr) == SOCKET_ERROR) {
    *fn = nullptr;
    return WSAGetLastError();
  }
  return 0;
}

}  // namespace

const ExtensionFunctions* ExtensionCache::Get(SOCKET socket, int family, int* error) {
  for (const Entry& e : entries_) {
    if (e.family == family) return &e.functions;
  }
  ExtensionFunctions f;
  // AcceptEx is present in every stream provider; the others are optional.
  int err = Load(socket, WSAID_ACCEPTEX, &f.accept_ex);
  int err2 = Load(socket, WSAID_GETACCEPTEXSOCKADDRS, &f.get_accept_ex_sockaddrs);
  int err3 = Load(socket, WSAID_CONNECTEX, &f.connect_ex);
  int err4 = Load(socket, WSAID_TRANSMITFILE, &f.transmit_file);
  if (err != 0 && err2 != 0 && err3 != 0 && err4 != 0) {
    // Nothing loaded: the socket itself is bad (WSAENOTSOCK); do not cache.
    *error = err;
    return nullptr;
  }
  try {
    entries_.push_back(Entry{family, f});
  } catch (const std::bad_alloc&) {
    *error = ERROR_NOT_ENOUGH_MEMORY;
    return nullptr;
  }
  return &entries_.back().functions;
}

}  // namespace iocp::win
