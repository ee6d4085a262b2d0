// The state the simulated kernel's files share: the fd table, the devices this process has open (their runtimes),
// the groups and cdevs it holds, and the services every file kind uses (kernel log, eventfds, virqfds, event timer,
// write-behind, DMA). Each call into the simulator enters (devices brought up to now) and leaves (timer re-armed,
// register state saved behind) through here. The file kinds themselves live in src/sim/vfio/*-file.ts.
import { PROT_READ, PROT_WRITE, type OsPrimitives } from "../../boundary/kernel-boundary.ts";
import type { BoardSpec, DeviceSpec } from "../boards/board-spec.ts";
import type { Clock, DmaPort } from "../devices/device-model.ts";
import { deviceDmaPort } from "../iommu/dma-port.ts";
import { Smmu } from "../iommu/smmu.ts";
import { Ratelimit } from "./dev-printk.ts";
import { smmuNameOf, smmusOf } from "../iommu/smmu-profile.ts";
import { savedRegistersDamaged } from "../state/state-errors.ts";
import type { StateStore } from "../state/state-store.ts";
import { groupMembers, groupOf } from "../sysfs/driver-core.ts";
import { cdevLockPath, groupLockPath } from "../vfio/lock-paths.ts";
import type { CdevFile, GroupFile } from "../vfio/vfio-files.ts";
import { EventTimer, nextEventDelayMs } from "./board-clock.ts";
import { ACCESS_BUDGET_MS, CatchUpWindow, HOST_NOW_MS, lagText, REPORT_LAG_MS, type LagRecord } from "./catch-up.ts";
import { KERN_WARNING } from "./dev-printk.ts";
import { DeviceRuntime } from "./device-runtime.ts";
import { attachmentOf, pinPages } from "./dma-attach.ts";
import { Eventfds } from "./eventfds.ts";
import { FdTable } from "./fd-table.ts";
import { KernelLog } from "./kernel-log.ts";
import { memoryLayoutOf } from "./memory-layout.ts";
import { nrHugePages } from "./hugepage-param.ts";
import { PhysicalMemory } from "./physical-memory.ts";
import { Virqfds } from "./virqfds.ts";
import { flushAtExit, WriteBehind } from "./write-behind.ts";

export class SimKernel {
  readonly fds = new FdTable();
  /** Open devices by name (one runtime however many fds refer to it). */
  readonly runtimes = new Map<string, DeviceRuntime>();
  /** Groups this process has open, by number. */
  readonly heldGroups = new Map<number, GroupFile>();
  /** Bound cdevs of this process by device name (DMA of such a device goes through the IOAS it is attached to). */
  readonly boundCdevs = new Map<string, CdevFile>();
  readonly log: KernelLog;
  readonly eventfds: Eventfds;
  readonly virqfds: Virqfds;
  readonly writeBehind: WriteBehind;
  readonly timer: EventTimer;
  /** The board's SMMUs as this process sees them (their domains and recorded faults); empty without an IOMMU. */
  readonly smmus: Smmu[];
  /** The board's RAM and huge page pool, and the frames of this process's pinned memory (DMA without an IOMMU). */
  readonly physical: PhysicalMemory;
  /** An error the event timer met (a device model that threw), thrown by the next enter(). */
  private deferred: { error: unknown } | undefined;
  /** The host-time bound on the models' catching up in the current entry. */
  readonly catchUp: CatchUpWindow;
  /** How far each open device fell behind its clock (by name; the kernel log says so at leave and at release). */
  readonly #lag = new Map<string, LagRecord>();
  #lagPending = false;

  constructor(
    readonly store: StateStore,
    /** The board on this state directory (fixed when the directory was created). */
    readonly board: BoardSpec,
    readonly clock: Clock,
    readonly os: OsPrimitives,
    /** Host ms the models may spend catching up per access (Infinity: unbounded; see catch-up.ts). */
    catchUpMs = ACCESS_BUDGET_MS,
  ) {
    this.catchUp = new CatchUpWindow(HOST_NOW_MS, catchUpMs);
    const layout = memoryLayoutOf(board);
    this.physical = new PhysicalMemory(layout, os, () => nrHugePages(store.read(), layout));
    const open = () => this.runtimes.values();
    this.log = new KernelLog(store);
    this.eventfds = new Eventfds(os, (fd) => this.fds.has(fd));
    this.virqfds = new Virqfds(os, open);
    this.writeBehind = new WriteBehind(store, open, () => nextEventDelayMs(clock, open()) === 0);
    this.timer = new EventTimer(
      () => nextEventDelayMs(clock, open()),
      () => {
        // Nobody can catch in a timer: a device model's failure (a user's model throwing) waits for the next call.
        try {
          this.enter();
          this.leave();
        } catch (e) {
          this.deferred ??= { error: e };
        }
      },
    );
    const ratelimits = new Map<string, Ratelimit>();
    this.smmus = smmusOf(board).map(
      (config) =>
        new Smmu(config, {
          printk: (records) => this.log.printk(records),
          nowMs: () => clock.nowMs(),
          ratelimit: (func) => ratelimits.get(func) ?? ratelimits.set(func, new Ratelimit(func)).get(func)!,
          memoryAt: (address, length) => os.memoryAt(address, length),
          isMapped: (address, length, write) => os.isMapped(address, length, write ? PROT_READ | PROT_WRITE : PROT_READ),
        }),
    );
  }

  /** The board's first SMMU (its only one unless the board lists `smmus`); undefined without an IOMMU. */
  get smmu(): Smmu | undefined {
    return this.smmus[0];
  }

  /** The SMMU in front of `spec`, undefined when none is. */
  smmuFor(spec: DeviceSpec): Smmu | undefined {
    const name = smmuNameOf(this.board, spec);
    return name === undefined ? undefined : this.smmus.find((s) => s.config.name === name);
  }

  get pageSize(): number {
    return this.board.pageSize;
  }

  /**
   * Entering the kernel: throw what the event timer met (a device model that threw), open the catch-up window
   * (`budgetMs` of host time, default one access's; nested entries share the first), run signalled virqfds, bring
   * every open device up to now (fires interrupts that fell due).
   */
  enter(budgetMs?: number): void {
    const d = this.deferred;
    if (d) {
      this.deferred = undefined;
      throw d.error;
    }
    this.catchUp.open(budgetMs);
    this.virqfds.service();
    for (const rt of this.runtimes.values()) rt.model.advance();
  }

  /**
   * The program wrote to one of its own fds. Signalling a virqfd's eventfd runs its mask or unmask handler before
   * write(2) returns (the eventfd wakes its waiters in the writer's context), so the line is masked or unmasked at once.
   */
  wrote(fd: number): void {
    if (!this.virqfds.has(fd)) return;
    this.enter();
    this.leave();
  }

  /**
   * Leaving it: close the catch-up window, say in the kernel log which device first fell behind its clock, re-arm the
   * event timer, save register state behind (at once for `forced`, see WriteBehind).
   */
  leave(forced: DeviceRuntime[] = [], force = false): void {
    this.catchUp.close();
    if (this.#lagPending) this.reportLag();
    this.timer.arm();
    this.writeBehind.save(forced, force);
  }

  /** One kernel log line per open device the first time it fell REPORT_LAG_MS behind its clock. */
  private reportLag(): void {
    this.#lagPending = false;
    for (const [name, lag] of this.#lag) {
      const rt = this.runtimes.get(name);
      if (!rt || lag.reported || lag.totalMs < REPORT_LAG_MS) continue;
      lag.reported = true;
      const ms = this.catchUp.accessMs;
      const why = Number.isFinite(ms) ? `catching up is bounded to ${ms} ms of host time per access` : "it reached its work bound while catching up";
      this.log.device(rt.spec, `simulator: the device model fell ${lagText(lag.totalMs)} behind the board clock (${why}); its time now lags the wall clock`, KERN_WARNING);
    }
  }

  /** The driver's open_device on first open (vfio-platform resets), shared by GET_DEVICE_FD and BIND_IOMMUFD. */
  openRuntime(spec: DeviceSpec, group: number): DeviceRuntime {
    const s = this.store.read();
    let rt = this.runtimes.get(spec.name);
    if (!rt) {
      // A copy: the store's snapshot is shared and read-only, and a model may keep what it restores from.
      const saved = s.models[spec.name] === undefined ? undefined : structuredClone(s.models[spec.name]);
      try {
        const lag: LagRecord = { totalMs: 0, reported: false };
        const budget = this.catchUp.budgetFor(lag, () => (this.#lagPending = true));
        rt = new DeviceRuntime(spec, saved, this.clock, (efd) => this.eventfds.signal(efd), this.dmaPort(spec, group), (m) => this.log.device(spec, m), budget, this.store.dir);
        this.#lag.set(spec.name, lag);
      } catch (e) {
        // Each model checks its own saved registers (a TypeError naming the field): damage of board.json, not a bug.
        if (saved === undefined || !(e instanceof TypeError)) throw e;
        throw savedRegistersDamaged(this.store.file, this.store.dir, spec.name, e);
      }
      this.runtimes.set(spec.name, rt);
      flushAtExit(this.writeBehind);
      if (!rt.pci) this.log.reset(spec); // vfio-platform's open_device calls the reset function
    }
    rt.openCount++;
    return rt;
  }

  /** One device fd less; the last one runs the driver's close_device. */
  releaseRuntime(rt: DeviceRuntime): void {
    rt.openCount--;
    // close_device's log line and the register save go to board.json in one write.
    if (rt.openCount === 0) this.store.batch(() => this.closeDevice(rt));
  }

  /** The driver's close_device, at the last release. */
  private closeDevice(rt: DeviceRuntime): void {
    // A model that throws here (a user's) still leaves the device closed: the next open starts afresh.
    try {
      // Let work in flight reach now before the device is put away: silicon keeps running while nobody looks.
      rt.model.advance();
      const lag = this.#lag.get(rt.spec.name);
      this.#lag.delete(rt.spec.name);
      if (lag && lag.totalMs >= REPORT_LAG_MS) {
        this.log.device(rt.spec, `simulator: the device model fell ${lagText(lag.totalMs)} behind the board clock in all while open`, KERN_WARNING);
      }
      if (!rt.pci) this.log.reset(rt.spec); // vfio-platform's close_device resets too
      rt.release();
    } finally {
      this.runtimes.delete(rt.spec.name);
      this.leave([rt], true);
    }
  }

  /** Is group `g` open through /dev/vfio/N, by this process or another? */
  groupOpen(g: number): boolean {
    return this.heldGroups.has(g) || this.store.holder(groupLockPath(this.store.locksDir, g)) !== undefined;
  }

  /** pid of the process using group `g`: holding its node open, else having a cdev of one of its devices bound. */
  groupHolder(g: number): number | undefined {
    return this.store.holder(groupLockPath(this.store.locksDir, g))?.pid ?? this.cdevHolder(g);
  }

  /** Every group some process holds open through /dev/vfio/N, with that process. */
  openGroups(): { group: number; pid: number }[] {
    const s = this.store.read();
    const groups = new Set<number>();
    for (const d of s.board.devices) {
      const g = groupOf(s, d);
      if (g !== undefined) groups.add(g);
    }
    const out: { group: number; pid: number }[] = [];
    for (const g of groups) {
      const h = this.store.holder(groupLockPath(this.store.locksDir, g));
      if (h) out.push({ group: g, pid: h.pid });
    }
    return out;
  }

  /** pid of a process with a bound cdev of a device in group `g` (their lock files say who). */
  cdevHolder(g: number): number | undefined {
    const s = this.store.read();
    for (const d of groupMembers(s, g)) {
      const h = this.store.holder(cdevLockPath(this.store.locksDir, d.name));
      if (h) return h.pid;
    }
    return undefined;
  }

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
    return deviceDmaPort(this.smmuFor(spec), () => attachmentOf(spec.name, id, this.boundCdevs, this.heldGroups), spec.iommu?.streamIds, this.physical);
  }

  /** MAP_DMA / IOAS_MAP's pinning of [address, address+length) (see pinPages). */
  pinned(address: bigint, length: number, write: boolean): boolean {
    return pinPages(this.os, this.pageSize, address, length, write);
  }
}
