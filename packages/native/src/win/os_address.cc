// Numeric socket addresses to and from sockaddr bytes (src/common/os.h):
// IPv4, IPv6 with flow info and scope id, and AF_UNIX paths. No name
// resolution happens here. These may be called from any thread.
#include <winsock2.h>

#include <afunix.h>
#include <ws2tcpip.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/op.h"
#include "common/os.h"

namespace iocp::os {

namespace {

static_assert(sizeof(sockaddr_storage) <= kAddrSize, "kAddrSize holds any sockaddr");

int Store(const void* addr, size_t addr_len, uint8_t* out, size_t* len) {
  if (*len < addr_len) return -WSAEFAULT;
  std::memcpy(out, addr, addr_len);
  *len = addr_len;
  return 0;
}

// Strips a zone suffix ("fe80::1%12") from host; it names the scope when no
// scope id was given. Windows zone ids are numbers (the interface index), so
// only numbers are taken; the Linux side also accepts interface names.
int TakeZone(std::string* host, ULONG* scope_id) {
  size_t percent = host->find('%');
  if (percent == std::string::npos) return 0;
  std::string zone = host->substr(percent + 1);
  host->resize(percent);
  if (zone.empty() || zone.size() > 10) return -WSAEINVAL;
  uint64_t n = 0;
  for (char ch : zone) {
    if (ch < '0' || ch > '9') return -WSAEINVAL;
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (n > UINT32_MAX) return -WSAEINVAL;
  if (*scope_id == 0) *scope_id = static_cast<ULONG>(n);
  return 0;
}

}  // namespace

int EncodeAddress(const Address& in, uint8_t* out, size_t* len) {
  if (in.port < 0 || in.port > 65535) return -WSAEINVAL;
  if (in.family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<u_short>(in.port));
    if (inet_pton(AF_INET, in.host.c_str(), &a.sin_addr) != 1) return -WSAEINVAL;
    return Store(&a, sizeof(a), out, len);
  }
  if (in.family == AF_INET6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<u_short>(in.port));
    a.sin6_flowinfo = htonl(in.flowinfo);
    a.sin6_scope_id = in.scope_id;
    std::string host = in.host;
    int err = TakeZone(&host, &a.sin6_scope_id);
    if (err < 0) return err;
    if (inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1) return -WSAEINVAL;
    return Store(&a, sizeof(a), out, len);
  }
  if (in.family == AF_UNIX) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    // The path and its terminating NUL must fit; an embedded NUL would
    // silently name another path.
    if (in.host.size() >= sizeof(a.sun_path)) return -WSAENAMETOOLONG;
    if (in.host.find('\0') != std::string::npos) return -WSAEINVAL;
    std::memcpy(a.sun_path, in.host.data(), in.host.size());
    return Store(&a, sizeof(a), out, len);
  }
  return -WSAEAFNOSUPPORT;
}

int DecodeAddress(const uint8_t* in, size_t len, Address* out) {
  // Copy into aligned storage: `in` may sit at any offset of a JS buffer.
  sockaddr_storage ss{};
  if (len < sizeof(ss.ss_family)) return -WSAEINVAL;
  std::memcpy(&ss, in, len < sizeof(ss) ? len : sizeof(ss));
  char host[INET6_ADDRSTRLEN] = {};
  out->flowinfo = 0;
  out->scope_id = 0;
  if (ss.ss_family == AF_INET) {
    if (len < sizeof(sockaddr_in)) return -WSAEINVAL;
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    if (inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host)) == nullptr) return -WSAGetLastError();
    out->family = AF_INET;
    out->host = host;
    out->port = ntohs(a->sin_port);
    return 0;
  }
  if (ss.ss_family == AF_INET6) {
    if (len < sizeof(sockaddr_in6)) return -WSAEINVAL;
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host)) == nullptr)
      return -WSAGetLastError();
    out->family = AF_INET6;
    out->host = host;
    out->port = ntohs(a->sin6_port);
    out->flowinfo = ntohl(a->sin6_flowinfo);
    out->scope_id = a->sin6_scope_id;
    return 0;
  }
  if (ss.ss_family == AF_UNIX) {
    const auto* a = reinterpret_cast<const sockaddr_un*>(&ss);
    size_t offset = offsetof(sockaddr_un, sun_path);
    size_t max = len > offset ? len - offset : 0;
    if (max > sizeof(a->sun_path)) max = sizeof(a->sun_path);
    out->family = AF_UNIX;
    out->host.assign(a->sun_path, strnlen(a->sun_path, max));
    out->port = 0;
    return 0;
  }
  return -WSAEAFNOSUPPORT;
}

}  // namespace iocp::os
