// The simulated kernel boundary: the same interface as the real one, answered by a model of the Linux side. Files
// under /sys, /dev/vfio and /proc come from SimFs; VFIO container/group/device fds are simulated files, one module per
// file kind as drivers/vfio has them (src/sim/vfio/*-file.ts), over the shared kernel state of kernel/sim-kernel.ts;
// eventfds, poll and process memory are the real ones (given as `os`), so interrupts reach real eventfds and DMA
// reaches real memory. This file only routes each call to its file kind and turns a refusal (Errno) into the
// SyscallError user space sees. Device models run on their clock: every call, and every poll() wait, brings them up
// to now first (kernel/board-clock.ts, kernel/sim-poll.ts). Bus-master DMA goes through the board's SMMU to the
// memory this process mapped with MAP_DMA (src/sim/iommu, kernel/dma-attach.ts), or by physical address (sim-process.ts).
import type { BoundaryFs, Fd, KernelBoundary, Mapping, OsPrimitives, PollRequest } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import type { BoardSpec, DeviceSpec } from "./boards/board-spec.ts";
import { boardSpecOf } from "./boards/board-of.ts";
import type { Clock, DmaPort } from "./devices/device-model.ts";
import type { Smmu } from "./iommu/smmu.ts";
import { SYSTEM_CLOCK } from "./kernel/board-clock.ts";
import { ACCESS_BUDGET_MS } from "./kernel/catch-up.ts";
import { Errno, fail } from "./kernel/errno.ts";
import { isRealFd } from "./kernel/eventfds.ts";
import { SimKernel } from "./kernel/sim-kernel.ts";
import { forgetAtExit } from "./kernel/write-behind.ts";
import type { LockWaitListener, StaleLockListener } from "./state/pid-lock.ts";
import { StateStore } from "./state/state-store.ts";
import { SimFs } from "./sysfs/sim-fs.ts";
import { closeDevice, deviceFileIoctl, deviceMmap, deviceRw } from "./vfio/device-file.ts";
import type { DeviceRuntime } from "./kernel/device-runtime.ts";
import { PAGEMAP_PATH } from "../vfio/abi/pagemap.ts";
import type { PhysicalMemory } from "./kernel/physical-memory.ts";
import { SimProcess } from "./sim-process.ts";
import { cdevFile, containerFile, groupFile, iommufdFile, kmsgFile, pagemapFile, simPollModule } from "./lazy-modules.ts";

export interface SimOptions {
  /** Directory holding the board's state; shared by every process that simulates this board. */
  stateDir: string;
  /** The real OS primitives (eventfd, poll, memory). */
  os: OsPrimitives;
  /** Board for a new state directory (name or spec); an existing board is kept. */
  board?: string | BoardSpec;
  /** Time source of the device models (epoch milliseconds by default). */
  clock?: Clock;
  /**
   * Host time (ms) the device models may spend catching up with the clock per register access, ioctl or timer tick
   * (kernel/catch-up.ts; docs/clock.md). Default 0.05 on the real-time clock; Infinity (only the models' own work
   * bounds) with an injected `clock`, whose runs stay deterministic. @throws TypeError unless positive.
   */
  catchUpMs?: number;
  /** The process has CAP_SYS_ADMIN: /proc/self/pagemap shows PFNs (else PFN 0). Default: the real euid is 0. */
  capSysAdmin?: boolean;
  /** Told about every stale lock file (holder gone, or content damaged) the board takes over or clears. */
  onStaleLock?: StaleLockListener;
  /** Told when a wait for the board lock lasts (another process keeps it). */
  onLockWait?: LockWaitListener;
}

export class SimBoundary extends SimProcess implements KernelBoundary {
  readonly kind = "sim" as const;
  readonly fs: BoundaryFs;
  private readonly capSysAdmin: boolean;

  constructor(private readonly opts: SimOptions) {
    if (opts.catchUpMs !== undefined && !(opts.catchUpMs > 0)) {
      throw new TypeError(`simulated board: catchUpMs must be a positive number of host milliseconds (or Infinity), not ${opts.catchUpMs}`);
    }
    const store = new StateStore(opts.stateDir, {
      ...(opts.onStaleLock ? { onStaleLock: opts.onStaleLock } : {}),
      ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
    });
    // A named board or a spec is checked now (an unknown name is an error even on an existing board); the default
    // board is only built when the directory is new.
    store.ensure(opts.board === undefined ? () => boardSpecOf(undefined) : boardSpecOf(opts.board));
    // The board itself never changes once its directory exists (ensure() keeps it), so it is read once.
    const catchUpMs = opts.catchUpMs ?? (opts.clock ? Infinity : ACCESS_BUDGET_MS);
    const k = new SimKernel(store, store.read().board, opts.clock ?? SYSTEM_CLOCK, opts.os, catchUpMs);
    super(opts.os, k);
    // A group is in use while it is open, or while a cdev of one of its devices is bound.
    this.capSysAdmin = opts.capSysAdmin ?? process.geteuid?.() === 0;
    this.fs = new SimFs(store, { holder: (g) => k.groupHolder(g), all: () => k.openGroups() }, { physical: k.physical, capSysAdmin: this.capSysAdmin });
  }

  /** The board's SMMU as this process sees it (its domains and recorded faults); undefined without an IOMMU. */
  get smmu(): Smmu | undefined {
    return this.k.smmu;
  }

  /** Every SMMU of the board as this process sees it (a board with `smmus` may have several). */
  get smmus(): readonly Smmu[] {
    return this.k.smmus;
  }

  get pageSize(): number {
    return this.k.pageSize;
  }

  /** The simulated kernel's physical memory: board RAM, huge page pool, this process's pinned frames. */
  get physical(): PhysicalMemory {
    return this.k.physical;
  }

  // ---- files: routed by path at open, by file kind afterwards ----
  open(path: string, flags: number): Fd {
    const k = this.k;
    const s = k.store.read();
    try {
      if (path === PAGEMAP_PATH) return pagemapFile().openPagemap(k.fds, this.capSysAdmin);
      if (path === "/dev/kmsg") return kmsgFile().openKmsg(k.fds, k.store, flags);
      if (path === "/dev/vfio/vfio") return containerFile().openContainer(k);
      if (path === "/dev/iommu") return iommufdFile().openIommufd(k, s);
      const cdev = /^\/dev\/vfio\/devices\/vfio(\d+)$/.exec(path);
      if (cdev) return cdevFile().openCdev(k, s, path, Number(cdev[1]));
      const m = /^\/dev\/vfio\/(noiommu-)?(\d+)$/.exec(path);
      if (!m || !this.fs.exists(path)) fail("ENOENT");
      return groupFile().openGroup(k, s, path, Number(m[2]), m[1] !== undefined);
    } catch (e) {
      if (e instanceof Errno) throw SyscallError.of(e.code, { syscall: "open", path });
      throw e;
    }
  }

  close(fd: Fd): void {
    const k = this.k;
    const f = k.fds.get(fd);
    if (!f) {
      // A real fd (an eventfd, most likely): interrupts that still name it as their trigger now signal into nothing.
      for (const rt of k.runtimes.values()) rt.fdClosed(fd);
      return this.opts.os.close(fd);
    }
    k.fds.delete(fd);
    // A file of a kind exists only once its module was loaded (at its open), so these requires cost nothing new.
    if (f.kind === "device") closeDevice(k, f);
    else if (f.kind === "cdev") cdevFile().closeCdev(k, f);
    else if (f.kind === "iommufd") iommufdFile().closeIommufd(k, f);
    else if (f.kind === "group") groupFile().closeGroup(k, f);
    else if (f.kind === "container") containerFile().closeContainer(f);
  }

  ioctl(fd: Fd, request: number, arg: Uint8Array | number): number {
    const k = this.k;
    const f = k.fds.get(fd);
    if (!f) throw k.fds.error(isRealFd(fd) ? "ENOTTY" : "EBADF", "ioctl", fd, request);
    k.enter();
    try {
      if (f.kind === "container") return containerFile().containerFileIoctl(k, f, request, arg);
      if (f.kind === "group") return groupFile().groupIoctl(k, f, request, arg);
      if (f.kind === "iommufd") return iommufdFile().iommufdFileIoctl(k, f, request, arg);
      if (f.kind === "cdev") return cdevFile().cdevIoctl(k, f, request, arg);
      if (f.kind === "pagemap" || f.kind === "kmsg") fail("ENOTTY");
      return deviceFileIoctl(k, f.runtime, request, arg);
    } catch (e) {
      return k.fds.rethrow(e, "ioctl", fd, request);
    } finally {
      k.leave();
    }
  }

  /** read(2): one record of an open /dev/kmsg (kernel/kmsg-file.ts); any other fd as SimProcess reads it. */
  override read(fd: Fd, buf: Uint8Array): number {
    if (this.k.fds.get(fd)?.kind !== "kmsg") return super.read(fd, buf);
    const { onKmsg, readKmsg } = kmsgFile();
    return onKmsg(this.k.fds, fd, "read", (f) => readKmsg(this.k.store, f, buf)) ?? super.read(fd, buf);
  }

  /** lseek(2): only an open /dev/kmsg seeks (kernel/kmsg-file.ts); an eventfd or a VFIO file is ESPIPE. */
  lseek(fd: Fd, offset: number, whence: number): number {
    const kmsg = this.k.fds.get(fd)?.kind === "kmsg" ? kmsgFile() : undefined;
    const r = kmsg?.onKmsg(this.k.fds, fd, "lseek", (f) => kmsg.seekKmsg(this.k.store, f, offset, whence));
    return r ?? this.k.fds.rethrow(new Errno(this.k.fds.get(fd) || isRealFd(fd) ? "ESPIPE" : "EBADF"), "lseek", fd);
  }

  pread(fd: Fd, buf: Uint8Array, offset: number): number {
    if (this.k.fds.get(fd)?.kind === "pagemap") return pagemapFile().pagemapIo(this.k.fds, this.k.physical, fd, buf, offset, false);
    return this.regionIo("pread", fd, buf, offset);
  }
  pwrite(fd: Fd, buf: Uint8Array, offset: number): number {
    if (this.k.fds.get(fd)?.kind === "pagemap") return pagemapFile().pagemapIo(this.k.fds, this.k.physical, fd, buf, offset, true);
    return this.regionIo("pwrite", fd, buf, offset);
  }

  private regionIo(syscall: "pread" | "pwrite", fd: Fd, buf: Uint8Array, offset: number): number {
    const k = this.k;
    const runtime = this.device(fd, syscall);
    k.enter();
    try {
      return deviceRw(runtime, buf, offset, syscall === "pwrite");
    } catch (e) {
      return k.fds.rethrow(e, syscall, fd);
    } finally {
      k.enter();
      k.leave();
    }
  }

  mmap(fd: Fd, length: number, prot: number, flags: number, offset: number): Mapping {
    const k = this.k;
    const runtime = this.device(fd, "mmap");
    try {
      // An access through the mapping is a kernel entry of its own (a timer tick), bounded like a pread.
      const tick = () => (k.enter(), k.leave());
      return deviceMmap(runtime, k.pageSize, length, prot, flags, offset, tick, () => k.catchUp.open());
    } catch (e) {
      return k.fds.rethrow(e, "mmap", fd);
    }
  }

  /** Sleep until a real fd is ready or a device event falls due (see kernel/sim-poll.ts). */
  poll(fds: readonly PollRequest[], timeoutMs: number): number[] {
    return simPollModule().simPoll(this.k, fds, timeoutMs);
  }

  dispose(): void {
    for (const fd of this.k.fds.fds()) this.close(fd);
    this.k.physical.freeAll(); // the process goes, and its pinned memory (huge pages back to the pool)
    this.k.timer.cancel();
    this.k.writeBehind.flush();
    forgetAtExit(this.k.writeBehind);
  }

  /**
   * The bus-master port of a device (what its model is given as `ctx.dma`): at every access it looks up what this
   * process attached the device's group to (`group`, default: the device's group on the board).
   * @throws Error when the board has no such device.
   */
  dmaPort(device: DeviceSpec | string, group?: number): DmaPort {
    return this.k.dmaPort(device, group);
  }

  /** Write back the register state of every open device that changed since its last save. */
  flushModels(): void {
    this.k.writeBehind.flush();
  }

  /** flushModels() where nobody could catch an error (a timer, the exit hook). */
  flushModelsQuietly(): void {
    this.k.writeBehind.flushQuietly();
  }

  /** The open device behind a device fd or a bound cdev (an unbound cdev is EINVAL, as before BIND_IOMMUFD). */
  private device(fd: Fd, syscall: string): DeviceRuntime {
    const f = this.k.fds.get(fd);
    if (!f) throw this.k.fds.error("EBADF", syscall, fd);
    if (f.kind === "cdev" && f.bound) return f.bound.runtime;
    if (f.kind !== "device") throw this.k.fds.error("EINVAL", syscall, fd);
    return f.runtime;
  }
}

/** Create the simulated boundary for a board whose state lives in `opts.stateDir`. */
export function createSimBoundary(opts: SimOptions): KernelBoundary {
  return new SimBoundary(opts);
}
