// errno numbers and names for Linux (the same on x86-64 and arm64). One table so that the simulated kernel and the
// real one raise errors with the same numbers, and so a name can be turned back into a number without libc.
import { constants } from "node:os";

/**
 * errno name -> number, from the runtime's own table (Linux values), plus the Linux errnos that table lacks and the
 * kernel returns to VFIO users (EBADFD: VFIO_DEVICE_BIND_IOMMUFD given an fd that is no iommufd).
 */
export const ERRNO: Readonly<Record<string, number>> = { ...(constants.errno as Record<string, number>), EBADFD: 77 };

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
