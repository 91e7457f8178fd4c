// Registers the synchronous functions (src/common/sync_api.cc) on exports.
#ifndef IOCP_COMMON_SYNC_API_H_
#define IOCP_COMMON_SYNC_API_H_

#include <napi.h>

namespace iocp {

// This should be called from the JavaScript thread, at addon load.
void RegisterSyncApi(Napi::Env env, Napi::Object exports);
// The process functions (src/common/process_api.cc); called by RegisterSyncApi.
void RegisterProcessApi(Napi::Env env, Napi::Object exports);

}  // namespace iocp

#endif  // IOCP_COMMON_SYNC_API_H_
