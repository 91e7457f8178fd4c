#include "linux/loop_watcher.h"

#include <cerrno>
#include <cstdlib>
#include <new>

namespace iocp {

namespace {

uv_handle_t* AsHandle(void* h) { return static_cast<uv_handle_t*>(h); }

}  // namespace

int LoopWatcher::Start(napi_env env, int fd, Client* client, bool with_prepare) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return -EINVAL;
  auto* block = new (std::nothrow) Block();
  if (block == nullptr) return -ENOMEM;
  block_ = block;
  if (napi_add_async_cleanup_hook(env, &LoopWatcher::OnEnvCleanup, block, &block->hook) != napi_ok) {
    block->hook = nullptr;
    Stop();
    return -ENOMEM;
  }
  block->poll = static_cast<uv_poll_t*>(calloc(1, uv_handle_size(uv::kPollHandle)));
  if (block->poll == nullptr) {
    Stop();
    return -ENOMEM;
  }
  int err = uv_poll_init(loop, block->poll, fd);
  if (err < 0) {
    free(block->poll);
    block->poll = nullptr;
    Stop();
    return err;
  }
  ++block->open;
  uv_handle_set_data(AsHandle(block->poll), client);
  uv_unref(AsHandle(block->poll));
  err = uv_poll_start(block->poll, uv::kReadable, &LoopWatcher::OnPoll);
  if (err < 0) {
    Stop();
    return err;
  }
  if (with_prepare) {
    block->prepare = static_cast<uv_prepare_t*>(calloc(1, uv_handle_size(uv::kPrepareHandle)));
    if (block->prepare == nullptr) {
      Stop();
      return -ENOMEM;
    }
    uv_prepare_init(loop, block->prepare);
    ++block->open;
    uv_handle_set_data(AsHandle(block->prepare), client);
    uv_unref(AsHandle(block->prepare));
    uv_prepare_start(block->prepare, &LoopWatcher::OnPrepareCb);
  }
  return 0;
}

void LoopWatcher::SetActive(bool active) {
  if (block_ == nullptr || block_->closing || block_->poll == nullptr) return;
  if (active) {
    uv_ref(AsHandle(block_->poll));
  } else {
    uv_unref(AsHandle(block_->poll));
  }
}

void LoopWatcher::Stop() {
  Block* block = block_;
  if (block == nullptr) return;
  block_ = nullptr;
  Close(block);
  block->owned = false;
  MaybeFinish(block);
}

// Stops and closes the handles once; their data now points at the block, so
// no callback reaches the client any more.
void LoopWatcher::Close(Block* block) {
  if (block->closing) return;
  block->closing = true;
  if (block->poll != nullptr) {
    uv_poll_stop(block->poll);
    uv_handle_set_data(AsHandle(block->poll), block);
    uv_close(AsHandle(block->poll), &LoopWatcher::OnClose);
  }
  if (block->prepare != nullptr) {
    uv_prepare_stop(block->prepare);
    uv_handle_set_data(AsHandle(block->prepare), block);
    uv_close(AsHandle(block->prepare), &LoopWatcher::OnClose);
  }
}

// Once every handle is closed: lets the environment's teardown go on, and
// frees the block when the watcher no longer points at it.
void LoopWatcher::MaybeFinish(Block* block) {
  if (!block->closing || block->open > 0) return;
  if (block->hook != nullptr) {
    napi_remove_async_cleanup_hook(block->hook);
    block->hook = nullptr;
  }
  if (!block->owned) delete block;
}

// The environment is going away (a worker ends, the process exits) and the
// watcher may still be open: close the handles now; teardown waits until
// their close callbacks ran.
void LoopWatcher::OnEnvCleanup(napi_async_cleanup_hook_handle /*handle*/, void* arg) {
  auto* block = static_cast<Block*>(arg);
  Close(block);
  MaybeFinish(block);
}

void LoopWatcher::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  // On an error status the fd is still read: the backend sees the failure
  // in its own syscall.
  auto* client = static_cast<Client*>(uv_handle_get_data(AsHandle(handle)));
  if (client != nullptr) client->OnReadable();
}

void LoopWatcher::OnPrepareCb(uv_prepare_t* handle) {
  auto* client = static_cast<Client*>(uv_handle_get_data(AsHandle(handle)));
  if (client != nullptr) client->OnPrepare();
}

void LoopWatcher::OnClose(uv_handle_t* handle) {
  auto* block = static_cast<Block*>(uv_handle_get_data(handle));
  free(handle);
  --block->open;
  MaybeFinish(block);
}

}  // namespace iocp
