// Values from the Linux uapi headers (x86_64 and aarch64 agree on all of them).

export const CLONE = Object.freeze({
  CLONE_FS: 0x00000200,
  CLONE_NEWTIME: 0x00000080,
  CLONE_NEWNS: 0x00020000,
  CLONE_NEWCGROUP: 0x02000000,
  CLONE_NEWUTS: 0x04000000,
  CLONE_NEWIPC: 0x08000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
})

export const MS = Object.freeze({
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  MS_BIND: 4096,
  MS_REC: 16384,
  MS_PRIVATE: 1 << 18,
  MS_SLAVE: 1 << 19,
})

export const MNT_DETACH = 2

export const O = Object.freeze({
  O_RDONLY: 0,
  O_DIRECTORY: 0o200000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
})

export const AF_INET = 2
export const SOCK_DGRAM = 2
export const SOCK_CLOEXEC = 0o2000000

export const SIOCGIFFLAGS = 0x8913
export const SIOCSIFFLAGS = 0x8914
export const IFF_UP = 0x1
export const IFF_RUNNING = 0x40
/** sizeof(struct ifreq) on 64-bit Linux: 16 bytes of name, 24 of union. */
export const IFREQ_SIZE = 40
export const IFNAMSIZ = 16

/** HOST_NAME_MAX of limits.h: sethostname(2) refuses longer names with EINVAL. */
export const HOST_NAME_MAX = 64

/** _IO(0xb7, 0x1) of linux/nsfs.h: a descriptor of the user namespace that owns a namespace. */
export const NS_GET_USERNS = 0xb701

/** fcntl(2): the descriptor flags (FD_CLOEXEC) and the file status flags (O_NONBLOCK). */
export const F_GETFD = 1
export const F_SETFD = 2
export const F_GETFL = 3
export const F_SETFL = 4
export const O_NONBLOCK = 0o4000

/** capset(2): _LINUX_CAPABILITY_VERSION_3 takes two 32-bit data structs (64 capabilities). */
export const LINUX_CAPABILITY_VERSION_3 = 0x20080522
export const CAP_HEADER_SIZE = 8
export const CAP_DATA_SIZE = 24

/** prctl(2): PR_CAP_AMBIENT with PR_CAP_AMBIENT_CLEAR_ALL empties the ambient set. */
export const PR_CAP_AMBIENT = 47
export const PR_CAP_AMBIENT_CLEAR_ALL = 4

/** prctl(2): PR_SET_CHILD_SUBREAPER makes orphaned descendants children of the caller. */
export const PR_SET_CHILD_SUBREAPER = 36

/** waitid(2): wait for any child; return at once; only children that ended; leave them waitable. */
export const P_ALL = 0
export const WNOHANG = 1
export const WEXITED = 4
export const WNOWAIT = 0x01000000
/** The size of siginfo_t, which waitid() fills. */
export const SIGINFO_SIZE = 128
export const ECHILD = 10
