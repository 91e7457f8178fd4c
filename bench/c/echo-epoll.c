// The C epoll echo server of the @iocp benchmark (a ceiling peer).
//
// One thread, level-triggered epoll, non-blocking sockets. Each connection
// echoes what it reads; when the peer is slow to read, the rest waits in a
// per-connection buffer and reading pauses until it drains. Closes a
// connection on EOF.
//
// Usage: echo-epoll (--port N | --unix PATH)
// Prints "LISTENING <port-or-path>" once ready. Exits when stdin closes or the
// parent dies.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

enum { kBufSize = 65536 };

typedef struct {
  int fd;
  char* pending;  // Bytes read but not yet written back.
  size_t pending_off, pending_len;
} Conn;

static int g_epfd;
static char g_buf[kBufSize];

static void set_events(Conn* c, int op, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(g_epfd, op, c->fd, &ev);
}

static void drop(Conn* c) {
  close(c->fd);
  free(c->pending);
  free(c);
}

// Writes the pending bytes. Returns -1 on error, 1 when some remain.
static int flush(Conn* c) {
  while (c->pending_off < c->pending_len) {
    size_t left = c->pending_len - c->pending_off;
    ssize_t n = send(c->fd, c->pending + c->pending_off, left, MSG_NOSIGNAL);
    if (n > 0) {
      c->pending_off += (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
      return 1;
    } else {
      return -1;
    }
  }
  c->pending_off = c->pending_len = 0;
  return 0;
}

static void on_readable(Conn* c) {
  ssize_t n = recv(c->fd, g_buf, kBufSize, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN)) {
    drop(c);
    return;
  }
  if (n < 0) return;
  ssize_t w = send(c->fd, g_buf, (size_t)n, MSG_NOSIGNAL);
  if (w == n) return;
  if (w < 0 && errno != EAGAIN) {
    drop(c);
    return;
  }
  if (w < 0) w = 0;
  if (!c->pending) c->pending = malloc(kBufSize);
  memcpy(c->pending, g_buf + w, (size_t)(n - w));
  c->pending_off = 0;
  c->pending_len = (size_t)(n - w);
  set_events(c, EPOLL_CTL_MOD, EPOLLOUT);  // Stop reading until the echo drains.
}

static void on_writable(Conn* c) {
  int r = flush(c);
  if (r < 0) drop(c);
  else if (r == 0) set_events(c, EPOLL_CTL_MOD, EPOLLIN);
}

int main(int argc, char** argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  int is_unix = 0;
  int lfd = bench_listen(argc, argv, 1, &is_unix);
  g_epfd = epoll_create1(EPOLL_CLOEXEC);
  static Conn listener, input;
  listener.fd = lfd;
  input.fd = 0;
  set_events(&listener, EPOLL_CTL_ADD, EPOLLIN);
  set_events(&input, EPOLL_CTL_ADD, EPOLLIN);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(g_epfd, events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 1;
    for (int i = 0; i < n; i++) {
      Conn* c = events[i].data.ptr;
      if (c == &input) {
        char b[64];
        if (read(0, b, sizeof b) <= 0) return 0;  // The harness went away.
      } else if (c == &listener) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          if (!is_unix) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          }
          Conn* conn = calloc(1, sizeof *conn);
          conn->fd = fd;
          set_events(conn, EPOLL_CTL_ADD, EPOLLIN);
        }
      } else if (events[i].events & EPOLLOUT) {
        on_writable(c);
      } else {
        on_readable(c);
      }
    }
  }
}
