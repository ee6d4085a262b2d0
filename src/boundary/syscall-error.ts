// The one error shape that crosses the kernel boundary. Both backends throw it, with the same errno for the same
// situation, so everything above the boundary (library, host layer, CLI) handles errors without knowing the backend.
import { errnoName, errnoOf, strerror } from "./errno.ts";

export interface SyscallErrorInit {
  /** The system call or file operation: "open", "ioctl", "pread", "readFile", ... */
  syscall: string;
  /** Positive errno (the kernel/C convention; Node and Bun use negative numbers, we normalise). */
  errno: number;
  path?: string;
  fd?: number;
  /** The ioctl's C name, e.g. "VFIO_GROUP_SET_CONTAINER". */
  request?: string;
}

/** A failed system call: what was called, on what, and what the kernel answered. */
export class SyscallError extends Error {
  override readonly name = "SyscallError";
  readonly syscall: string;
  readonly errno: number;
  /** Symbolic errno, the primary discriminator: `err.code === "EBUSY"`. */
  readonly code: string;
  readonly path?: string;
  readonly fd?: number;
  readonly request?: string;

  constructor(init: SyscallErrorInit) {
    const code = errnoName(init.errno);
    const what = init.request ? `${init.syscall} ${init.request}` : init.syscall;
    const on = init.path !== undefined ? ` '${init.path}'` : init.fd !== undefined ? ` fd ${init.fd}` : "";
    super(`${code}: ${strerror(code).toLowerCase()}, ${what}${on}`);
    this.syscall = init.syscall;
    this.errno = init.errno;
    this.code = code;
    if (init.path !== undefined) this.path = init.path;
    if (init.fd !== undefined) this.fd = init.fd;
    if (init.request !== undefined) this.request = init.request;
  }

  /** Shorthand used by the simulated kernel: `SyscallError.of("EBUSY", { syscall: "open", path })`. */
  static of(code: string, where: Omit<SyscallErrorInit, "errno">): SyscallError {
    return new SyscallError({ ...where, errno: errnoOf(code) });
  }
}

/** True when `e` is a SyscallError with one of the given codes. */
export function isSyscallError(e: unknown, ...codes: string[]): e is SyscallError {
  return e instanceof SyscallError && (codes.length === 0 || codes.includes(e.code));
}
