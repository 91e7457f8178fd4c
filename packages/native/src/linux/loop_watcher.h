// Watches one file descriptor from Node's own libuv loop (no thread hop), and
// optionally runs a hook right before each poll phase (used by io_uring to
// flush queued submissions once per loop turn).
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
  // Closes the handles; no callback runs after this returns. Safe to call from
  // inside a callback.
  void Stop();

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPrepareCb(uv_prepare_t* handle);
  static void OnClose(uv_handle_t* handle);

  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;
};

}  // namespace iocp

#endif  // IOCP_LINUX_LOOP_WATCHER_H_
