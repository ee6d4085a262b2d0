// errno numbers and names for Linux (the same on x86-64 and arm64). One table so that the simulated kernel and the
// real one raise errors with the same numbers, and so a name can be turned back into a number without libc.

/**
 * errno name -> number: Linux's generic values (include/uapi/asm-generic/errno-base.h and errno.h, which x86-64 and
 * arm64 both use), the names the runtime's own table (node:os constants.errno) has plus EBADFD, which the kernel
 * returns to VFIO users (VFIO_DEVICE_BIND_IOMMUFD given an fd that is no iommufd). Written out rather than read from
 * node:os, whose `constants` getter cost a one-shot CLI call several ms; test/unit/errno-table.test.ts checks it
 * against both the runtime's table and the C header. Where two names share a number the first is the canonical one.
 */
export const ERRNO: Readonly<Record<string, number>> = {
  E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EADDRNOTAVAIL: 99, EAFNOSUPPORT: 97, EAGAIN: 11, EALREADY: 114, EBADF: 9,
  EBADMSG: 74, EBUSY: 16, ECANCELED: 125, ECHILD: 10, ECONNABORTED: 103, ECONNREFUSED: 111, ECONNRESET: 104,
  EDEADLK: 35, EDESTADDRREQ: 89, EDOM: 33, EDQUOT: 122, EEXIST: 17, EFAULT: 14, EFBIG: 27, EHOSTUNREACH: 113,
  EIDRM: 43, EILSEQ: 84, EINPROGRESS: 115, EINTR: 4, EINVAL: 22, EIO: 5, EISCONN: 106, EISDIR: 21, ELOOP: 40,
  EMFILE: 24, EMLINK: 31, EMSGSIZE: 90, EMULTIHOP: 72, ENAMETOOLONG: 36, ENETDOWN: 100, ENETRESET: 102,
  ENETUNREACH: 101, ENFILE: 23, ENOBUFS: 105, ENODATA: 61, ENODEV: 19, ENOENT: 2, ENOEXEC: 8, ENOLCK: 37,
  ENOLINK: 67, ENOMEM: 12, ENOMSG: 42, ENOPROTOOPT: 92, ENOSPC: 28, ENOSR: 63, ENOSTR: 60, ENOSYS: 38, ENOTCONN: 107,
  ENOTDIR: 20, ENOTEMPTY: 39, ENOTSOCK: 88, ENOTSUP: 95, ENOTTY: 25, ENXIO: 6, EOPNOTSUPP: 95, EOVERFLOW: 75,
  EPERM: 1, EPIPE: 32, EPROTO: 71, EPROTONOSUPPORT: 93, EPROTOTYPE: 91, ERANGE: 34, EROFS: 30, ESPIPE: 29, ESRCH: 3,
  ESTALE: 116, ETIME: 62, ETIMEDOUT: 110, ETXTBSY: 26, EWOULDBLOCK: 11, EXDEV: 18, EBADFD: 77,
};

const NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(ERRNO)) {
  // EWOULDBLOCK aliases EAGAIN, EDEADLOCK aliases EDEADLK: keep the first (canonical) name.
  if (!NAMES.has(num)) NAMES.set(num, name);
}

/** The symbolic name (`EBUSY`) of a positive errno, or `E<number>` when unknown. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** The positive errno number of a name such as `EBUSY`; throws on an unknown name (a programming error). */
export function errnoOf(name: string): number {
  const n = ERRNO[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}

// strerror(3) texts for the errnos this tool meets, so messages read like the C library's on every backend.
const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  EBADF: "Bad file descriptor",
  EBADFD: "File descriptor in bad state",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EPIPE: "Broken pipe",
  ERANGE: "Numerical result out of range",
  ENOSYS: "Function not implemented",
  EOPNOTSUPP: "Operation not supported",
  ETIMEDOUT: "Connection timed out",
  EMSGSIZE: "Message too long",
  ENAMETOOLONG: "File name too long",
  ELOOP: "Too many levels of symbolic links",
  EOVERFLOW: "Value too large for defined data type",
  EADDRINUSE: "Address already in use",
};

/** The C library's message for an errno name ("Device or resource busy"). */
export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}
