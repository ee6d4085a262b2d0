// The simulated process's OS primitives: the real ones (eventfds are real files, so interrupts reach real eventfds;
// memory is real memory, so DMA reaches it), except that simulated fds are no eventfds and that pinned memory gets
// frames of the board's RAM from the simulated kernel (kernel/physical-memory.ts), which devices without an IOMMU
// reach by physical address. SimBoundary adds the files to this.
import type { Fd, OsPrimitives, ProcessMemory } from "../boundary/kernel-boundary.ts";
import type { SimKernel } from "./kernel/sim-kernel.ts";

/** The part of OsPrimitives the simulated process answers itself (SimBoundary has the rest: close, poll, pageSize). */
export abstract class SimProcess {
  protected constructor(
    protected readonly os: OsPrimitives,
    protected readonly k: SimKernel,
  ) {}

  eventfd(initval: number, flags: number): Fd {
    return this.os.eventfd(initval, flags);
  }
  read(fd: Fd, buf: Uint8Array): number {
    if (this.k.fds.has(fd)) throw this.k.fds.error("EINVAL", "read", fd);
    return this.os.read(fd, buf);
  }
  write(fd: Fd, buf: Uint8Array): number {
    if (this.k.fds.has(fd)) throw this.k.fds.error("EINVAL", "write", fd);
    return this.os.write(fd, buf);
  }
  allocMemory(length: number): ProcessMemory {
    return this.os.allocMemory(length);
  }
  /**
   * Pinned memory with frames in the board's RAM: huge pages from the board's pool, or small pages.
   * @throws SyscallError EINVAL (mmap: no pool of that huge page size, or a bad length), ENOMEM (mmap: the pool is
   *   short; mlock: RAM is)
   */
  allocPinnedMemory(length: number, hugePageSize?: number): ProcessMemory {
    try {
      return this.k.physical.allocate(length, hugePageSize);
    } catch (e) {
      return this.k.fds.rethrowCall(e, hugePageSize === undefined ? "mlock" : "mmap");
    }
  }
  memoryAt(address: bigint, length: number): Uint8Array {
    return this.os.memoryAt(address, length);
  }
  isMapped(address: bigint, length: number, prot: number): boolean {
    return this.os.isMapped(address, length, prot);
  }
  isEventFd(fd: Fd): boolean {
    return !this.k.fds.has(fd) && this.os.isEventFd(fd);
  }
}
