// The real KernelBoundary: system calls through libc (bun:ffi) and sysfs/procfs through node:fs. It remembers which path
// each fd was opened from, so a failed ioctl is reported by its C name (request numbers overlap between fd kinds).
import type { Pointer } from "bun:ffi";
import {
  O_CLOEXEC,
  PROT_WRITE,
  type Fd,
  type KernelBoundary,
  type Mapping,
  type PollRequest,
  type ProcessMemory,
} from "../boundary/kernel-boundary.ts";
import { ERRNO } from "../boundary/errno.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { fdKindOfPath, GROUP_IOCTLS, type FdKind } from "../vfio/abi/ioctls.ts";
import { lastError } from "./errno.ts";
import { libc, SC_PAGESIZE } from "./libc.ts";
import { mapRegion } from "./mapped-region.ts";
import { MmioMapping } from "./mmio-mapping.ts";
import { isEventFd, isMapped } from "./proc-self.ts";
import { allocPinnedMemory } from "./pinned-memory.ts";
import { allocMemory, memoryAt } from "./process-memory.ts";
import { createRealFs } from "./real-fs.ts";

/**
 * A KernelBoundary over this machine's kernel. Nothing is dlopen'ed until the first system call. Every call throws
 * SyscallError with the kernel's errno (EINTR included: callers retry); open() adds O_CLOEXEC so children never inherit
 * (and keep busy) a VFIO group or device.
 */
export function createRealBoundary(): KernelBoundary {
  const paths = new Map<Fd, string>();
  // Device fds from VFIO_GROUP_GET_DEVICE_FD have no path: their kind is recorded here so their ioctls are named too.
  const kinds = new Map<Fd, FdKind>();
  let pageSize = 0;
  const getPageSize = (): number => {
    if (pageSize === 0) pageSize = Number(libc().sysconf(SC_PAGESIZE));
    return pageSize;
  };
  // Reused pollfd array, grown on demand: poll() allocates nothing per call beyond its result.
  let pollFds = new Int32Array(0);
  let pollShorts = new Int16Array(0);

  const check = (result: number, syscall: string, fd: Fd): number => {
    if (result < 0) throw lastError(syscall, fd, paths.get(fd));
    return result;
  };
  // pread/pwrite pass their offset as "ptr" (libc.ts), which has no sign and no fraction: only a whole number from 0
  // to 2^53 reaches the call; anything else (negative, as the kernel answers; a fraction, NaN or infinity, which no
  // off_t can be) is EINVAL here, so that no conversion of it ever reaches the call.
  const offsetArg = (offset: number, syscall: string, fd: Fd): Pointer => {
    if (Number.isSafeInteger(offset) && offset >= 0) return offset as Pointer;
    throw new SyscallError({ syscall, errno: ERRNO.EINVAL!, fd, path: paths.get(fd) });
  };

  return {
    kind: "real",
    get pageSize() {
      return getPageSize();
    },
    fs: createRealFs(),

    open(path: string, flags: number): Fd {
      if (path.includes("\0")) throw new TypeError("path contains a NUL byte");
      // SAFETY: a fresh NUL-terminated copy of the path, alive for the call.
      const fd = libc().open(Buffer.from(`${path}\0`, "utf8"), flags | O_CLOEXEC, 0);
      if (fd < 0) throw lastError("open", undefined, path);
      paths.set(fd, path);
      const kind = fdKindOfPath(path);
      if (kind) kinds.set(fd, kind);
      return fd;
    },

    close(fd: Fd): void {
      const path = paths.get(fd);
      paths.delete(fd);
      kinds.delete(fd);
      // Linux releases the fd even when close reports EINTR/EIO, so it is never retried.
      if (libc().close(fd) < 0) throw lastError("close", fd, path);
    },

    ioctl(fd: Fd, request: number, arg: Uint8Array | number): number {
      // SAFETY: a struct buffer is passed as its data pointer and the kernel writes at most argsz (its length, set by
      // the src/vfio/abi encoder) back; a by-value integer travels in the pointer-typed argument register unchanged.
      const result = libc().ioctl(fd, request, typeof arg === "number" ? (arg as Pointer) : arg);
      if (result < 0) throw lastError("ioctl", fd, paths.get(fd), request, kinds.get(fd));
      if (request === GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD && kinds.get(fd) === "group") kinds.set(result, "device");
      return result;
    },

    // SAFETY (pread, pwrite, read, write): the typed array is passed as its own data pointer (byteOffset included)
    // with its own length, and it stays referenced for the duration of the call.
    // The count and offset are passed as 64-bit register values (libc.ts: declared "ptr").
    pread: (fd, buf, offset) => check(libc().pread(fd, buf, buf.length as Pointer, offsetArg(offset, "pread", fd)), "pread", fd),
    pwrite: (fd, buf, offset) => check(libc().pwrite(fd, buf, buf.length as Pointer, offsetArg(offset, "pwrite", fd)), "pwrite", fd),
    read: (fd, buf) => check(libc().read(fd, buf, buf.length), "read", fd),
    write: (fd, buf) => check(libc().write(fd, buf, buf.length), "write", fd),

    lseek: (fd, offset, whence) => check(Number(libc().lseek(fd, offset, whence)), "lseek", fd),

    mmap(fd: Fd, length: number, prot: number, flags: number, offset: number): Mapping {
      return new MmioMapping(mapRegion(fd, length, prot, flags, offset, paths.get(fd)), (prot & PROT_WRITE) !== 0);
    },

    eventfd(initval: number, flags: number): Fd {
      const fd = libc().eventfd(initval, flags);
      if (fd < 0) throw lastError("eventfd");
      return fd;
    },

    poll(fds: readonly PollRequest[], timeoutMs: number): number[] {
      if (pollFds.length < fds.length * 2) {
        pollFds = new Int32Array(fds.length * 2);
        pollShorts = new Int16Array(pollFds.buffer);
      }
      for (let i = 0; i < fds.length; i++) {
        pollFds[i * 2] = fds[i]!.fd;
        pollShorts[i * 4 + 2] = fds[i]!.events;
        pollShorts[i * 4 + 3] = 0;
      }
      // SAFETY: pollFds holds fds.length 8-byte struct pollfd entries {int fd; short events; short revents} and stays
      // referenced during the call.
      const ready = libc().poll(pollFds, fds.length, timeoutMs);
      if (ready < 0) throw lastError("poll");
      const revents: number[] = new Array(fds.length);
      // revents is a bit mask: read it unsigned.
      for (let i = 0; i < fds.length; i++) revents[i] = pollShorts[i * 4 + 3]! & 0xffff;
      return revents;
    },

    allocMemory(length: number): ProcessMemory {
      return allocMemory(length, getPageSize());
    },
    allocPinnedMemory(length: number, hugePageSize?: number): ProcessMemory {
      return allocPinnedMemory(length, getPageSize(), hugePageSize);
    },
    memoryAt,
    isMapped,
    isEventFd,

    dispose(): void {
      // The caller owns every fd it opened; only bookkeeping is dropped.
      paths.clear();
      kinds.clear();
      pollFds = new Int32Array(0);
      pollShorts = new Int16Array(0);
    },
  };
}
