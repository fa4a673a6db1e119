// An experiment of bench/builds_bench.sh (PRELOAD=): sets TCP_NODELAY on every TCP socket
// a process connects or accepts, to measure what Nagle's algorithm costs the slave protocol.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
static void nd(int fd) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }
int connect(int fd, const struct sockaddr* a, socklen_t l) {
  static int (*real)(int, const struct sockaddr*, socklen_t);
  if (!real) real = dlsym(RTLD_NEXT, "connect");
  nd(fd);
  return real(fd, a, l);
}
int accept(int fd, struct sockaddr* a, socklen_t* l) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = dlsym(RTLD_NEXT, "accept");
  int r = real(fd, a, l); if (r >= 0) nd(r); return r;
}
int accept4(int fd, struct sockaddr* a, socklen_t* l, int f) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = dlsym(RTLD_NEXT, "accept4");
  int r = real(fd, a, l, f); if (r >= 0) nd(r); return r;
}
