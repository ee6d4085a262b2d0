// Turns a failed libc call into a SyscallError. errno is read first, before any other work could overwrite it, and the
// error carries what was called on what: the path an fd was opened from and, for ioctl, the request's C name.
import { SyscallError, type SyscallErrorInit } from "../boundary/syscall-error.ts";
import { fdKindOfPath, ioctlName, type FdKind } from "../vfio/abi/ioctls.ts";
import { lastErrno } from "./libc.ts";

/**
 * The SyscallError for the libc call that just returned -1. Call it immediately after the failing call: errno is read
 * before anything is allocated. `request` (ioctl only) is resolved to its C name through the fd's `kind` (or, when not
 * given, the kind of fd `path` opens).
 * @returns the error to throw (errno positive; EINTR surfaces as code "EINTR" so callers can retry).
 */
export function lastError(syscall: string, fd?: number, path?: string, request?: number, kind?: FdKind): SyscallError {
  const errno = lastErrno();
  const init: SyscallErrorInit = { syscall, errno };
  if (fd !== undefined) init.fd = fd;
  if (path !== undefined) init.path = path;
  if (request !== undefined) init.request = kind ? ioctlName(kind, request) : ioctlRequestName(path, request);
  return new SyscallError(init);
}

/** The C name of `request` on an fd opened from `path` ("VFIO_SET_IOMMU"), or its hex number when unknown. */
export function ioctlRequestName(path: string | undefined, request: number): string {
  return ioctlName(path === undefined ? undefined : fdKindOfPath(path), request);
}
