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
//
// Renewal mode: ns-window --renew [--user-namespace] [-wWARMUP] CYCLES SPEC...
//   The floor for a reused worker's renewal (packages/core/src/renewal.ts). Set up once what a
//   worker has: with --user-namespace first a user namespace of its own (its uid and gid mapped to
//   themselves, as unshare(1) --map-current-user does) with the capabilities lowered to permitted
//   only, as the core's preload leaves them; then the first SPEC's kinds unshared and all its steps
//   run. Then each cycle renews once per SPEC, as the core does for a task that left the tmpfs
//   mounts untouched: for each tmpfs, opendir + readdir + closedir, statx and statfs (is it as it
//   was mounted?); capget (and capset to raise the capabilities, the user-namespace way); unshare
//   of the kinds among net, uts and ipc; umount2(MNT_DETACH) of each mqueue and each tmpfs the
//   task changed, then the steps again (lo up, hostname, that tmpfs, mqueue); capset to lower the
//   capabilities again; the same look at each fresh tmpfs. A SPEC with the pseudo-step left=PATH stands
//   for a task that left a file in the tmpfs at PATH: the file is written (untimed) before each of
//   its renewals, so that the renewal finds PATH used and mounts a fresh tmpfs there. Prints
//   {"renewals":[{"name":"untouched","us":[...per-renewal microseconds...]}, ...]}.
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
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
  const char *left; /* renewal mode: the tmpfs the task leaves a file in */
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
  fprintf(stderr, "ns-window: %s\nusage: ns-window [--renew [--user-namespace]] [-wWARMUP] CYCLES NAME:kinds=net,mnt;private;lo;hostname=H;tmpfs=/tmp[;left=/tmp] ...\n", why);
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
    if (strcmp(item, "left") == 0 && value) { c->left = value; continue; }
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

// ---- renewal mode ----

static int renewal_lowered; /* the user-namespace way: effective capabilities lowered between renewals */

static void capabilities(struct __user_cap_data_struct data[2], int set) {
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  if (syscall(set ? SYS_capset : SYS_capget, &header, data) < 0) die(set ? "capset" : "capget", NULL);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("open", path);
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die("write", path);
  close(fd);
}

// A user namespace of its own, the caller's uid and gid mapped to themselves, and the effective
// capabilities lowered, as unshare(1) --user --map-current-user --keep-caps and the core's
// preload leave a worker of the user-namespace way.
static void enter_user_namespace(void) {
  char map[64];
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) < 0) die("unshare", "CLONE_NEWUSER");
  write_file("/proc/self/setgroups", "deny");
  snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
  write_file("/proc/self/uid_map", map);
  snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
  write_file("/proc/self/gid_map", map);
}

static void lower_capabilities(void) {
  struct __user_cap_data_struct data[2];
  capabilities(data, 0);
  data[0].effective = data[1].effective = 0;
  data[0].inheritable = data[1].inheritable = 0;
  capabilities(data, 1);
  renewal_lowered = 1;
}

/* What tells a used tmpfs from a fresh one (renewal.ts tmpfsState): empty, then its stat and statfs. */
static int tmpfs_state(const char *path, struct statx *st, struct statfs *sf) {
  DIR *dir = opendir(path);
  if (!dir) die("opendir", path);
  struct dirent *entry;
  int empty = 1;
  errno = 0;
  while ((entry = readdir(dir)))
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) { empty = 0; break; }
  closedir(dir);
  if (!empty) return 0;
  if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS | STATX_BTIME, st) < 0) die("statx", path);
  if (statfs(path, sf) < 0) die("statfs", path);
  return 1;
}

struct tmpfs_seen { const char *path; struct statx st; struct statfs sf; };

static int same_state(const struct tmpfs_seen *a, const struct statx *st, const struct statfs *sf) {
  return a->st.stx_dev_major == st->stx_dev_major && a->st.stx_dev_minor == st->stx_dev_minor && a->st.stx_mode == st->stx_mode &&
         a->st.stx_uid == st->stx_uid && a->st.stx_gid == st->stx_gid &&
         a->st.stx_btime.tv_sec == st->stx_btime.tv_sec && a->st.stx_btime.tv_nsec == st->stx_btime.tv_nsec &&
         a->sf.f_blocks == sf->f_blocks && a->sf.f_bfree == sf->f_bfree && a->sf.f_files == sf->f_files && a->sf.f_ffree == sf->f_ffree;
}

static struct tmpfs_seen seen[MAX_STEPS];
static int nseen;

static void renew(const struct config *c) {
  int renewed_flags = c->flags & (CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC);
  int fresh[MAX_STEPS] = { 0 };
  for (int i = 0; i < nseen; i++) {
    struct statx st;
    struct statfs sf;
    fresh[i] = tmpfs_state(seen[i].path, &st, &sf) && same_state(&seen[i], &st, &sf);
  }
  struct __user_cap_data_struct before[2], raised[2];
  capabilities(before, 0);
  if (renewal_lowered) {
    memcpy(raised, before, sizeof raised);
    raised[0].effective = raised[0].permitted;
    raised[1].effective = raised[1].permitted;
    capabilities(raised, 1);
  }
  if (renewed_flags && unshare(renewed_flags) < 0) die("unshare", "to renew");
  // Innermost first, as the core unmounts them (mqueue before a tmpfs it may sit below).
  for (int i = c->nsteps - 1; i >= 0; i--) {
    const struct step *s = &c->steps[i];
    int used = 0;
    for (int k = 0; k < nseen; k++) if (s->op == OP_TMPFS && strcmp(seen[k].path, s->arg) == 0) used = !fresh[k];
    if (s->op == OP_MQUEUE || (s->op == OP_TMPFS && used))
      if (umount2(s->arg, MNT_DETACH) < 0) die("umount2", s->arg);
  }
  for (int i = 0; i < c->nsteps; i++) {
    const struct step *s = &c->steps[i];
    if (s->op == OP_PRIVATE) continue;
    if (s->op == OP_TMPFS) {
      int k = 0;
      while (k < nseen && strcmp(seen[k].path, s->arg) != 0) k++;
      if (k < nseen && fresh[k]) continue;
    }
    run_step(s);
  }
  if (renewal_lowered) capabilities(before, 1);
  for (int k = 0; k < nseen; k++)
    if (!fresh[k] && !tmpfs_state(seen[k].path, &seen[k].st, &seen[k].sf)) { errno = ENOTEMPTY; die("a fresh tmpfs is not empty:", seen[k].path); }
}

/* Once: what a worker has before its first task. */
static void set_up_worker(const struct config *c, int user_namespace) {
  if (user_namespace) enter_user_namespace();
  if (unshare(c->flags) < 0) die("unshare", c->name);
  for (int i = 0; i < c->nsteps; i++) run_step(&c->steps[i]);
  for (int i = 0; i < c->nsteps; i++)
    if (c->steps[i].op == OP_TMPFS) {
      seen[nseen].path = c->steps[i].arg;
      if (!tmpfs_state(c->steps[i].arg, &seen[nseen].st, &seen[nseen].sf)) { errno = ENOTEMPTY; die("a fresh tmpfs is not empty:", c->steps[i].arg); }
      nseen++;
    }
  if (user_namespace) lower_capabilities();
}

/* The task's part, untimed: leave a file in the tmpfs at `path`. */
static void leave_file(const char *path) {
  char file[4096];
  snprintf(file, sizeof file, "%s/left-by-the-task", path);
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open", file);
  if (write(fd, "x", 1) != 1) die("write", file);
  close(fd);
}

static long long now_ns(void);

static int renewal_main(int user_namespace, long warmup, long cycles, int nconfigs, struct config *configs) {
  set_up_worker(&configs[0], user_namespace);
  for (long n = -warmup; n < cycles; n++)
    for (int i = 0; i < nconfigs; i++) {
      if (configs[i].left) leave_file(configs[i].left);
      long long start = now_ns();
      renew(&configs[i]);
      if (n >= 0) configs[i].ns[n] = now_ns() - start;
    }
  printf("{\"renewals\":[");
  for (int i = 0; i < nconfigs; i++) {
    printf("%s{\"name\":\"%s\",\"us\":[", i ? "," : "", configs[i].name);
    for (long n = 0; n < cycles; n++) printf("%s%.3f", n ? "," : "", configs[i].ns[n] / 1000.0);
    printf("]}");
    free(configs[i].ns);
  }
  printf("]}\n");
  return 0;
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  long warmup = 0;
  int renewal = 0, user_namespace = 0;
  while (argc > 1 && (strcmp(argv[1], "--renew") == 0 || strcmp(argv[1], "--user-namespace") == 0)) {
    if (strcmp(argv[1], "--renew") == 0) renewal = 1;
    else user_namespace = 1;
    argv++;
    argc--;
  }
  if (user_namespace && !renewal) usage("--user-namespace goes with --renew");
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
  if (renewal) return renewal_main(user_namespace, warmup, cycles, nconfigs, configs);
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
