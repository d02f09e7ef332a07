/* The C floor for QMP: a minimal blocking client with no parsing beyond counting lines.
 *   qmpc rtt  SOCKET WARMUP N     -> prints N round-trip times of query-status, ns, one per line
 *   qmpc pipe SOCKET W N          -> N query-status with W in flight (OOB on); prints total ns
 *   qmpc launch SOCKET QEMU ARGS..-> fork+exec QEMU, connect as soon as the socket accepts,
 *                                    print ns from exec to the end of the greeting, and to the
 *                                    answer of cont after qmp_capabilities (running); kill QEMU
 * OOB is enabled in every mode, as qtune's client does by default. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];
static size_t have;

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int try_connect(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* reads until one complete line is buffered; returns its length incl. '\n' and consumes it */
static int read_line(int fd) {
  for (;;) {
    char *nl = memchr(buf, '\n', have);
    if (nl) {
      size_t len = nl - buf + 1;
      memmove(buf, nl + 1, have - len);
      have -= len;
      return (int)len;
    }
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) {
      perror("read");
      exit(2);
    }
    have += r;
  }
}

static void write_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      perror("write");
      exit(2);
    }
    s += w;
    n -= w;
  }
}

static int setup(const char *path) {
  int fd = try_connect(path);
  if (fd < 0) {
    perror("connect");
    exit(2);
  }
  read_line(fd); /* greeting */
  const char *caps = "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\n";
  write_all(fd, caps, strlen(caps));
  read_line(fd);
  return fd;
}

/* Reads lines until a command's answer ("return" or "error"), skipping events. */
static void read_answer(int fd) {
  for (;;) {
    char *nl;
    while (!(nl = memchr(buf, '\n', have))) {
      ssize_t r = read(fd, buf + have, sizeof buf - have);
      if (r <= 0) {
        perror("read");
        exit(2);
      }
      have += r;
    }
    size_t len = nl - buf + 1;
    int answer = memmem(buf, len, "\"return\"", 8) || memmem(buf, len, "\"error\"", 7);
    memmove(buf, nl + 1, have - len);
    have -= len;
    if (answer) return;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: qmpc rtt|pipe|launch SOCKET ...\n");
    return 1;
  }
  const char *mode = argv[1], *path = argv[2];
  if (!strcmp(mode, "rtt")) {
    int warm = atoi(argv[3]), n = atoi(argv[4]);
    int fd = setup(path);
    long long *t = calloc(n, sizeof *t);
    char cmd[128];
    for (int i = 0; i < warm + n; i++) {
      int len = snprintf(cmd, sizeof cmd, "{\"execute\":\"query-status\",\"id\":%d}\n", i);
      long long t0 = now();
      write_all(fd, cmd, len);
      read_line(fd);
      if (i >= warm) t[i - warm] = now() - t0;
    }
    for (int i = 0; i < n; i++) printf("%lld\n", t[i]);
    return 0;
  }
  if (!strcmp(mode, "pipe")) {
    int w = atoi(argv[3]), n = atoi(argv[4]);
    int fd = setup(path);
    char cmd[128];
    int sent = 0, got = 0;
    long long t0 = now();
    while (got < n) {
      while (sent < n && sent - got < w) {
        int len = snprintf(cmd, sizeof cmd, "{\"execute\":\"query-status\",\"id\":%d}\n", sent++);
        write_all(fd, cmd, len);
      }
      read_line(fd);
      got++;
    }
    printf("%lld\n", now() - t0);
    return 0;
  }
  if (!strcmp(mode, "launch")) {
    unlink(path);
    long long t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
      execvp(argv[3], argv + 3);
      _exit(127);
    }
    int fd;
    while ((fd = try_connect(path)) < 0) {
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        fprintf(stderr, "QEMU exited with status %d\n", st);
        return 2;
      }
      struct timespec d = {0, 100000}; /* 0.1 ms */
      nanosleep(&d, NULL);
    }
    read_line(fd);
    long long t = now() - t0;
    /* then running: the fewest commands a client needs (capabilities, cont), each answered */
    const char *caps = "{\"execute\":\"qmp_capabilities\"}\n";
    write_all(fd, caps, strlen(caps));
    read_answer(fd);
    const char *cont = "{\"execute\":\"cont\"}\n";
    write_all(fd, cont, strlen(cont));
    read_answer(fd);
    long long running = now() - t0;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(path);
    printf("%lld %lld\n", t, running);
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", mode);
  return 1;
}
