// The load generator of the @iocp benchmark: one thread, one epoll set.
//
// Echo mode: opens N connections (TCP or Unix socket); each connection sends a
// message of SIZE bytes, waits for the whole echo, and repeats, for DURATION
// seconds. Counts round trips per second and the latency of each round trip.
//
// Connect mode: keeps N connection attempts in flight; each one connects,
// shuts its write side down, waits for the server to close (which proves the
// server accepted it), and closes. Counts completed cycles per second.
//
// Prints one JSON object on stdout. Exit status 0 on success, 1 on a usage or
// setup error (the message goes to stderr), 2 when nothing completed.
//
// Usage: loadgen (--tcp HOST:PORT | --unix PATH) [--mode echo|connect]
//                [--conns N] [--size BYTES] [--duration SECONDS] [--newline]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { kMaxSamples = 1 << 24 };

typedef struct {
  int fd;
  size_t sent;      // Bytes of the current message written so far.
  size_t received;  // Bytes of the current echo read so far.
  uint64_t start;   // When the current round trip (or connect cycle) began.
  int want_out;     // EPOLLOUT is registered.
  int active;
} Conn;

static struct sockaddr_storage g_addr;
static socklen_t g_addrlen;
static int g_is_unix;
static int g_epfd;
static uint32_t* g_samples;  // Latencies in nanoseconds (saturating).
static size_t g_nsamples;
static uint64_t g_errors;
static const char* g_error_text = "";

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char* what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void record(uint64_t ns) {
  if (g_nsamples < kMaxSamples) {
    g_samples[g_nsamples++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
  }
}

static void parse_target(const char* tcp, const char* unix_path) {
  memset(&g_addr, 0, sizeof g_addr);
  if (unix_path) {
    struct sockaddr_un* un = (struct sockaddr_un*)&g_addr;
    un->sun_family = AF_UNIX;
    if (strlen(unix_path) >= sizeof un->sun_path) {
      fprintf(stderr, "loadgen: unix path too long\n");
      exit(1);
    }
    strcpy(un->sun_path, unix_path);
    g_addrlen = sizeof *un;
    g_is_unix = 1;
    return;
  }
  char host[64];
  const char* colon = strrchr(tcp, ':');
  if (!colon || (size_t)(colon - tcp) >= sizeof host) {
    fprintf(stderr, "loadgen: --tcp wants HOST:PORT\n");
    exit(1);
  }
  memcpy(host, tcp, colon - tcp);
  host[colon - tcp] = 0;
  struct sockaddr_in* in = (struct sockaddr_in*)&g_addr;
  in->sin_family = AF_INET;
  in->sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad IPv4 address %s\n", host);
    exit(1);
  }
  g_addrlen = sizeof *in;
}

// Starts a non-blocking connect. In connect mode the source address rotates
// over 127.0.0.2-127.0.0.17 so that a fast server does not run the client out
// of ephemeral ports.
// Set by --newline: every message ends with '\n' (for line-echo servers).
static int g_newline = 0;

static int start_connect(int index, int rotate_source) {
  int fd = socket(g_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (!g_is_unix) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in* target = (struct sockaddr_in*)&g_addr;
    if (rotate_source && (ntohl(target->sin_addr.s_addr) >> 24) == 127) {
      struct sockaddr_in src = {.sin_family = AF_INET};
      src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(index % 16));
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (bind(fd, (struct sockaddr*)&src, sizeof src) < 0) die("bind source");
    }
  }
  int r = connect(fd, (struct sockaddr*)&g_addr, g_addrlen);
  if (r < 0 && errno != EINPROGRESS && errno != EAGAIN) {
    g_errors++;
    g_error_text = strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

static void ctl(int op, Conn* c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(g_epfd, op, c->fd, &ev) < 0) die("epoll_ctl");
}

// Writes what is left of the current message; registers EPOLLOUT on a short write.
static int pump_send(Conn* c, const char* msg, size_t size) {
  while (c->sent < size) {
    ssize_t n = send(c->fd, msg + c->sent, size - c->sent, MSG_NOSIGNAL);
    if (n > 0) {
      c->sent += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    g_errors++;
    g_error_text = strerror(errno);
    return -1;
  }
  int want = c->sent < size;
  if (want != c->want_out) {
    c->want_out = want;
    ctl(EPOLL_CTL_MOD, c, EPOLLIN | (want ? EPOLLOUT : 0));
  }
  return 0;
}

static double run_echo(int nconns, size_t size, double duration, uint64_t* done_out) {
  Conn* conns = calloc((size_t)nconns, sizeof *conns);
  char* msg = malloc(size);
  size_t scratch_size = size > 65536 ? size : 65536;
  char* scratch = malloc(scratch_size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)('a' + i % 26);
  // A line protocol's server (readline per line) needs each message to end a line.
  if (g_newline) msg[size - 1] = '\n';

  // Connect everything first: connection set-up is not part of the measure.
  int pending = 0;
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = start_connect(i, 0);
    if (conns[i].fd < 0) {
      fprintf(stderr, "loadgen: connect: %s\n", g_error_text);
      exit(1);
    }
    ctl(EPOLL_CTL_ADD, &conns[i], EPOLLOUT);
    pending++;
  }
  struct epoll_event events[256];
  uint64_t deadline = now_ns() + 10000000000ull;
  while (pending > 0) {
    int n = epoll_wait(g_epfd, events, 256, 100);
    if (now_ns() > deadline) {
      fprintf(stderr, "loadgen: connect timed out\n");
      exit(1);
    }
    for (int i = 0; i < n; i++) {
      Conn* c = events[i].data.ptr;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        fprintf(stderr, "loadgen: connect: %s\n", strerror(err));
        exit(1);
      }
      if (!c->active) {
        c->active = 1;
        pending--;
        ctl(EPOLL_CTL_MOD, c, EPOLLIN);
      }
    }
  }

  uint64_t t0 = now_ns();
  uint64_t end = t0 + (uint64_t)(duration * 1e9);
  uint64_t done = 0;
  int live = nconns;
  for (int i = 0; i < nconns; i++) {
    conns[i].start = t0;
    if (pump_send(&conns[i], msg, size) < 0) {
      conns[i].active = 0;
      live--;
    }
  }
  uint64_t t = t0;
  while (live > 0) {
    int timeout_ms = t >= end ? 0 : (int)((end - t) / 1000000) + 1;
    int n = epoll_wait(g_epfd, events, 256, timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    t = now_ns();
    if (t >= end) break;
    for (int i = 0; i < n; i++) {
      Conn* c = events[i].data.ptr;
      if (!c->active) continue;
      if ((events[i].events & EPOLLOUT) && pump_send(c, msg, size) < 0) {
        c->active = 0;
        live--;
        continue;
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      for (;;) {
        ssize_t r = recv(c->fd, scratch, scratch_size, 0);
        if (r > 0) {
          c->received += (size_t)r;
          if (c->received > c->sent || c->received > size) {
            g_errors++;
            g_error_text = "server sent more than was sent to it";
          }
          if (c->received >= size) {
            uint64_t now = now_ns();
            record(now - c->start);
            done++;
            c->received = 0;
            c->sent = 0;
            c->start = now;
            if (now < end && pump_send(c, msg, size) < 0) {
              c->active = 0;
              live--;
            }
            break;
          }
          continue;
        }
        if (r < 0 && errno == EAGAIN) break;
        g_errors++;
        g_error_text = r == 0 ? "server closed the connection" : strerror(errno);
        c->active = 0;
        live--;
        break;
      }
    }
  }
  double elapsed = (double)(t - t0) / 1e9;
  for (int i = 0; i < nconns; i++) close(conns[i].fd);
  *done_out = done;
  return elapsed;
}

// One connect cycle slot: -1 fd means idle. Phase 0: connecting, 1: waiting for EOF.
static void begin_cycle(Conn* c, int index) {
  for (int tries = 0; tries < 1000; tries++) {
    c->fd = start_connect(index, 1);
    if (c->fd >= 0) break;
  }
  if (c->fd < 0) {
    fprintf(stderr, "loadgen: connect keeps failing: %s\n", g_error_text);
    exit(1);
  }
  c->start = now_ns();
  c->sent = 0;
  ctl(EPOLL_CTL_ADD, c, EPOLLOUT);
}

static double run_connect(int nconns, double duration, uint64_t* done_out) {
  Conn* conns = calloc((size_t)nconns, sizeof *conns);
  uint64_t t0 = now_ns();
  uint64_t end = t0 + (uint64_t)(duration * 1e9);
  uint64_t done = 0;
  int counter = 0;
  for (int i = 0; i < nconns; i++) begin_cycle(&conns[i], counter++);
  struct epoll_event events[256];
  uint64_t t = t0;
  while (t < end) {
    int n = epoll_wait(g_epfd, events, 256, (int)((end - t) / 1000000) + 1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    t = now_ns();
    if (t >= end) break;
    for (int i = 0; i < n; i++) {
      Conn* c = events[i].data.ptr;
      if (c->sent == 0) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          g_errors++;
          g_error_text = strerror(err);
          close(c->fd);
          begin_cycle(c, counter++);
          continue;
        }
        shutdown(c->fd, SHUT_WR);
        c->sent = 1;
        ctl(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLRDHUP);
        continue;
      }
      char buf[256];
      ssize_t r = recv(c->fd, buf, sizeof buf, 0);
      if (r < 0 && errno == EAGAIN) continue;
      if (r > 0) continue;  // The server should not send anything; ignore it.
      if (r < 0 && errno != ECONNRESET) {
        g_errors++;
        g_error_text = strerror(errno);
      }
      // The server closed its side: the connection was accepted and served.
      struct linger lg = {.l_onoff = 1, .l_linger = 0};
      setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(c->fd);
      uint64_t now = now_ns();
      record(now - c->start);
      done++;
      begin_cycle(c, counter++);
    }
  }
  for (int i = 0; i < nconns; i++) close(conns[i].fd);
  *done_out = done;
  return (double)(t - t0) / 1e9;
}

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

static double percentile_us(double p) {
  if (g_nsamples == 0) return 0;
  size_t i = (size_t)(p * (double)(g_nsamples - 1) + 0.5);
  return g_samples[i] / 1000.0;
}

int main(int argc, char** argv) {
  const char* tcp = NULL;
  const char* unix_path = NULL;
  const char* mode = "echo";
  int nconns = 1;
  long size = 64;
  double duration = 1.0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--newline")) {
      g_newline = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "loadgen: %s needs a value\n", a);
      return 1;
    }
    if (!strcmp(a, "--tcp")) tcp = v;
    else if (!strcmp(a, "--unix")) unix_path = v;
    else if (!strcmp(a, "--mode")) mode = v;
    else if (!strcmp(a, "--conns")) nconns = atoi(v);
    else if (!strcmp(a, "--size")) size = atol(v);
    else if (!strcmp(a, "--duration")) duration = atof(v);
    else {
      fprintf(stderr, "loadgen: unknown option %s\n", a);
      return 1;
    }
    i++;
  }
  int connect_mode = !strcmp(mode, "connect");
  if ((!tcp == !unix_path) || nconns < 1 || nconns > 10000 || size < 1 || duration <= 0 ||
      (!connect_mode && strcmp(mode, "echo"))) {
    fprintf(stderr, "usage: loadgen (--tcp HOST:PORT | --unix PATH) [--mode echo|connect] "
                    "[--conns N] [--size BYTES] [--duration SECONDS] [--newline]\n");
    return 1;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // Never outlive the harness.
  signal(SIGPIPE, SIG_IGN);
  parse_target(tcp, unix_path);
  g_epfd = epoll_create1(EPOLL_CLOEXEC);
  if (g_epfd < 0) die("epoll_create1");
  g_samples = malloc(sizeof(uint32_t) * kMaxSamples);
  if (!g_samples) die("malloc");

  uint64_t done = 0;
  double elapsed = connect_mode ? run_connect(nconns, duration, &done)
                                : run_echo(nconns, (size_t)size, duration, &done);
  qsort(g_samples, g_nsamples, sizeof *g_samples, cmp_u32);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  double rate = elapsed > 0 ? (double)done / elapsed : 0;
  printf("{\"mode\":\"%s\",\"transport\":\"%s\",\"conns\":%d,\"size\":%ld,\"elapsed_s\":%.4f,"
         "\"count\":%llu,\"rate\":%.1f,\"bytes_per_s\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,"
         "\"p999_us\":%.2f,\"max_us\":%.2f,\"cpu_s\":%.4f,\"errors\":%llu,\"error\":\"%s\"}\n",
         mode, g_is_unix ? "unix" : "tcp", nconns, connect_mode ? 0 : size, elapsed,
         (unsigned long long)done, rate, connect_mode ? 0.0 : rate * 2.0 * (double)size,
         percentile_us(0.50), percentile_us(0.99), percentile_us(0.999), percentile_us(1.0), cpu_s,
         (unsigned long long)g_errors, g_error_text);
  return done > 0 ? 0 : 2;
}
