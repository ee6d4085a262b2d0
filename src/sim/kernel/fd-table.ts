// The simulated kernel's fd table: the VFIO files this process has open, numbered from SIM_FD_BASE so they never
// collide with its real fds (eventfds are real), and the SyscallError an operation on one of them fails with (the
// fd, the node's path, and an ioctl's C name for its file kind).
import { PAGEMAP_PATH } from "../../vfio/abi/pagemap.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import { fdKindOfPath, ioctlName } from "../../vfio/abi/ioctls.ts";
import type { VfioFile } from "../vfio/vfio-files.ts";
import { Errno } from "./errno.ts";

/** Simulated fds start here. */
const SIM_FD_BASE = 100_000;

export class FdTable {
  private readonly files = new Map<number, VfioFile>();
  private nextFd = SIM_FD_BASE;

  /** Install the file `make` builds for the next free number; returns that number. */
  add(make: (fd: number) => VfioFile): number {
    const fd = this.nextFd++;
    this.files.set(fd, make(fd));
    return fd;
  }

  get(fd: number): VfioFile | undefined {
    return this.files.get(fd);
  }

  has(fd: number): boolean {
    return this.files.has(fd);
  }

  delete(fd: number): void {
    this.files.delete(fd);
  }

  /** The open fds (a copy: closing while iterating is fine). */
  fds(): number[] {
    return [...this.files.keys()];
  }

  /** Rethrow what an operation on `fd` threw: a refusal (Errno) as the SyscallError user space sees, else unchanged. */
  rethrow(e: unknown, syscall: string, fd: number, request?: number): never {
    throw e instanceof Errno ? this.error(e.code, syscall, fd, request) : e;
  }

  /** Rethrow what a call on no fd threw (mmap, mlock of pinned memory): a refusal as its SyscallError, else unchanged. */
  rethrowCall(e: unknown, syscall: string): never {
    throw e instanceof Errno ? SyscallError.of(e.code, { syscall }) : e;
  }

  /** The error `syscall` on `fd` fails with, errno `code` (the path and ioctl name come from the file's kind). */
  error(code: string, syscall: string, fd: number, request?: number): SyscallError {
    const f = this.files.get(fd);
    if (f?.kind === "pagemap") return SyscallError.of(code, { syscall, fd, path: PAGEMAP_PATH });
    if (f?.kind === "kmsg") return SyscallError.of(code, { syscall, fd, path: "/dev/kmsg" });
    const path =
      f?.kind === "group" || f?.kind === "cdev" ? f.path : f?.kind === "container" ? "/dev/vfio/vfio" : f?.kind === "iommufd" ? "/dev/iommu" : undefined;
    const kind = f ? (f.kind === "cdev" ? "device" : f.kind) : path ? fdKindOfPath(path) : undefined;
    return SyscallError.of(code, {
      syscall,
      fd,
      ...(path ? { path } : {}),
      ...(request !== undefined ? { request: ioctlName(kind, request) } : {}),
    });
  }
}
