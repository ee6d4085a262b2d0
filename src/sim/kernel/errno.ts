// The simulated kernel's one errno path: every handler (ioctl, read/write, mmap, open) refuses by throwing an Errno
// with the errno's name, and the boundary turns it into the SyscallError user space sees (with the fd, path and
// ioctl name it knows). The argsz and flag checks the VFIO handlers share are here too, so their order is stated once.
import { ERRNO } from "../../boundary/errno.ts";

/** An errno outcome of a simulated kernel operation; the boundary rethrows it as a SyscallError. */
export class Errno {
  constructor(readonly code: string) {
    // A typo in an errno name is a bug in the simulator, not an answer of the kernel.
    if (ERRNO[code] === undefined) throw new Error(`unknown errno name ${code}`);
  }
}

/** Refuse with errno `code`. @throws Errno */
export function fail(code: string): never {
  throw new Errno(code);
}

/** The argument of an ioctl that takes a pointer: an integer argument is a bad address (EFAULT). @throws Errno */
export function pointerArg(arg: Uint8Array | number): Uint8Array {
  if (typeof arg === "number") fail("EFAULT");
  return arg;
}

/** The u32 at `offset` of an ioctl argument (argsz at 0, flags at 4 in every VFIO struct). */
export function u32At(arg: Uint8Array, offset: number): number {
  return new DataView(arg.buffer, arg.byteOffset, arg.byteLength).getUint32(offset, true);
}

/**
 * The VFIO device handlers' header check: copy_from_user(minsz) faults first (EFAULT for a buffer shorter than
 * `minsz`), then argsz below `minsz` is EINVAL. @throws Errno
 */
export function argBuffer(arg: Uint8Array | number, minsz: number): Uint8Array {
  if (typeof arg === "number" || arg.length < minsz) fail("EFAULT");
  if (u32At(arg, 0) < minsz) fail("EINVAL");
  return arg;
}

/**
 * The type1 IOMMU's order: argsz is read first (EFAULT when not even 4 bytes), EINVAL below `minsz`, and a buffer
 * shorter than `minsz` faults only when argsz claims more than it holds. Returns argsz. @throws Errno
 */
export function type1Argsz(arg: Uint8Array | number, minsz: number): number {
  if (typeof arg === "number" || arg.length < 4) fail("EFAULT");
  const argsz = u32At(arg, 0);
  if (argsz < minsz) fail("EINVAL");
  if (argsz > arg.length && arg.length < minsz) fail("EFAULT");
  return argsz;
}

/** Flags outside `known` are EINVAL (the kernel's `flags & ~KNOWN` check). @throws Errno */
export function knownFlags(flags: number, known: number): void {
  if (flags & ~known) fail("EINVAL");
}
