// Watches one file descriptor from Node's own libuv loop (no thread hop), and
// optionally runs a hook right before each poll phase (used by io_uring to
// flush queued submissions once per loop turn).
//
// The uv handles live in a heap block that outlives the watcher until libuv
// has finished closing them, and an async cleanup hook (napi 8) holds the
// environment's teardown until then: a close callback must never run after
// Node unloaded the addon (a worker thread that ends with a Core open).
#ifndef IOCP_LINUX_LOOP_WATCHER_H_
#define IOCP_LINUX_LOOP_WATCHER_H_

#include <node_api.h>

#include "linux/uv_shim.h"

namespace iocp {

class LoopWatcher {
 public:
  class Client {
   public:
    virtual ~Client() = default;
    // The watched fd is readable. Called on the JavaScript thread.
    virtual void OnReadable() = 0;
    // The loop is about to poll. Called on the JavaScript thread.
    virtual void OnPrepare() {}
  };

  LoopWatcher() = default;
  LoopWatcher(const LoopWatcher&) = delete;
  LoopWatcher& operator=(const LoopWatcher&) = delete;
  ~LoopWatcher() { Stop(); }

  // Starts watching fd; with_prepare also installs the pre-poll hook. The
  // handles start unreferenced (they keep the loop alive only while Active).
  // Returns 0 or a negative libuv/errno error. This should be called from the
  // JavaScript thread.
  int Start(napi_env env, int fd, Client* client, bool with_prepare);
  // Keeps Node's loop alive (true) or not (false).
  void SetActive(bool active);
  // Closes the handles; no callback reaches the client after this returns.
  // Safe to call from inside a callback. This should be called from the
  // JavaScript thread.
  void Stop();

 private:
  // The handles and their teardown state; freed once libuv closed every
  // handle and the watcher let go of it.
  struct Block {
    uv_poll_t* poll = nullptr;
    uv_prepare_t* prepare = nullptr;
    napi_async_cleanup_hook_handle hook = nullptr;
    int open = 0;          // Handles whose close callback has not run.
    bool closing = false;  // uv_close was called on every handle.
    bool owned = true;     // A LoopWatcher still points at this block.
  };

  static void Close(Block* block);
  static void MaybeFinish(Block* block);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPrepareCb(uv_prepare_t* handle);
  static void OnClose(uv_handle_t* handle);

  Block* block_ = nullptr;
};

}  // namespace iocp

#endif  // IOCP_LINUX_LOOP_WATCHER_H_
