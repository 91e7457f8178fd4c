// The C eventfd ping-pong of the @iocp benchmark: the ceiling for wake-up
// latency (what waitForHandle on an Event can at best achieve on Linux).
//
// A parent and a forked child, each blocking in read(2) on its own eventfd,
// wake each other in turn for DURATION seconds. Pinned like the rest of the
// suite when two CPUs are allowed: the parent on CPU 1, the child on CPU 0.
// Prints one JSON object: round trips per second and round-trip latency
// percentiles (a wake-up is half a round trip).
//
// With --fds PING,PONG it is one side of a ping-pong with another program
// (the @iocp and Node wake-up peers, which start it with the two descriptors
// inherited): it does not fork, it signals PING (writes 8 bytes) and waits
// until PONG is readable (poll, then reads 8 bytes), and times those round
// trips. The descriptors may be eventfds, pipes or stream sockets, blocking
// or not (an Event's eventfd is non-blocking, and shared with its owner).
// --cpu N pins this process to CPU N; --no-pin leaves it where it is.
//
// Usage: eventfd-pingpong [--duration SECONDS] [--no-pin] [--fds PING,PONG [--cpu N]]
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double seconds(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);  // Best effort.
}

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

// Writes all of buf to fd, waiting (poll) while a non-blocking fd is full.
// Returns 0, or -1 on an error.
static int write_all(int fd, const void* buf, size_t len) {
  const char* p = buf;
  while (len > 0) {
    ssize_t r = write(fd, p, len);
    if (r > 0) {
      p += r;
      len -= (size_t)r;
    } else if (r < 0 && errno == EAGAIN) {
      struct pollfd pfd = {.fd = fd, .events = POLLOUT};
      if (poll(&pfd, 1, 1000) < 0 && errno != EINTR) return -1;
    } else if (!(r < 0 && errno == EINTR)) {
      return -1;
    }
  }
  return 0;
}

// Waits until fd is readable and reads exactly len bytes. Gives up (-2) when
// nothing arrives for timeout_ms; returns -1 on an error or end of file.
static int read_all(int fd, void* buf, size_t len, int timeout_ms) {
  char* p = buf;
  while (len > 0) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) return -2;
    ssize_t r = read(fd, p, len);
    if (r > 0) {
      p += r;
      len -= (size_t)r;
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
      return -1;
    }
  }
  return 0;
}

static void report(const char* mode, uint32_t* samples, size_t n, uint64_t t0, uint64_t t,
                   const char* error) {
  qsort(samples, n, sizeof *samples, cmp_u32);
  double elapsed = (double)(t - t0) / 1e9;
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  double cpu_s = seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(kids.ru_utime) +
                 seconds(kids.ru_stime);
  double p50 = n ? samples[(size_t)(0.5 * (n - 1))] / 1000.0 : 0;
  double p99 = n ? samples[(size_t)(0.99 * (n - 1))] / 1000.0 : 0;
  printf("{\"mode\":\"%s\",\"elapsed_s\":%.4f,\"count\":%zu,\"rate\":%.1f,"
         "\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_s\":%.4f,\"errors\":%d,\"error\":\"%s\"}\n",
         mode, elapsed, n, elapsed > 0 ? n / elapsed : 0, p50, p99, cpu_s, *error ? 1 : 0, error);
}

// The --fds mode: this process drives and times, the other side answers.
static int run_fds(int ping, int pong, double duration, int cpu) {
  if (cpu >= 0) pin(cpu);
  size_t cap = 1 << 24, n = 0;
  uint32_t* samples = malloc(cap * sizeof *samples);
  if (!samples) return 1;
  const char* error = "";
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(duration * 1e9), t = t0;
  while (t < end && n < cap) {
    uint64_t v = 1;
    if (write_all(ping, &v, sizeof v) < 0) {
      error = "write to PING failed";
      break;
    }
    // A stalled peer still answers within a few seconds; none at all is an error.
    int r = read_all(pong, &v, sizeof v, (int)(duration * 1000) + 5000);
    if (r < 0) {
      error = r == -2 ? "no answer on PONG within the run time + 5 s" : "read from PONG failed";
      break;
    }
    uint64_t t2 = now_ns();
    samples[n++] = (uint32_t)(t2 - t > UINT32_MAX ? UINT32_MAX : t2 - t);
    t = t2;
  }
  report("fds", samples, n, t0, t, error);
  free(samples);
  return n > 0 ? 0 : 2;
}

int main(int argc, char** argv) {
  double duration = 1.0;
  int no_pin = 0, ping_fd = -1, pong_fd = -1, cpu = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
    else if (!strcmp(argv[i], "--no-pin")) no_pin = 1;
    else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) cpu = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--fds") && i + 1 < argc) {
      if (sscanf(argv[++i], "%d,%d", &ping_fd, &pong_fd) != 2) ping_fd = pong_fd = -1;
      if (ping_fd < 0 || pong_fd < 0) {
        fprintf(stderr, "eventfd-pingpong: --fds wants PING,PONG (two descriptor numbers)\n");
        return 1;
      }
    }
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (ping_fd >= 0) return run_fds(ping_fd, pong_fd, duration, no_pin ? -1 : cpu);
  int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
  int two_cpus = !no_pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (two_cpus) pin(0);
    uint64_t v;
    for (;;) {
      if (read(ping, &v, sizeof v) != sizeof v) _exit(1);
      if (v == UINT64_MAX - 1) _exit(0);
      v = 1;
      if (write(pong, &v, sizeof v) != sizeof v) _exit(1);
    }
  }
  if (two_cpus) pin(1);
  size_t cap = 1 << 24, n = 0;
  uint32_t* samples = malloc(cap * sizeof *samples);
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(duration * 1e9), t = t0;
  while (t < end && n < cap) {
    uint64_t v = 1;
    if (write(ping, &v, sizeof v) != sizeof v || read(pong, &v, sizeof v) != sizeof v) break;
    uint64_t t2 = now_ns();
    samples[n++] = (uint32_t)(t2 - t > UINT32_MAX ? UINT32_MAX : t2 - t);
    t = t2;
  }
  uint64_t stop = UINT64_MAX - 1;
  if (write(ping, &stop, sizeof stop) < 0) kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  report("eventfd", samples, n, t0, t, "");
  return n > 0 ? 0 : 2;
}
