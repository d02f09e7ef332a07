/* The C floor for "tune one running VM": the syscalls qtune's attach needs on the same cgroup v1
 * layout (libvirt's names), with no logic, no validation and no rollback.
 *   tunefloor CGROOT PARTITION DOMAIN SOCKET IDLE_MS PERIOD QUOTA
 * Sleeps IDLE_MS, then times: QMP discovery (connect, greeting, qmp_capabilities,
 * query-cpus-fast, query-iothreads, /proc/PID/task), domain groups in cpu/cpuset (and cpuacct
 * unless CGROOT/unified exists, as qtune and libvirt)
 * (cpuset inherits cpus+mems, cgroup.procs <- pid, memory_migrate), one group per thread role
 * (emulator, vcpuN, iothreadN) with values (cpuset.cpus = pin, cfs period/quota on vCPUs),
 * the attach burst (tasks of the three controllers), sched_setaffinity per thread.
 * vCPU i is pinned to host CPU i%ncpu, iothreads to the last CPU, the emulator to all.
 * Prints "total_ns qmp_ns cgroup_ns affinity_ns". Teardown is the caller's job. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXT 512
static char buf[1 << 18];
static size_t have;
/* cpuacct last: like qtune (and libvirt), no cpuacct groups when a cgroup2 hierarchy is mounted beside */
static const char *ctrls[] = {"cpu", "cpuset", "cpuacct"};
static int nctrl = 3;

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "tunefloor: %s %s: ", what, path ? path : "");
  perror("");
  exit(2);
}

static char *read_line(int fd) {
  static char line[1 << 18];
  for (;;) {
    char *nl = memchr(buf, '\n', have);
    if (nl) {
      size_t len = nl - buf + 1;
      memcpy(line, buf, len);
      line[len] = 0;
      memmove(buf, nl + 1, have - len);
      have -= len;
      return line;
    }
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) die("read", "qmp");
    have += r;
  }
}

static char *cmd(int fd, const char *c) {
  if (write(fd, c, strlen(c)) < 0) die("write", "qmp");
  return read_line(fd);
}

static int thread_ids(const char *reply, int *out, int max) {
  int n = 0;
  for (const char *p = reply; (p = strstr(p, "\"thread-id\":")) && n < max; p++) out[n++] = atoi(p + 12);
  return n;
}

static void wr(const char *path, const char *val) {
  int fd = open(path, O_WRONLY | O_TRUNC);
  if (fd < 0) die("open", path);
  if (write(fd, val, strlen(val)) < 0) die("write", path);
  close(fd);
}

static void rd(const char *path, char *out, size_t n) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) die("open", path);
  ssize_t r = read(fd, out, n - 1);
  if (r < 0) die("read", path);
  out[r] = 0;
  close(fd);
}

static void mk(const char *path) {
  if (mkdir(path, 0755) < 0) die("mkdir", path);
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: tunefloor CGROOT PARTITION DOMAIN SOCKET IDLE_MS PERIOD QUOTA\n");
    return 1;
  }
  char path_probe[4096];
  const char *root = argv[1], *part = argv[2], *dom = argv[3], *sock = argv[4];
  int idle = atoi(argv[5]);
  const char *period = argv[6], *quota = argv[7];
  int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
  snprintf(path_probe, sizeof path_probe, "%s/unified", root);
  if (access(path_probe, F_OK) == 0) nctrl = 2;
  char path[4096], val[256], cpus[256], mems[256];
  if (idle > 0) usleep(idle * 1000);

  long long t0 = now();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, sock, sizeof a.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect", sock);
  struct ucred cr;
  socklen_t crl = sizeof cr;
  getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl);
  int pid = cr.pid;
  read_line(fd);
  cmd(fd, "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\n");
  int vcpu[MAXT], io[MAXT], all[MAXT], emu[MAXT];
  int nv = thread_ids(cmd(fd, "{\"execute\":\"query-cpus-fast\",\"id\":1}\n"), vcpu, MAXT);
  int ni = thread_ids(cmd(fd, "{\"execute\":\"query-iothreads\",\"id\":2}\n"), io, MAXT);
  int na = 0, ne = 0;
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) die("opendir", path);
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') all[na++] = atoi(e->d_name);
  closedir(d);
  for (int i = 0; i < na; i++) {
    int special = 0;
    for (int j = 0; j < nv; j++) special |= all[i] == vcpu[j];
    for (int j = 0; j < ni; j++) special |= all[i] == io[j];
    if (!special) emu[ne++] = all[i];
  }
  long long t1 = now();

  /* domain group */
  for (int c = 0; c < nctrl; c++) {
    snprintf(path, sizeof path, "%s/%s/%s/%s", root, ctrls[c], part, dom);
    mk(path);
    if (c == 1) {
      snprintf(path, sizeof path, "%s/cpuset/%s/cpuset.cpus", root, part);
      rd(path, cpus, sizeof cpus);
      snprintf(path, sizeof path, "%s/cpuset/%s/cpuset.mems", root, part);
      rd(path, mems, sizeof mems);
      snprintf(path, sizeof path, "%s/cpuset/%s/%s/cpuset.cpus", root, part, dom);
      wr(path, cpus);
      snprintf(path, sizeof path, "%s/cpuset/%s/%s/cpuset.mems", root, part, dom);
      wr(path, mems);
    }
  }
  snprintf(val, sizeof val, "%d", pid);
  for (int c = 0; c < nctrl; c++) {
    snprintf(path, sizeof path, "%s/%s/%s/%s/cgroup.procs", root, ctrls[c], part, dom);
    wr(path, val);
  }
  snprintf(path, sizeof path, "%s/cpuset/%s/%s/cpuset.memory_migrate", root, part, dom);
  wr(path, "1");

  /* thread groups: emulator, vcpuN, iothreadN (ids 1..ni) */
  int ng = 1 + nv + ni;
  for (int g = 0; g < ng; g++) {
    char name[32], pin[32];
    if (g == 0) {
      strcpy(name, "emulator");
      snprintf(pin, sizeof pin, "0-%d", ncpu - 1);
    } else if (g <= nv) {
      snprintf(name, sizeof name, "vcpu%d", g - 1);
      snprintf(pin, sizeof pin, "%d", (g - 1) % ncpu);
    } else {
      snprintf(name, sizeof name, "iothread%d", g - nv);
      snprintf(pin, sizeof pin, "%d", ncpu - 1);
    }
    for (int c = 0; c < nctrl; c++) {
      snprintf(path, sizeof path, "%s/%s/%s/%s/%s", root, ctrls[c], part, dom, name);
      mk(path);
    }
    snprintf(path, sizeof path, "%s/cpuset/%s/%s/%s/cpuset.cpus", root, part, dom, name);
    wr(path, pin);
    snprintf(path, sizeof path, "%s/cpuset/%s/%s/%s/cpuset.mems", root, part, dom, name);
    wr(path, mems);
    snprintf(path, sizeof path, "%s/cpuset/%s/%s/%s/cpuset.memory_migrate", root, part, dom, name);
    wr(path, "1");
    if (g >= 1 && g <= nv) {
      snprintf(path, sizeof path, "%s/cpu/%s/%s/%s/cpu.cfs_period_us", root, part, dom, name);
      wr(path, period);
      snprintf(path, sizeof path, "%s/cpu/%s/%s/%s/cpu.cfs_quota_us", root, part, dom, name);
      wr(path, quota);
    }
  }
  /* the attach burst */
  for (int g = 0; g < ng; g++) {
    char name[32];
    int *tids, nt;
    if (g == 0) {
      strcpy(name, "emulator");
      tids = emu;
      nt = ne;
    } else if (g <= nv) {
      snprintf(name, sizeof name, "vcpu%d", g - 1);
      tids = &vcpu[g - 1];
      nt = 1;
    } else {
      snprintf(name, sizeof name, "iothread%d", g - nv);
      tids = &io[g - nv - 1];
      nt = 1;
    }
    for (int c = 0; c < nctrl; c++) {
      snprintf(path, sizeof path, "%s/%s/%s/%s/%s/tasks", root, ctrls[c], part, dom, name);
      int f = open(path, O_WRONLY);
      if (f < 0) die("open", path);
      for (int t = 0; t < nt; t++) {
        snprintf(val, sizeof val, "%d", tids[t]);
        if (write(f, val, strlen(val)) < 0) die("attach", path);
      }
      close(f);
    }
  }
  long long t2 = now();
  cpu_set_t m;
  for (int i = 0; i < ne; i++) {
    CPU_ZERO(&m);
    for (int c = 0; c < ncpu; c++) CPU_SET(c, &m);
    sched_setaffinity(emu[i], sizeof m, &m);
  }
  for (int i = 0; i < nv; i++) {
    CPU_ZERO(&m);
    CPU_SET(i % ncpu, &m);
    sched_setaffinity(vcpu[i], sizeof m, &m);
  }
  for (int i = 0; i < ni; i++) {
    CPU_ZERO(&m);
    CPU_SET(ncpu - 1, &m);
    sched_setaffinity(io[i], sizeof m, &m);
  }
  long long t3 = now();
  close(fd);
  printf("%lld %lld %lld %lld\n", t3 - t0, t1 - t0, t2 - t1, t3 - t2);
  return 0;
}
