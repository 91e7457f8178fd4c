// The C io_uring echo server of the @iocp benchmark (a ceiling peer).
//
// One thread and one ring (liburing): a multishot accept, then per connection
// recv -> send (resubmitting the rest after a short send) -> recv. Uses
// SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them, no SQPOLL, like
// the @iocp native core. Closes a connection on EOF.
//
// Usage: echo-uring (--port N | --unix PATH) | echo-uring --check
// Prints "LISTENING <port-or-path>" once ready. Exits when stdin closes or the
// parent dies. --check exits 0 when a ring can be created, else prints why.
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "listen.h"

enum { kBufSize = 65536, kEntries = 1024 };
enum { kAccept = 1, kRecv = 2, kSend = 3, kStdin = 4 };

typedef struct {
  int fd;
  size_t len, off;  // Bytes in buf to echo, and how many are sent.
  char buf[kBufSize];
} Conn;

static struct io_uring g_ring;
static int g_is_unix;

static struct io_uring_sqe* get_sqe(void) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(&g_ring);
  if (!sqe) {
    io_uring_submit(&g_ring);
    sqe = io_uring_get_sqe(&g_ring);
  }
  return sqe;
}

static void tag(struct io_uring_sqe* sqe, void* ptr, int op) {
  io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)ptr | (uint64_t)op);
}

static void queue_recv(Conn* c) {
  struct io_uring_sqe* sqe = get_sqe();
  io_uring_prep_recv(sqe, c->fd, c->buf, kBufSize, 0);
  tag(sqe, c, kRecv);
}

static void queue_send(Conn* c) {
  struct io_uring_sqe* sqe = get_sqe();
  io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
  tag(sqe, c, kSend);
}

static void queue_accept(int lfd) {
  struct io_uring_sqe* sqe = get_sqe();
  io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
  tag(sqe, NULL, kAccept);
}

static int init_ring(void) {
  struct io_uring_params p;
  unsigned flag_sets[] = {
#if defined(IORING_SETUP_SINGLE_ISSUER) && defined(IORING_SETUP_DEFER_TASKRUN)
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
#endif
#ifdef IORING_SETUP_COOP_TASKRUN
      IORING_SETUP_COOP_TASKRUN,
#endif
      0};
  int r = -EINVAL;
  for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
    memset(&p, 0, sizeof p);
    p.flags = flag_sets[i];
    r = io_uring_queue_init_params(kEntries, &g_ring, &p);
    if (r == 0) return 0;
  }
  return r;
}

int main(int argc, char** argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGPIPE, SIG_IGN);
  int r = init_ring();
  if (argc > 1 && !strcmp(argv[1], "--check")) {
    if (r < 0) printf("io_uring_queue_init failed: %s\n", strerror(-r));
    return r < 0 ? 1 : 0;
  }
  if (r < 0) {
    fprintf(stderr, "echo-uring: io_uring_queue_init: %s\n", strerror(-r));
    return 1;
  }
  int lfd = bench_listen(argc, argv, 0, &g_is_unix);
  queue_accept(lfd);
  struct io_uring_sqe* sqe = get_sqe();
  io_uring_prep_poll_add(sqe, 0, POLLIN);
  tag(sqe, NULL, kStdin);

  for (;;) {
    r = io_uring_submit_and_wait(&g_ring, 1);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
      fprintf(stderr, "echo-uring: submit_and_wait: %s\n", strerror(-r));
      return 1;
    }
    struct io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&g_ring, head, cqe) {
      seen++;
      uint64_t data = io_uring_cqe_get_data64(cqe);
      int op = (int)(data & 7);
      Conn* c = (Conn*)(uintptr_t)(data & ~(uint64_t)7);
      int res = cqe->res;
      if (op == kStdin) {
        char b[64];
        if (read(0, b, sizeof b) <= 0) return 0;  // The harness went away.
        sqe = get_sqe();
        io_uring_prep_poll_add(sqe, 0, POLLIN);
        tag(sqe, NULL, kStdin);
      } else if (op == kAccept) {
        if (res >= 0) {
          if (!g_is_unix) {
            int one = 1;
            setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          }
          Conn* conn = aligned_alloc(8, sizeof *conn);
          conn->fd = res;
          queue_recv(conn);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) queue_accept(lfd);
      } else if (op == kRecv) {
        if (res <= 0) {
          close(c->fd);
          free(c);
        } else {
          c->len = (size_t)res;
          c->off = 0;
          queue_send(c);
        }
      } else if (op == kSend) {
        if (res < 0) {
          close(c->fd);
          free(c);
        } else {
          c->off += (size_t)res;
          if (c->off < c->len) queue_send(c);
          else queue_recv(c);
        }
      }
    }
    io_uring_cq_advance(&g_ring, seen);
  }
}
