// The simulated kernel boundary: the same interface as the real one, answered by a model of the Linux side. Files
// under /sys, /dev/vfio and /proc come from SimFs; VFIO container/group/device fds are simulated files with the
// kernel's ioctls; eventfds, poll and process memory are the real ones (given as `os`), so interrupts reach real
// eventfds and DMA reaches real memory. Device models run on their clock: every call, and every poll() wait, brings
// them up to now first, so an alarm that falls due while the program sleeps in poll wakes it like a real interrupt;
// and an unref'd timer runs the next due event while the program awaits something else (a DMA finishing during a
// script's `sleep` lands in memory the program then reads without calling the kernel, as on real hardware).
// Bus-master DMA goes through the board's SMMU to the memory this process mapped with MAP_DMA (src/sim/iommu).
import { existsSync, readFileSync } from "node:fs";
import type { BoundaryFs, Fd, KernelBoundary, Mapping, OsPrimitives, PollRequest, ProcessMemory } from "../boundary/kernel-boundary.ts";
import { MAP_SHARED, POLLIN, PROT_READ, PROT_WRITE } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import {
  VFIO_GROUP_FLAGS_CONTAINER_SET,
  VFIO_GROUP_FLAGS_VIABLE,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
} from "../vfio/abi/constants.ts";
import { DEVICE_IOCTLS, GROUP_IOCTLS, fdKindOfPath, ioctlName } from "../vfio/abi/ioctls.ts";
import { vfio_group_status } from "../vfio/abi/structs.ts";
import type { BoardSpec, DeviceSpec } from "./boards/board-spec.ts";
import { BOARDS, DEFAULT_BOARD } from "./boards/index.ts";
import type { Clock, DmaPort } from "./devices/device-model.ts";
import { deviceDmaPort, type IommuAttachment } from "./iommu/dma-port.ts";
import { Smmu } from "./iommu/smmu.ts";
import { smmuOf } from "./iommu/smmu-profile.ts";
import { devMessage, KERN_INFO, KERN_WARNING } from "./kernel/dev-printk.ts";
import { DeviceRuntime } from "./kernel/device-runtime.ts";
import { printk, type BoardState } from "./state/board-state.ts";
import { unlock, type LockWaitListener, type StaleLockListener } from "./state/pid-lock.ts";
import { savedRegistersDamaged } from "./state/state-errors.ts";
import { UsageError } from "../vfio/errors.ts";
import { StateStore } from "./state/state-store.ts";
import {
  VFIO_DRIVER_FOR_BUS,
  cdevDevice,
  groupMembers,
  groupOf,
  groupViable,
  iommufdAvailable,
  isNoiommuGroup,
  isVfioDriver,
} from "./sysfs/driver-core.ts";
import { SimFs } from "./sysfs/sim-fs.ts";
import { containerIoctl, type ContainerEnv } from "./vfio/container-ioctls.ts";
import { Errno, fail } from "./kernel/errno.ts";
import { deviceIoctl, type DeviceEnv } from "./vfio/device-ioctls.ts";
import { regionFlags, regionRead, regionWrite, splitOffset } from "./vfio/region-access.ts";
import { SimMapping } from "./vfio/sim-mapping.ts";
import { vfioPciIoctl } from "./vfio/vfio-pci-ioctls.ts";
import { attachPt, bindIommufd, detachPt, detachPtIoctl } from "./vfio/cdev-ioctls.ts";
import { iommufdIoctl, type IommufdEnv, type IommufdFile } from "./vfio/iommufd-ioctls.ts";
import { PlatformIrq } from "./vfio/platform-irq.ts";
import { SMMU_PGSIZES } from "./vfio/type1-domain.ts";
import type { CdevFile, ContainerFile, DeviceFile, GroupFile, VfioFile } from "./vfio/vfio-files.ts";
import { cdevLockPath, groupLockPath } from "./vfio/lock-paths.ts";

export interface SimOptions {
  /** Directory holding the board's state; shared by every process that simulates this board. */
  stateDir: string;
  /** The real OS primitives (eventfd, poll, memory). */
  os: OsPrimitives;
  /** Board for a new state directory (name or spec); an existing board is kept. */
  board?: string | BoardSpec;
  /** Time source of the device models (epoch milliseconds by default). */
  clock?: Clock;
  /** Told about every stale lock file (holder gone, or content damaged) the board takes over or clears. */
  onStaleLock?: StaleLockListener;
  /** Told when a wait for the board lock lasts (another process keeps it). */
  onLockWait?: LockWaitListener;
}

/** Simulated fds start here so they never collide with the process's real fds (eventfds are real). */
const SIM_FD_BASE = 100_000;
/** poll() re-checks the board at least this often (a guard against far-future or missed deadlines). */
const MAX_POLL_SLICE_MS = 1000;
/**
 * Register state of an open device is written back to board.json at most this long after it changed (and always at
 * the last close and at exit). Nobody else can observe it sooner: only the holder of the device fd can reach the
 * registers (a second opener gets EBUSY). Writing at every access cost ~450 µs per register write.
 */
const MODEL_FLUSH_MS = 50;

/** Boundaries with open devices, so their unsaved register state reaches the board when the process exits. */
const LIVE = new Set<SimBoundary>();
let exitHooked = false;
function flushAtExit(b: SimBoundary): void {
  LIVE.add(b);
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const live of LIVE) live.flushModelsQuietly();
  });
}

/**
 * Epoch milliseconds with sub-millisecond resolution. Date.now() ticks once per ms, so a device that needs a few
 * cycles (a debug instruction on the PL330) looked busy until the next tick: ~1 ms per DMA start at a 1 GHz clock.
 */
const SYSTEM_CLOCK: Clock = { nowMs: () => performance.timeOrigin + performance.now() };

/** The process name the kernel logs (current->comm): the executable's name, at most 15 characters. */
function processComm(): string {
  try {
    return readFileSync("/proc/self/comm", "utf8").trim();
  } catch {
    return (process.argv0.split("/").pop() ?? "bun").slice(0, 15);
  }
}

/** The board a name or spec stands for (the default board when none). Throws UsageError for an unknown name. */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return board;
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UsageError(`unknown simulated board '${board}' (known: ${Object.keys(BOARDS).join(", ")})`);
  return spec;
}

export class SimBoundary implements KernelBoundary {
  readonly kind = "sim" as const;
  readonly fs: BoundaryFs;
  private readonly store: StateStore;
  /** The board on this state directory (fixed when the directory was created). */
  private readonly board: BoardSpec;
  private readonly clock: Clock;
  private readonly files = new Map<number, VfioFile>();
  private readonly runtimes = new Map<string, DeviceRuntime>();
  private readonly heldGroups = new Map<number, GroupFile>();
  /** Bound cdevs of this process by device name (DMA of such a device goes through the IOAS it is attached to). */
  private readonly boundCdevs = new Map<string, CdevFile>();
  /** The board's SMMU as this process sees it (its domains and recorded faults); undefined without an IOMMU. */
  readonly smmu: Smmu | undefined;
  private nextFd = SIM_FD_BASE;
  /** The timer that runs the next device event while the program is busy elsewhere (see schedule()). */
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The timer that writes changed register state back (see saveModels()); set while some is unsaved. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When register state was last written back (performance.now()). */
  private lastFlushMs = 0;
  private readonly one = new Uint8Array(new BigUint64Array([1n]).buffer);
  /** Where a virqfd's eventfd counter is read into (and dropped). */
  private readonly virqfdCounter = new Uint8Array(8);

  constructor(private readonly opts: SimOptions) {
    this.store = new StateStore(opts.stateDir, {
      ...(opts.onStaleLock ? { onStaleLock: opts.onStaleLock } : {}),
      ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
    });
    this.store.ensure(boardSpecOf(opts.board));
    this.clock = opts.clock ?? SYSTEM_CLOCK;
    // The board itself never changes once its directory exists (ensure() keeps it), so it is read once.
    this.board = this.store.read().board;
    const smmu = smmuOf(this.board);
    this.smmu = smmu
      ? new Smmu(smmu, {
          printk: (records) => this.printk(records),
          nowMs: () => this.clock.nowMs(),
          memoryAt: (address, length) => opts.os.memoryAt(address, length),
          isMapped: (address, length, write) => opts.os.isMapped(address, length, write ? PROT_READ | PROT_WRITE : PROT_READ),
        })
      : undefined;
    const locks = this.store.locksDir;
    this.fs = new SimFs(this.store, {
      // A group is in use while it is open, or while a cdev of one of its devices is bound.
      holder: (g) => this.store.holder(groupLockPath(locks, g))?.pid ?? this.cdevHolder(g),
      all: () => {
        const out: { group: number; pid: number }[] = [];
        const s = this.store.read();
        const groups = new Set<number>();
        for (const d of s.board.devices) {
          const g = groupOf(s, d);
          if (g !== undefined) groups.add(g);
        }
        for (const g of groups) {
          const h = this.store.holder(groupLockPath(locks, g));
          if (h) out.push({ group: g, pid: h.pid });
        }
        return out;
      },
    });
  }

  get pageSize(): number {
    return this.board.pageSize;
  }

  // ---- OS primitives: the real ones ----
  eventfd(initval: number, flags: number): Fd {
    return this.opts.os.eventfd(initval, flags);
  }
  read(fd: Fd, buf: Uint8Array): number {
    if (this.files.has(fd)) throw this.err("EINVAL", "read", fd);
    return this.opts.os.read(fd, buf);
  }
  write(fd: Fd, buf: Uint8Array): number {
    if (this.files.has(fd)) throw this.err("EINVAL", "write", fd);
    return this.opts.os.write(fd, buf);
  }
  allocMemory(length: number): ProcessMemory {
    return this.opts.os.allocMemory(length);
  }
  memoryAt(address: bigint, length: number): Uint8Array {
    return this.opts.os.memoryAt(address, length);
  }
  isMapped(address: bigint, length: number, prot: number): boolean {
    return this.opts.os.isMapped(address, length, prot);
  }
  isEventFd(fd: Fd): boolean {
    return !this.files.has(fd) && this.opts.os.isEventFd(fd);
  }

  // ---- files ----
  open(path: string, _flags: number): Fd {
    const s = this.store.read();
    if (path === "/dev/vfio/vfio") {
      const fd = this.nextFd++;
      this.files.set(fd, { kind: "container", fd, groups: new Set(), closed: false });
      return fd;
    }
    if (path === "/dev/iommu") {
      if (!iommufdAvailable(s)) throw SyscallError.of("ENOENT", { syscall: "open", path });
      const fd = this.nextFd++;
      this.files.set(fd, { kind: "iommufd", fd, objects: new Map(), closed: false });
      return fd;
    }
    const cdev = /^\/dev\/vfio\/devices\/vfio(\d+)$/.exec(path);
    if (cdev) {
      // vfio_device_fops_cdev_open: opening always works; the device stays unusable until BIND_IOMMUFD.
      const spec = cdevDevice(s, Number(cdev[1]));
      const group = spec ? groupOf(s, spec) : undefined;
      if (!spec || group === undefined) throw SyscallError.of("ENOENT", { syscall: "open", path });
      const fd = this.nextFd++;
      this.files.set(fd, { kind: "cdev", fd, name: spec.name, path, group });
      return fd;
    }
    const m = /^\/dev\/vfio\/(noiommu-)?(\d+)$/.exec(path);
    if (!m || !this.fs.exists(path)) throw SyscallError.of("ENOENT", { syscall: "open", path });
    const id = Number(m[2]);
    const noiommu = m[1] !== undefined;
    if (noiommu !== isNoiommuGroup(s, id)) throw SyscallError.of("ENOENT", { syscall: "open", path });
    if (noiommu && process.getuid?.() !== 0) throw SyscallError.of("EPERM", { syscall: "open", path }); // CAP_SYS_RAWIO
    const lockPath = groupLockPath(this.store.locksDir, id);
    // vfio_group_fops_open: a bound cdev of the group blocks it (cdev_device_open_cnt), then the single opener rule.
    if (this.cdevHolder(id) !== undefined) throw SyscallError.of("EBUSY", { syscall: "open", path });
    if (this.heldGroups.has(id) || this.store.takeLock(lockPath) !== undefined) throw SyscallError.of("EBUSY", { syscall: "open", path });
    const fd = this.nextFd++;
    const g: GroupFile = { kind: "group", fd, id, noiommu, path, lockPath, devices: new Set(), closed: false };
    this.files.set(fd, g);
    this.heldGroups.set(id, g);
    return fd;
  }

  close(fd: Fd): void {
    const f = this.files.get(fd);
    if (!f) {
      // A real fd (an eventfd, most likely): interrupts that still name it as their trigger now signal into nothing.
      for (const rt of this.runtimes.values()) rt.fdClosed(fd);
      return this.opts.os.close(fd);
    }
    this.files.delete(fd);
    if (f.kind === "device") this.closeDevice(f);
    else if (f.kind === "cdev") this.closeCdev(f);
    else if (f.kind === "iommufd") {
      f.closed = true;
      this.maybeReleaseIommufd(f);
    } else if (f.kind === "group") {
      f.closed = true;
      this.maybeReleaseGroup(f);
    } else {
      f.closed = true;
      this.maybeReleaseContainer(f);
    }
  }

  private closeDevice(d: DeviceFile): void {
    d.group.devices.delete(d);
    this.releaseRuntime(d.runtime);
    this.maybeReleaseGroup(d.group);
  }

  /** One device fd less; the last one runs the driver's close_device. */
  private releaseRuntime(rt: DeviceRuntime): void {
    rt.openCount--;
    if (rt.openCount === 0) {
      // Let work in flight reach now before the device is put away: silicon keeps running while nobody looks.
      rt.model.advance();
      if (!rt.pci) this.logReset(rt.spec); // vfio-platform's close_device resets too
      rt.release();
      this.runtimes.delete(rt.spec.name);
      this.saveModels([rt], true);
    }
  }

  /** The driver's open_device on first open (vfio-platform resets), shared by GET_DEVICE_FD and BIND_IOMMUFD. */
  private openRuntime(spec: DeviceSpec, group: number): DeviceRuntime {
    const s = this.store.read();
    let rt = this.runtimes.get(spec.name);
    if (!rt) {
      const log = (message: string) => this.printk([{ message: devMessage(this.logDevice(spec), message), priority: KERN_INFO }]);
      // A copy: the store's snapshot is shared and read-only, and a model may keep what it restores from.
      const saved = s.models[spec.name] === undefined ? undefined : structuredClone(s.models[spec.name]);
      try {
        rt = new DeviceRuntime(spec, saved, this.clock, (efd) => this.signal(efd), this.dmaPort(spec, group), log);
      } catch (e) {
        // Each model checks its own saved registers (a TypeError naming the field): damage of board.json, not a bug.
        if (saved === undefined || !(e instanceof TypeError)) throw e;
        throw savedRegistersDamaged(this.store.file, this.store.dir, spec.name, e);
      }
      this.runtimes.set(spec.name, rt);
      flushAtExit(this);
      if (!rt.pci) this.logReset(spec); // vfio-platform's open_device calls the reset function
    }
    rt.openCount++;
    return rt;
  }

  /** Closing a bound cdev unbinds it: detach, drop its device object, close the device, let the group be opened. */
  private closeCdev(c: CdevFile): void {
    const b = c.bound;
    if (!b) return;
    detachPt(c);
    b.iommufd.objects.delete(b.devid);
    c.bound = undefined;
    this.boundCdevs.delete(c.name);
    this.releaseRuntime(b.runtime);
    unlock(b.lockPath);
    this.maybeReleaseIommufd(b.iommufd);
  }

  /** An iommufd context lives while its fd is open or a device bound to it holds a reference. */
  private maybeReleaseIommufd(f: IommufdFile): void {
    if (!f.closed) return;
    for (const c of this.boundCdevs.values()) if (c.bound?.iommufd === f) return;
    f.objects.clear();
  }

  /** pid of a process with a bound cdev of a device in group `g` (their lock files say who). */
  private cdevHolder(g: number): number | undefined {
    const s = this.store.read();
    for (const d of groupMembers(s, g)) {
      const h = this.store.holder(cdevLockPath(this.store.locksDir, d.name));
      if (h) return h.pid;
    }
    return undefined;
  }

  /** A group is released when its fd is closed and no device fd refers to it any more. */
  private maybeReleaseGroup(g: GroupFile): void {
    if (!g.closed || g.devices.size > 0) return;
    const c = g.container;
    if (c) {
      c.groups.delete(g);
      g.container = undefined;
      if (c.groups.size === 0) c.iommu = undefined; // the IOMMU driver goes with the last group; mappings die
      this.maybeReleaseContainer(c);
    }
    this.heldGroups.delete(g.id);
    unlock(g.lockPath);
  }

  private maybeReleaseContainer(c: ContainerFile): void {
    if (c.closed && c.groups.size === 0) c.iommu = undefined;
  }

  // ---- ioctl ----
  ioctl(fd: Fd, request: number, arg: Uint8Array | number): number {
    const f = this.files.get(fd);
    if (!f) throw this.err(this.isRealFd(fd) ? "ENOTTY" : "EBADF", "ioctl", fd, request);
    this.advance();
    try {
      if (f.kind === "container") return containerIoctl(f, this.containerEnv(), request, arg);
      if (f.kind === "group") return this.groupIoctl(f, request, arg);
      if (f.kind === "iommufd") return iommufdIoctl(f, this.iommufdEnv(), request, arg);
      let runtime = f.kind === "device" ? f.runtime : undefined;
      if (f.kind === "cdev") {
        if (request === DEVICE_IOCTLS.VFIO_DEVICE_BIND_IOMMUFD) return this.bindCdev(f, arg);
        if (!f.bound) throw new Errno("EINVAL"); // no access before the bind
        if (request === DEVICE_IOCTLS.VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
          const env = this.iommufdEnv();
          return attachPt(f, arg, this.attachedDomain(), (v, l, w) => env.isMapped(v, Number(l), w));
        }
        if (request === DEVICE_IOCTLS.VFIO_DEVICE_DETACH_IOMMUFD_PT) return detachPtIoctl(f, arg);
        runtime = f.bound.runtime;
      }
      if (!runtime) throw new Errno("ENOTTY");
      if (runtime.pci) return vfioPciIoctl(runtime.pci, this.deviceEnv(), request, arg);
      return deviceIoctl({ runtime }, this.deviceEnv(), request, arg);
    } catch (e) {
      if (e instanceof Errno) throw this.err(e.code, "ioctl", fd, request);
      throw e;
    } finally {
      this.saveModels();
    }
  }

  private groupIoctl(g: GroupFile, request: number, arg: Uint8Array | number): number {
    const s = this.store.read();
    switch (request) {
      case GROUP_IOCTLS.VFIO_GROUP_GET_STATUS: {
        if (typeof arg === "number" || arg.length < 8) throw new Errno("EFAULT");
        const v = vfio_group_status.decode(arg);
        if (v.argsz < 8) throw new Errno("EINVAL");
        const flags = (groupViable(s, g.id) ? VFIO_GROUP_FLAGS_VIABLE : 0) | (g.container ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        vfio_group_status.encode({ argsz: v.argsz, flags }, arg);
        return 0;
      }
      case GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER: {
        if (typeof arg === "number" || arg.length < 4) throw new Errno("EFAULT");
        const cfd = new DataView(arg.buffer, arg.byteOffset).getInt32(0, true);
        const c = this.files.get(cfd);
        if (!c || c.kind !== "container") throw new Errno("EBADF");
        if (g.container) throw new Errno("EINVAL");
        if (!groupViable(s, g.id)) throw new Errno("EPERM");
        for (const other of c.groups) if (other.noiommu !== g.noiommu) throw new Errno("EPERM");
        if (c.iommu && c.iommu.noiommu !== g.noiommu) throw new Errno("EPERM");
        c.groups.add(g);
        g.container = c;
        return 0;
      }
      case GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER: {
        const c = g.container;
        if (!c) throw new Errno("EINVAL");
        if (g.devices.size > 0) throw new Errno("EBUSY");
        c.groups.delete(g);
        g.container = undefined;
        if (c.groups.size === 0) c.iommu = undefined;
        return 0;
      }
      case GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD: {
        if (typeof arg === "number") throw new Errno("EFAULT");
        const nul = arg.indexOf(0);
        const name = new TextDecoder().decode(arg.subarray(0, nul < 0 ? arg.length : nul));
        if (!g.container?.iommu) throw new Errno("EINVAL");
        const spec = groupMembers(s, g.id).find((d) => d.name === name);
        if (!spec || !isVfioDriver(s.devices[name]?.driver)) throw new Errno("ENODEV");
        const rt = this.openRuntime(spec, g.id);
        if (g.noiommu) {
          const pid = process.pid;
          this.printk([{ message: devMessage(this.logDevice(spec), `vfio-noiommu device opened by user (${processComm()}:${pid})`), priority: KERN_WARNING }]);
        }
        const fd = this.nextFd++;
        const d: DeviceFile = { kind: "device", fd, name, group: g, runtime: rt };
        g.devices.add(d);
        this.files.set(fd, d);
        return fd;
      }
      default:
        throw new Errno("ENOTTY");
    }
  }

  private bindCdev(c: CdevFile, arg: Uint8Array | number): number {
    return bindIommufd(c, {
      groupOpen: (g) => this.heldGroups.has(g) || this.store.holder(groupLockPath(this.store.locksDir, g)) !== undefined,
      iommufdOf: (fd) => {
        const f = this.files.get(fd);
        if (f) return f.kind === "iommufd" ? f : fail("EBADFD");
        return fail(this.isRealFd(fd) ? "EBADFD" : "EBADF");
      },
      claim: (cd) => {
        const lockPath = cdevLockPath(this.store.locksDir, cd.name);
        return this.store.takeLock(lockPath) === undefined ? lockPath : undefined;
      },
      open: (cd, iommufd, devid, lockPath) => {
        const spec = this.board.devices.find((d) => d.name === cd.name)!;
        const runtime = this.openRuntime(spec, cd.group);
        cd.bound = { runtime, iommufd, devid, lockPath };
        this.boundCdevs.set(cd.name, cd);
      },
    }, arg);
  }

  /** What the board's SMMU imposes on an IOAS a device is attached to: its smallest page and input address size. */
  private attachedDomain(): { pageSize: bigint; ias: number } {
    const page = SMMU_PGSIZES & -SMMU_PGSIZES;
    const cpu = BigInt(this.pageSize);
    return { pageSize: page > cpu ? page : cpu, ias: smmuOf(this.board)?.ias ?? 48 };
  }

  private iommufdEnv(): IommufdEnv {
    return {
      pageSize: this.pageSize,
      isMapped: (address, length, write) => this.pinned(address, length, write),
      memoryAt: (address, length) => this.opts.os.memoryAt(address, length),
    };
  }

  /**
   * MAP_DMA / IOAS_MAP's pinning: is the range mapped (writable if `write`)? If so, fault every page in now, as the
   * kernel's pin_user_pages does (for write when the device may write), so the first DMA into a fresh buffer does not
   * pay the page faults (a 64 MiB copy took 23-61 ms with them, 6-14 ms without). Contents are unchanged.
   */
  private pinned(address: bigint, length: number, write: boolean): boolean {
    if (!this.opts.os.isMapped(address, length, write ? PROT_READ | PROT_WRITE : PROT_READ)) return false;
    if (length > 0) {
      const v = this.opts.os.memoryAt(address, length);
      const page = this.pageSize;
      let sum = 0;
      for (let i = 0; i < length; i += page) {
        if (write) v[i] = v[i]!; // a write fault: the page becomes private and writable, as FOLL_WRITE pins it
        else sum += v[i]!;
      }
      if (write) v[length - 1] = v[length - 1]!;
      else sum += v[length - 1]!;
      this.pinSum = sum; // keeps the reads
    }
    return true;
  }
  private pinSum = 0;

  // ---- region access ----
  pread(fd: Fd, buf: Uint8Array, offset: number): number {
    return this.regionIo("pread", fd, buf, offset);
  }
  pwrite(fd: Fd, buf: Uint8Array, offset: number): number {
    return this.regionIo("pwrite", fd, buf, offset);
  }

  private regionIo(kind: "pread" | "pwrite", fd: Fd, buf: Uint8Array, offset: number): number {
    const d = this.device(fd, kind);
    this.advance();
    try {
      const spec = d.runtime.spec;
      const pci = d.runtime.pci;
      const r = pci
        ? pci.rw(buf, offset, kind === "pwrite")
        : kind === "pread"
          ? regionRead(spec, d.runtime.model, buf, offset)
          : regionWrite(spec, d.runtime.model, buf, offset);
      return r;
    } catch (e) {
      if (e instanceof Errno) throw this.err(e.code, kind, fd);
      throw e;
    } finally {
      this.advance();
      this.saveModels();
    }
  }

  mmap(fd: Fd, length: number, prot: number, flags: number, offset: number): Mapping {
    const d = this.device(fd, "mmap");
    const page = this.pageSize;
    if (length <= 0 || offset % page !== 0) throw this.err("EINVAL", "mmap", fd);
    if ((flags & MAP_SHARED) === 0) throw this.err("EINVAL", "mmap", fd);
    const { index, off } = splitOffset(offset);
    const span = Math.ceil(length / page) * page;
    const pci = d.runtime.pci;
    if (pci) {
      // vfio_pci_core_mmap: BARs with the MMAP flag only, the whole mapping inside the BAR.
      const bar = pci.mappableBar(index, page);
      if (!bar || off + span > bar.size) throw this.err("EINVAL", "mmap", fd);
    } else {
      const r = d.runtime.spec.regions[index];
      if (!r) throw this.err("EINVAL", "mmap", fd);
      const rflags = regionFlags(r, page);
      if (!(rflags & VFIO_REGION_INFO_FLAG_MMAP)) throw this.err("EINVAL", "mmap", fd);
      if (prot & PROT_READ && !(rflags & VFIO_REGION_INFO_FLAG_READ)) throw this.err("EINVAL", "mmap", fd);
      if (prot & PROT_WRITE && !(rflags & VFIO_REGION_INFO_FLAG_WRITE)) throw this.err("EINVAL", "mmap", fd);
      if (r.size < page || off + span > r.size) throw this.err("EINVAL", "mmap", fd);
    }
    return new SimMapping(d.runtime.model, index, off, length, (prot & PROT_READ) !== 0, (prot & PROT_WRITE) !== 0, () => {
      this.advance();
      this.saveModels();
    });
  }

  // ---- poll: sleep until a real fd is ready or a device event falls due ----
  poll(fds: readonly PollRequest[], timeoutMs: number): number[] {
    const start = performance.now();
    const real = fds.filter((f) => !this.files.has(f.fd));
    for (;;) {
      this.advance();
      this.saveModels();
      const elapsed = performance.now() - start;
      const remaining = timeoutMs < 0 ? Infinity : Math.max(0, timeoutMs - elapsed);
      const next = this.nextEventDelayMs();
      const slice = Math.min(remaining, next, MAX_POLL_SLICE_MS);
      // Installed virqfds are waited on too: a signal from another thread or process must run its handler now.
      const virqfds = this.virqfdList();
      const waitOn = [...real, ...virqfds.map((v) => ({ fd: v.fd, events: POLLIN }))];
      const all = waitOn.length ? this.opts.os.poll(waitOn, Math.ceil(slice)) : (Bun.sleepSync(Math.ceil(slice)), []);
      const revents = all.slice(0, real.length);
      if (all.slice(real.length).some((r) => r !== 0)) {
        this.serviceVirqfds(virqfds);
        continue; // an unmask may have fired an interrupt into one of the program's fds
      }
      if (revents.some((r) => r !== 0) || slice >= remaining) {
        let i = 0;
        return fds.map((f) => (this.files.has(f.fd) ? 0 : revents[i++]!));
      }
    }
  }

  private nextEventDelayMs(): number {
    const now = this.clock.nowMs();
    let next = Infinity;
    for (const rt of this.runtimes.values()) {
      const t = rt.model.nextEventAtMs();
      if (t !== undefined) next = Math.min(next, Math.max(0, t - now));
    }
    return next;
  }

  dispose(): void {
    for (const fd of [...this.files.keys()]) this.close(fd);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushModels();
    LIVE.delete(this);
  }

  /**
   * Arm a timer for the next device event of the open devices, so devices keep working while the program waits in
   * its own event loop (an async sleep) instead of in a kernel call. Unref'd: it never keeps the process alive.
   */
  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const delay = this.nextEventDelayMs();
    if (!Number.isFinite(delay)) return;
    // At least 1 ms (a due event that a manual clock keeps due must not spin), at most a poll slice.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.advance();
      this.saveModels();
    }, Math.min(MAX_POLL_SLICE_MS, Math.max(1, Math.ceil(delay))));
    (this.timer as { unref?: () => void }).unref?.();
  }

  // ---- DMA ----
  /**
   * The bus-master port of a device (what its model is given as `ctx.dma`): at every access it looks up what this
   * process attached the device's group to (`group`, default: the device's group on the board).
   * @throws Error when the board has no such device.
   */
  dmaPort(device: DeviceSpec | string, group?: number): DmaPort {
    const s = this.store.read();
    const spec = typeof device === "string" ? s.board.devices.find((d) => d.name === device) : device;
    if (!spec) throw new Error(`simulated board: no device '${String(device)}'`);
    const id = group ?? groupOf(s, spec);
    return deviceDmaPort(this.smmu, () => this.attachment(spec.name, id));
  }

  private attachment(name: string, group: number | undefined): IommuAttachment {
    const cdev = this.boundCdevs.get(name);
    if (cdev) {
      // The cdev path: the IOAS the device is attached to translates; bound but not attached is blocked.
      const ioas = cdev.attached ? cdev.bound?.iommufd.objects.get(cdev.attached.ioasId) : undefined;
      return ioas?.type === "ioas" ? { kind: "type1", domain: ioas.table } : { kind: "blocked" };
    }
    const iommu = group === undefined ? undefined : this.heldGroups.get(group)?.container?.iommu;
    if (!iommu) return { kind: "blocked" };
    if (iommu.noiommu) return { kind: "noiommu" };
    return iommu.domain ? { kind: "type1", domain: iommu.domain } : { kind: "blocked" };
  }

  // ---- kernel log ----
  private printk(records: { message: string; priority: number }[]): void {
    this.store.update((s) => {
      for (const r of records) printk(s, r.message, r.priority);
    });
  }

  private logDevice(spec: DeviceSpec) {
    const driver = this.store.read().devices[spec.name]?.driver ?? VFIO_DRIVER_FOR_BUS[spec.bus];
    return { driver, name: spec.name, bus: spec.bus };
  }

  /** vfio_platform_call_reset's log line (at open_device and close_device). */
  private logReset(spec: DeviceSpec): void {
    const message = spec.hasReset ? "reset" : "no reset function found!";
    this.printk([{ message: devMessage(this.logDevice(spec), message), priority: spec.hasReset ? KERN_INFO : KERN_WARNING }]);
  }

  // ---- helpers ----
  /** Bring every open device up to now (fires interrupts that fell due). */
  private advance(): void {
    this.serviceVirqfds();
    for (const rt of this.runtimes.values()) rt.model.advance();
  }

  /**
   * Persist the registers of devices whose state changed: at once when `force` (the given runtimes, at last close),
   * else write-behind: at most MODEL_FLUSH_MS after the change, by the next call past that point or by a timer.
   */
  private saveModels(extra: DeviceRuntime[] = [], force = false): void {
    this.schedule();
    if (force) {
      this.writeModels([...this.runtimes.values(), ...extra], extra);
      return;
    }
    let pending = false;
    for (const rt of this.runtimes.values()) if (rt.model.dirty) pending = true;
    if (!pending) return;
    if (performance.now() - this.lastFlushMs >= MODEL_FLUSH_MS) {
      this.flushModels();
      return;
    }
    if (this.flushTimer !== undefined) return;
    // Unref'd: a program that exits first flushes at exit (or at its last close) instead.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushModelsQuietly();
    }, MODEL_FLUSH_MS);
    (this.flushTimer as { unref?: () => void }).unref?.();
  }

  /** Write back the register state of every open device that changed since its last save. */
  flushModels(): void {
    this.writeModels([...this.runtimes.values()], []);
  }

  /**
   * flushModels() from a timer or the exit hook, where nobody could catch an error: a state directory removed under a
   * board that was never disposed (a test's temporary board) must not crash the process.
   */
  flushModelsQuietly(): void {
    try {
      this.flushModels();
    } catch {
      // The board is gone; its register state has nowhere to go.
    }
  }

  /** One store update for the dirty runtimes of `all` plus every runtime of `forced`. */
  private writeModels(all: DeviceRuntime[], forced: DeviceRuntime[]): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.lastFlushMs = performance.now();
    const dirty = all.filter((rt) => forced.includes(rt) || rt.model.dirty);
    if (dirty.length === 0) return;
    this.store.update((s: BoardState) => {
      for (const rt of dirty) s.models[rt.spec.name] = rt.model.save();
    });
    for (const rt of dirty) rt.model.markSaved();
  }

  private signal(efd: number): void {
    // Never write the counter into a file that is no eventfd (its number was closed and reused outside this boundary).
    if (!this.opts.os.isEventFd(efd)) return;
    try {
      this.opts.os.write(efd, this.one);
    } catch {
      // The program closed its eventfd without disabling the interrupt: the kernel would signal a dead context.
    }
  }

  /** The open device behind a device fd or a bound cdev (an unbound cdev is EINVAL, as before BIND_IOMMUFD). */
  private device(fd: Fd, syscall: string): { runtime: DeviceRuntime } {
    const f = this.files.get(fd);
    if (!f) throw this.err("EBADF", syscall, fd);
    if (f.kind === "cdev" && f.bound) return f.bound;
    if (f.kind !== "device") throw this.err("EINVAL", syscall, fd);
    return f;
  }

  private isRealFd(fd: Fd): boolean {
    return existsSync(`/proc/self/fd/${fd}`);
  }

  private containerEnv(): ContainerEnv {
    return {
      hasIommu: this.board.iommu !== "none",
      ias: smmuOf(this.board)?.ias ?? 48,
      noiommuEnabled: () => this.store.read().params["vfio.enable_unsafe_noiommu_mode"] === "Y",
      dmaEntryLimit: () => Number(this.store.read().params["vfio_iommu_type1.dma_entry_limit"] ?? 65535),
      vaddrOk: (vaddr, size, write) => this.pinned(vaddr, Number(size), write),
    };
  }

  private deviceEnv(): DeviceEnv {
    return {
      pageSize: this.pageSize,
      checkEventFd: (fd) => (this.files.has(fd) ? "EINVAL" : this.opts.os.isEventFd(fd) ? undefined : this.isRealFd(fd) ? "EINVAL" : "EBADF"),
      serviceVirqfds: () => this.serviceVirqfds(),
    };
  }

  /** The eventfds of every installed mask/unmask virqfd, with the handler each one runs. */
  private virqfdList(): { fd: number; run: () => void }[] {
    const out: { fd: number; run: () => void }[] = [];
    if (PlatformIrq.installedVirqfds === 0) return out; // the common case, on every call into the simulator
    for (const rt of this.runtimes.values()) {
      for (const irq of rt.irqs) {
        const mask = irq.virqfd("mask");
        const unmask = irq.virqfd("unmask");
        if (mask !== undefined) out.push({ fd: mask, run: () => irq.mask() });
        if (unmask !== undefined) out.push({ fd: unmask, run: () => irq.unmask() });
      }
    }
    return out;
  }

  /**
   * vfio_virqfd's wakeup: for each virqfd whose eventfd was signalled, consume the counter and run its handler. The
   * kernel does this from the eventfd's wait queue; the simulator does it whenever the program enters it and while
   * it waits in poll (the virqfds are polled along with the program's own fds).
   */
  private serviceVirqfds(list = this.virqfdList()): void {
    if (list.length === 0) return;
    const ready = this.opts.os.poll(list.map((v) => ({ fd: v.fd, events: POLLIN })), 0);
    list.forEach((v, i) => {
      if ((ready[i]! & POLLIN) === 0) return;
      try {
        this.opts.os.read(v.fd, this.virqfdCounter);
      } catch {
        return; // EAGAIN: another reader took it first
      }
      v.run();
    });
  }

  private err(code: string, syscall: string, fd: Fd, request?: number): SyscallError {
    const f = this.files.get(fd);
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

/** Create the simulated boundary for a board whose state lives in `opts.stateDir`. */
export function createSimBoundary(opts: SimOptions): KernelBoundary {
  return new SimBoundary(opts);
}
