// The C eventfd ping-pong of the @iocp benchmark: the ceiling for wake-up
// latency (what waitForHandle on an Event can at best achieve on Linux).
//
// A parent and a forked child, each blocking in read(2) on its own eventfd,
// wake each other in turn for DURATION seconds. Pinned like the rest of the
// suite when two CPUs are allowed: the parent on CPU 1, the child on CPU 0.
// Prints one JSON object: round trips per second and round-trip latency
// percentiles (a wake-up is half a round trip).
//
// Usage: eventfd-pingpong [--duration SECONDS] [--no-pin]
#define _GNU_SOURCE
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

int main(int argc, char** argv) {
  double duration = 1.0;
  int no_pin = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
    else if (!strcmp(argv[i], "--no-pin")) no_pin = 1;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
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
  qsort(samples, n, sizeof *samples, cmp_u32);
  double elapsed = (double)(t - t0) / 1e9;
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  double cpu_s = seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(kids.ru_utime) +
                 seconds(kids.ru_stime);
  double p50 = n ? samples[(size_t)(0.5 * (n - 1))] / 1000.0 : 0;
  double p99 = n ? samples[(size_t)(0.99 * (n - 1))] / 1000.0 : 0;
  printf("{\"mode\":\"eventfd\",\"elapsed_s\":%.4f,\"count\":%zu,\"rate\":%.1f,"
         "\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_s\":%.4f,\"errors\":0,\"error\":\"\"}\n",
         elapsed, n, elapsed > 0 ? n / elapsed : 0, p50, p99, cpu_s);
  return n > 0 ? 0 : 2;
}
