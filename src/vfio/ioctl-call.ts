// One helper for every ioctl the typed library makes: it runs the call and wraps a kernel refusal into a VfioError
// that names the operation and the device, keeping the SyscallError (errno, request name) as its cause. And the one
// close of an fd the library owns.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { VfioError } from "./errors.ts";

/** ioctl(fd, request, arg); on failure throws VfioError(operation) with the SyscallError as cause. */
export function vfioIoctl(
  b: KernelBoundary,
  fd: Fd,
  request: number,
  arg: Uint8Array | number,
  operation: string,
  device?: string,
): number {
  try {
    return b.ioctl(fd, request, arg);
  } catch (e) {
    if (e instanceof SyscallError) throw new VfioError(operation, { device, cause: e });
    throw e;
  }
}

/**
 * close(2) of an fd a library object owns. A SyscallError (EBADF, EIO) is dropped: the fd is released either way, and
 * a close during cleanup must not hide the error that led to it. Anything else is rethrown.
 */
export function closeOwnedFd(b: KernelBoundary, fd: Fd): void {
  try {
    b.close(fd);
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
  }
}
