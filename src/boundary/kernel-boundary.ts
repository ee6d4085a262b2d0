// The kernel boundary: the handful of system calls and file operations a VFIO user program makes. Everything vfio-plat
// does to a machine goes through this interface. Two implementations exist and nothing above this seam knows which one
// it talks to: src/ffi (libc through bun:ffi, the real machine) and src/sim (an in-process model of the Linux side).
//
// Contract for every implementation:
//  - failures throw SyscallError with the errno Linux would give for the same situation (errno parity);
//  - offsets are plain numbers: VFIO file offsets reach `index << 40`, far below 2^53, and numbers keep the hot path
//    free of BigInt allocation;
//  - buffers are Uint8Array; ioctl structs are encoded by src/vfio/abi, never here.

/** A file descriptor number as the C library would return it. */
export type Fd = number;

// open(2) flags and mmap(2)/poll(2)/eventfd(2) constants that are identical on x86-64 and arm64 Linux.
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
/** Fault every page in at mmap time (so a short huge page pool fails there, not at the first touch). */
export const MAP_POPULATE = 0x8000;
/** Back the mapping with huge pages from the hugetlb pool; the page size goes in the bits at MAP_HUGE_SHIFT. */
export const MAP_HUGETLB = 0x40000;
/** log2(huge page size) << MAP_HUGE_SHIFT selects a non-default huge page size (0 there: the default size). */
export const MAP_HUGE_SHIFT = 26;
/** madvise(2) advice: the range is not inherited by a fork()ed child, so a fork cannot make the parent's DMA pages copy-on-write. */
export const MADV_DONTFORK = 10;
// lseek(2) whence values (identical on every Linux architecture).
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const POLLIN = 0x001;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

/** One entry of a poll(2) request. */
export interface PollRequest {
  fd: Fd;
  /** POLLIN etc. */
  events: number;
}

/**
 * A mapping of a device region (mmap of a VFIO device fd). Every accessor performs exactly one access of exactly its
 * width at `offset` (bytes from the start of the mapping). Offsets are checked for alignment and bounds *before* the
 * access and a RangeError is thrown instead: an unaligned or out-of-range MMIO access would be a SIGBUS that kills the
 * process without cleanup.
 */
export interface Mapping {
  readonly length: number;
  read8(offset: number): number;
  read16(offset: number): number;
  read32(offset: number): number;
  read64(offset: number): bigint;
  write8(offset: number, value: number): void;
  write16(offset: number, value: number): void;
  write32(offset: number, value: number): void;
  write64(offset: number, value: bigint): void;
  /** munmap(2). Accessors throw afterwards. */
  unmap(): void;
}

/**
 * Page-aligned anonymous process memory (mmap MAP_PRIVATE|MAP_ANONYMOUS) to hand to a device for DMA through
 * VFIO_IOMMU_MAP_DMA. `bytes` views exactly that memory, so data the device writes is visible there.
 */
export interface ProcessMemory {
  /** The process virtual address (`vaddr` of vfio_iommu_type1_dma_map). */
  readonly address: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  /** munmap(2). Must not be called while the memory is still DMA-mapped. */
  free(): void;
}

/** File operations on sysfs, procfs and /dev, with errors normalised to SyscallError (positive errno). */
export interface BoundaryFs {
  readFile(path: string): string;
  /**
   * The file's raw bytes: device-tree properties (of_node/reg) are big-endian binary, which a UTF-8 decode would
   * damage (any byte >= 0x80).
   */
  readBytes(path: string): Uint8Array;
  /** Writes the whole string in one write(2), as sysfs attributes require. */
  writeFile(path: string, data: string): void;
  readlink(path: string): string;
  readdir(path: string): string[];
  exists(path: string): boolean;
  /** lstat-like facts needed for diagnostics (device node permissions). */
  stat(path: string): { mode: number; uid: number; gid: number; isDirectory: boolean; isSymlink: boolean };
  /** chown(2) on a device node (hand /dev/vfio/N to a user). */
  chown(path: string, uid: number, gid: number): void;
  /** chmod(2) on a device node (make /dev/vfio/N group read-write when it is handed to a group). */
  chmod(path: string, mode: number): void;
  /**
   * Read a record-oriented device to its current end without blocking, one record per read(2): /dev/kmsg, the kernel
   * log, where the IOMMU reports faults. Records keep the kmsg form "prio,seq,usec,flags;message".
   */
  readRecords(path: string): string[];
}

/**
 * The primitives a process gets from the operating system itself, independent of VFIO: eventfds, poll, plain
 * read/write, anonymous memory. The simulated backend is *given* these from the real one, so simulated interrupts land in
 * real eventfds and simulated DMA lands in real process memory.
 */
export interface OsPrimitives {
  /** The CPU page size (mmap granularity). */
  readonly pageSize: number;
  eventfd(initval: number, flags: number): Fd;
  /** poll(2). Returns `revents` per request, in order. Throws SyscallError EINTR when a signal arrives. */
  poll(fds: readonly PollRequest[], timeoutMs: number): number[];
  read(fd: Fd, buf: Uint8Array): number;
  write(fd: Fd, buf: Uint8Array): number;
  close(fd: Fd): void;
  /** Anonymous, page-aligned, zero-filled process memory. */
  allocMemory(length: number): ProcessMemory;
  /**
   * Process memory the kernel keeps resident and in place, for DMA without an IOMMU. `hugePageSize` given: MAP_HUGETLB
   * pages of that size (SyscallError ENOMEM when the pool is short). Omitted: small pages locked with mlock (SyscallError
   * ENOMEM / EPERM past RLIMIT_MEMLOCK). Zero-filled; `free()` unlocks and unmaps.
   */
  allocPinnedMemory(length: number, hugePageSize?: number): ProcessMemory;
  /**
   * A view of `length` bytes of this process's memory at `address`, for a model that performs DMA into memory the
   * program mapped. The caller must have proven the range is mapped (see `isMapped`).
   */
  memoryAt(address: bigint, length: number): Uint8Array;
  /** True when [address, address+length) lies in mappings of this process with the given protection (PROT_*). */
  isMapped(address: bigint, length: number, prot: number): boolean;
  /** True when `fd` is an open eventfd of this process. */
  isEventFd(fd: Fd): boolean;
}

/** The seam. See the file comment for the contract. */
export interface KernelBoundary extends OsPrimitives {
  readonly kind: "real" | "sim";
  /** open(2) of a device node (/dev/vfio/...). Throws SyscallError. */
  open(path: string, flags: number): Fd;
  /**
   * ioctl(2). `arg` is a struct buffer (the kernel may write back into it) or a plain integer argument (passed by
   * value, as VFIO_CHECK_EXTENSION and VFIO_SET_IOMMU expect). Returns the non-negative result.
   */
  ioctl(fd: Fd, request: number, arg: Uint8Array | number): number;
  pread(fd: Fd, buf: Uint8Array, offset: number): number;
  pwrite(fd: Fd, buf: Uint8Array, offset: number): number;
  /**
   * lseek(2): move the fd's position; returns the new one. /dev/kmsg takes only offset 0: SEEK_SET goes to the oldest
   * record, SEEK_END past the newest (what `dmesg -W` does, atomically), other offsets are ESPIPE.
   */
  lseek(fd: Fd, offset: number, whence: number): number;
  mmap(fd: Fd, length: number, prot: number, flags: number, offset: number): Mapping;
  readonly fs: BoundaryFs;
  /** Release everything this boundary holds (the simulated board saves its state here). */
  dispose(): void;
}
