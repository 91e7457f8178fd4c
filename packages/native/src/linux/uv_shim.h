// The few libuv functions the Linux backends use, declared against libuv's
// stable 1.x ABI. Node exports these symbols from its own binary; the handles
// stay opaque (allocated with uv_handle_size, data set through the accessor
// functions), so no libuv header is needed at build time.
#ifndef IOCP_LINUX_UV_SHIM_H_
#define IOCP_LINUX_UV_SHIM_H_

#include <cstddef>

extern "C" {
typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef struct uv_prepare_s uv_prepare_t;
typedef void (*uv_poll_cb)(uv_poll_t* handle, int status, int events);
typedef void (*uv_prepare_cb)(uv_prepare_t* handle);
typedef void (*uv_close_cb)(uv_handle_t* handle);

size_t uv_handle_size(int type);
void* uv_handle_get_data(const uv_handle_t* handle);
void uv_handle_set_data(uv_handle_t* handle, void* data);
int uv_poll_init(uv_loop_t* loop, uv_poll_t* handle, int fd);
int uv_poll_start(uv_poll_t* handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t* handle);
int uv_prepare_init(uv_loop_t* loop, uv_prepare_t* handle);
int uv_prepare_start(uv_prepare_t* handle, uv_prepare_cb cb);
int uv_prepare_stop(uv_prepare_t* handle);
void uv_close(uv_handle_t* handle, uv_close_cb close_cb);
void uv_ref(uv_handle_t* handle);
void uv_unref(uv_handle_t* handle);
}

namespace iocp::uv {

// Values of uv_handle_type and uv_poll_event in libuv 1.x (uv.h).
constexpr int kPollHandle = 8;     // UV_POLL
constexpr int kPrepareHandle = 9;  // UV_PREPARE
constexpr int kReadable = 1;       // UV_READABLE

}  // namespace iocp::uv

#endif  // IOCP_LINUX_UV_SHIM_H_
