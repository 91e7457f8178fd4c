// The listening socket shared by the C echo servers of the benchmark.
//
// bench_listen parses "--port N" (TCP on 127.0.0.1, 0 picks a free port) or
// "--unix PATH", listens, prints "LISTENING <port-or-path>" on stdout and
// returns the listening fd. Exits with a message on stderr on failure.
#ifndef BENCH_LISTEN_H
#define BENCH_LISTEN_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int bench_listen(int argc, char** argv, int nonblocking, int* is_unix) {
  const char* unix_path = NULL;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--unix")) unix_path = argv[i + 1];
  }
  int flags = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
  int fd;
  if (unix_path) {
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strncpy(un.sun_path, unix_path, sizeof un.sun_path - 1);
    unlink(unix_path);
    fd = socket(AF_UNIX, flags, 0);
    if (fd < 0 || bind(fd, (struct sockaddr*)&un, sizeof un) < 0) goto fail;
    *is_unix = 1;
  } else {
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    fd = socket(AF_INET, flags, 0);
    if (fd < 0) goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr*)&in, sizeof in) < 0) goto fail;
    socklen_t len = sizeof in;
    getsockname(fd, (struct sockaddr*)&in, &len);
    port = ntohs(in.sin_port);
    *is_unix = 0;
  }
  if (listen(fd, 4096) < 0) goto fail;
  if (unix_path) printf("LISTENING %s\n", unix_path);
  else printf("LISTENING %d\n", port);
  fflush(stdout);
  return fd;
fail:
  fprintf(stderr, "listen: %s\n", strerror(errno));
  exit(1);
}

#endif
