// The floor for isolane's isolation window: the same syscalls, in the same order, from a
// single-threaded C program. Compiled at bench time (`cc -O2`) by benchmarks/lib/c-floor.js.
//
// Usage: ns-window [-wWARMUP] CYCLES SPEC...
//   SPEC is NAME:STEP;STEP;... with the steps of an isolane plan, written by the runner from
//   createPlan() so that both sides do exactly the same work:
//     kinds=net,mnt,ipc,uts   private   lo   hostname=NAME   tmpfs=PATH   mqueue=PATH
// The specs are interleaved (cycle 1 of each, then cycle 2 of each, ...), after WARMUP untimed
// cycles of each (default 0: page faults and cold caches of a fresh process). Prints JSON:
//   {"configs":[{"name":"uts","ns":[...per-cycle nanoseconds...]}, ...]}
//
// One cycle is what withIsolation() does with an empty callback: open the thread's namespaces of
// the plan's kinds (pid: pid_for_children) and its cwd, unshare, run the steps, setns back into
// each saved namespace, fchdir to the saved cwd (setns(2) into a mount namespace resets the cwd),
// close the descriptors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_KINDS 8
#define MAX_STEPS 16
#define MAX_CONFIGS 32

enum op { OP_PRIVATE, OP_LO, OP_HOSTNAME, OP_TMPFS, OP_MQUEUE };

struct kind { const char *name; const char *ns_file; int flag; };
struct step { enum op op; const char *arg; };
struct config {
  const char *name;
  struct kind kinds[MAX_KINDS];
  int nkinds;
  int flags;
  struct step steps[MAX_STEPS];
  int nsteps;
  long long *ns;
};

static const struct kind KINDS[] = {
  { "cgroup", "/proc/thread-self/ns/cgroup", CLONE_NEWCGROUP },
  { "ipc", "/proc/thread-self/ns/ipc", CLONE_NEWIPC },
  { "mnt", "/proc/thread-self/ns/mnt", CLONE_NEWNS },
  { "net", "/proc/thread-self/ns/net", CLONE_NEWNET },
  { "pid", "/proc/thread-self/ns/pid_for_children", CLONE_NEWPID },
  { "uts", "/proc/thread-self/ns/uts", CLONE_NEWUTS },
};

static void die(const char *what, const char *detail) {
  fprintf(stderr, "ns-window: %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", strerror(errno));
  exit(1);
}

static void usage(const char *why) {
  fprintf(stderr, "ns-window: %s\nusage: ns-window [-wWARMUP] CYCLES NAME:kinds=net,mnt;private;lo;hostname=H;tmpfs=/tmp ...\n", why);
  exit(2);
}

static void parse_kinds(struct config *c, char *list) {
  for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    size_t i = 0;
    while (i < sizeof KINDS / sizeof KINDS[0] && strcmp(KINDS[i].name, name) != 0) i++;
    if (i == sizeof KINDS / sizeof KINDS[0]) usage("unknown namespace kind");
    if (c->nkinds == MAX_KINDS) usage("too many kinds");
    c->kinds[c->nkinds++] = KINDS[i];
    c->flags |= KINDS[i].flag;
  }
}

static void parse_config(struct config *c, char *spec) {
  char *colon = strchr(spec, ':');
  if (!colon) usage("a spec needs NAME:STEPS");
  *colon = '\0';
  c->name = spec;
  for (char *save = NULL, *item = strtok_r(colon + 1, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(item, '=');
    char *value = eq ? (*eq = '\0', eq + 1) : NULL;
    if (strcmp(item, "kinds") == 0) { if (value) parse_kinds(c, value); continue; }
    if (c->nsteps == MAX_STEPS) usage("too many steps");
    struct step *s = &c->steps[c->nsteps++];
    s->arg = value;
    if (strcmp(item, "private") == 0) s->op = OP_PRIVATE;
    else if (strcmp(item, "lo") == 0) s->op = OP_LO;
    else if (strcmp(item, "hostname") == 0 && value) s->op = OP_HOSTNAME;
    else if (strcmp(item, "tmpfs") == 0 && value) s->op = OP_TMPFS;
    else if (strcmp(item, "mqueue") == 0 && value) s->op = OP_MQUEUE;
    else usage("unknown step");
  }
}

// netdevice(7): read the flags, set IFF_UP, write them back, on a socket of the current netns.
static void loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", NULL);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) die("ioctl(SIOCGIFFLAGS)", "lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) die("ioctl(SIOCSIFFLAGS)", "lo");
  close(fd);
}

static void run_step(const struct step *s) {
  switch (s->op) {
    case OP_PRIVATE: if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("mount private", "/"); break;
    case OP_LO: loopback_up(); break;
    case OP_HOSTNAME: if (sethostname(s->arg, strlen(s->arg)) < 0) die("sethostname", s->arg); break;
    case OP_TMPFS: if (mount("tmpfs", s->arg, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) die("mount tmpfs", s->arg); break;
    case OP_MQUEUE: if (mount("mqueue", s->arg, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) die("mount mqueue", s->arg); break;
  }
}

static void window(const struct config *c) {
  int saved[MAX_KINDS];
  for (int i = 0; i < c->nkinds; i++)
    if ((saved[i] = open(c->kinds[i].ns_file, O_RDONLY | O_CLOEXEC)) < 0) die("open", c->kinds[i].ns_file);
  int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0) die("open", ".");
  if (c->nkinds > 0 && unshare(c->flags) < 0) die("unshare", c->name);
  for (int i = 0; i < c->nsteps; i++) run_step(&c->steps[i]);
  for (int i = 0; i < c->nkinds; i++)
    if (setns(saved[i], c->kinds[i].flag) < 0) die("setns back", c->kinds[i].name);
  if (fchdir(cwd) < 0) die("fchdir", NULL);
  for (int i = 0; i < c->nkinds; i++) close(saved[i]);
  close(cwd);
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  long warmup = 0;
  if (argc > 1 && strncmp(argv[1], "-w", 2) == 0) {
    warmup = strtol(argv[1] + 2, NULL, 10);
    if (warmup < 0) usage("WARMUP must not be negative");
    argv++;
    argc--;
  }
  if (argc < 3) usage("missing arguments");
  long cycles = strtol(argv[1], NULL, 10);
  if (cycles <= 0) usage("CYCLES must be a positive number");
  int nconfigs = argc - 2;
  if (nconfigs > MAX_CONFIGS) usage("too many specs");
  static struct config configs[MAX_CONFIGS];
  for (int i = 0; i < nconfigs; i++) {
    parse_config(&configs[i], argv[i + 2]);
    if (!(configs[i].ns = calloc((size_t)cycles, sizeof(long long)))) die("calloc", NULL);
  }
  for (long n = 0; n < warmup; n++)
    for (int i = 0; i < nconfigs; i++) window(&configs[i]);
  for (long n = 0; n < cycles; n++)
    for (int i = 0; i < nconfigs; i++) {
      long long start = now_ns();
      window(&configs[i]);
      configs[i].ns[n] = now_ns() - start;
    }
  printf("{\"configs\":[");
  for (int i = 0; i < nconfigs; i++) {
    printf("%s{\"name\":\"%s\",\"ns\":[", i ? "," : "", configs[i].name);
    for (long n = 0; n < cycles; n++) printf("%s%lld", n ? "," : "", configs[i].ns[n]);
    printf("]}");
    free(configs[i].ns);
  }
  printf("]}\n");
  return 0;
}
