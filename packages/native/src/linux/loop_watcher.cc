#include "linux/loop_watcher.h"

#include <cerrno>
#include <cstdlib>

namespace iocp {

int LoopWatcher::Start(napi_env env, int fd, Client* client, bool with_prepare) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return -EINVAL;
  poll_ = static_cast<uv_poll_t*>(calloc(1, uv_handle_size(uv::kPollHandle)));
  if (poll_ == nullptr) return -ENOMEM;
  int err = uv_poll_init(loop, poll_, fd);
  if (err < 0) {
    free(poll_);
    poll_ = nullptr;
    return err;
  }
  uv_handle_set_data(reinterpret_cast<uv_handle_t*>(poll_), client);
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  err = uv_poll_start(poll_, uv::kReadable, &LoopWatcher::OnPoll);
  if (err < 0) {
    Stop();
    return err;
  }
  if (with_prepare) {
    prepare_ = static_cast<uv_prepare_t*>(calloc(1, uv_handle_size(uv::kPrepareHandle)));
    if (prepare_ == nullptr) {
      Stop();
      return -ENOMEM;
    }
    uv_prepare_init(loop, prepare_);
    uv_handle_set_data(reinterpret_cast<uv_handle_t*>(prepare_), client);
    uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
    uv_prepare_start(prepare_, &LoopWatcher::OnPrepareCb);
  }
  return 0;
}

void LoopWatcher::SetActive(bool active) {
  if (poll_ == nullptr) return;
  auto* h = reinterpret_cast<uv_handle_t*>(poll_);
  if (active) {
    uv_ref(h);
  } else {
    uv_unref(h);
  }
}

void LoopWatcher::Stop() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    uv_handle_set_data(reinterpret_cast<uv_handle_t*>(poll_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), &LoopWatcher::OnClose);
    poll_ = nullptr;
  }
  if (prepare_ != nullptr) {
    uv_prepare_stop(prepare_);
    uv_handle_set_data(reinterpret_cast<uv_handle_t*>(prepare_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(prepare_), &LoopWatcher::OnClose);
    prepare_ = nullptr;
  }
}

void LoopWatcher::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  // On an error status the fd is still read: the backend sees the failure
  // in its own syscall.
  auto* client = static_cast<Client*>(uv_handle_get_data(reinterpret_cast<uv_handle_t*>(handle)));
  if (client != nullptr) client->OnReadable();
}

void LoopWatcher::OnPrepareCb(uv_prepare_t* handle) {
  auto* client = static_cast<Client*>(uv_handle_get_data(reinterpret_cast<uv_handle_t*>(handle)));
  if (client != nullptr) client->OnPrepare();
}

void LoopWatcher::OnClose(uv_handle_t* handle) { free(handle); }

}  // namespace iocp
