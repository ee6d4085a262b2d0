// `bind` as a transaction (dpdk-devbind, kernel selftests setup.sh): remember the original driver and override, set
// driver_override to the VFIO driver, unbind, probe, check the driver really took it, and wait for the group node.
// Any failure puts the device back where it was. `unbind` restores the saved state the same way. With an owner, the
// group node is then handed to that user/group (as dpdk-devbind does with a uid/gid), so the work after bind needs no root.
// Both run as a transaction (bind-transaction.ts, under the journal of bind-journal.ts): one per device at a time,
// and one killed at any step is finished or undone by the next bind, unbind or doctor.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { BusyError, VfioError } from "../vfio/errors.ts";
import { resolveGroupNode } from "../vfio/session.ts";
import { removeJournal, type BindJournal } from "./bind-journal.ts";
import { beginTransaction, restore, saveOriginal, step, type OnWait, type Recovery } from "./bind-transaction.ts";
import { forgetBinding, loadBinding } from "./bind-state.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { describeHolders, deviceHolders, kernelUsers } from "./in-use.ts";
import { BindBusyError, BindUnsupportedError, BindDriverError } from "./host-errors.ts";
import { defaultStateDir } from "./state-dir.ts";
import { recoverStaleBatches, type BatchRecovery } from "./batch-recovery.ts";
import { VFIO_DRIVER_OF_BUS, VFIO_DRIVERS, boundDriver, type Bus } from "./sysfs.ts";

export { recoverTransaction, TRANSACTION_WAIT_MS, type OnWait, type Recovery } from "./bind-transaction.ts";

export interface BindOptions {
  /** Where the original binding is saved (default: defaultStateDir(b), one per boundary). */
  stateDir?: string;
  /** Bind even when the device serves the system (console, active NIC). */
  force?: boolean;
  /** How long to wait for /dev/vfio/N to appear (udev is asynchronous). */
  nodeTimeoutMs?: number;
  /** Override the VFIO driver (default: the bus's). */
  driver?: string;
  /** chown the group node to this uid and/or gid once the device is bound (unset: keep that part as it is). */
  owner?: { uid?: number; gid?: number };
  /** Called once when another process's bind/unbind of the device is in progress and this call starts waiting for it. */
  onWait?: OnWait;
  /** How long to wait for another process's bind/unbind of the device (default 30 s; 0: answer busy at once). */
  waitMs?: number;
}

/** Who owns the group node after `bind` handed it over. */
export interface NodeOwner {
  uid: number;
  gid: number;
  /** Permission bits (e.g. 0o600): with a group given, 0o060 must be set for the group to use the node. */
  mode: number;
}

export interface BindResult {
  device: HostDevice;
  /** "bound" when this call bound it, "already" when it was bound to the VFIO driver before. */
  outcome: "bound" | "already";
  previousDriver?: string;
  groupNode?: string;
  /** Set when `owner` was asked for and the node exists. */
  owner?: NodeOwner;
  /** With "already": the process whose bind or unbind of the device this call waited for (a concurrent binder). */
  by?: number;
  /** An interrupted transaction on this device that this call finished or undid first. */
  recovered?: Recovery;
  /** Batches cut short (SIGKILL) with this device among them, rolled back first. */
  recoveredBatches?: BatchRecovery[];
}

function sleepMs(ms: number): void {
  Bun.sleepSync(ms);
}

/** Wait for `path` to exist, up to `timeoutMs`. */
function waitForNode(b: KernelBoundary, path: string, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (b.fs.exists(path)) return true;
    if (performance.now() >= deadline) return false;
    sleepMs(20);
  }
}

/**
 * chown the group node, leaving out what was not asked for, and with a group make it group read-write (the kernel
 * creates it 0600: a group owner alone could not open it). Returns the node's ownership read back. @throws SyscallError
 */
export function handOver(b: KernelBoundary, node: string, owner: { uid?: number; gid?: number }): NodeOwner {
  const before = b.fs.stat(node);
  b.fs.chown(node, owner.uid ?? before.uid, owner.gid ?? before.gid);
  if (owner.gid !== undefined && (before.mode & 0o060) !== 0o060) b.fs.chmod(node, (before.mode & 0o7777) | 0o060);
  const after = b.fs.stat(node);
  return { uid: after.uid, gid: after.gid, mode: after.mode & 0o7777 };
}

/** The original driver and override a bind of `now` must record (the first saved one wins over a retried bind's). */
export function bindPlan(stateDir: string, now: HostDevice, target: string): Pick<BindJournal, "original" | "vfioDriver"> {
  const saved = loadBinding(stateDir, now.bus, now.name);
  const driver = saved ? saved.driver : now.driver && !VFIO_DRIVERS.has(now.driver) ? now.driver : undefined;
  const override = saved ? saved.override : now.override !== undefined && !VFIO_DRIVERS.has(now.override) ? now.override : undefined;
  return { original: { ...(driver !== undefined ? { driver } : {}), ...(override !== undefined ? { override } : {}) }, vfioDriver: target };
}

/** The VFIO driver `driver` names for `dev`, checked against the device's bus. @throws InvalidArgumentError */
export function vfioDriverFor(bus: Bus, driver?: string): string {
  const target = VFIO_DRIVER_OF_BUS[bus];
  if (driver === undefined || driver === target) return target;
  const known = [...VFIO_DRIVERS].join(", ");
  if (VFIO_DRIVERS.has(driver)) {
    throw new BindDriverError(`${driver} does not serve the ${bus} bus: its VFIO driver is ${target}`, { reason: "wrong-vfio-driver", driver, bus, target });
  }
  throw new BindDriverError(`'${driver}' is not a VFIO driver (known: ${known})`, { reason: "not-vfio-driver", driver, bus, target });
}

/**
 * Bind `dev` to its bus's VFIO driver.
 * @throws InvalidArgumentError (`driver` is not the bus's VFIO driver), BusyError (in use by the kernel, without force; or
 *   another process's bind/unbind of it did not end in time), UnsupportedError (no VFIO driver on this kernel),
 *   VfioError (the probe failed; the device is back on its original driver), SyscallError (EPERM from chown of the
 *   group node for `owner`; the device is back on its original driver)
 */
export function bindDevice(b: KernelBoundary, dev: HostDevice, options: BindOptions = {}): BindResult {
  const opts = { ...options, stateDir: options.stateDir ?? defaultStateDir(b) };
  const target = bindTarget(b, dev, opts.driver);
  const batches = recoverStaleBatches(b, opts.stateDir, [dev]);
  const begun = beginTransaction(b, dev, opts.stateDir, "bind", (now) => bindPlan(opts.stateDir, now, target), opts.onWait, opts.waitMs);
  const held = { keepJournal: false };
  try {
    const r = bindHeld(b, begun, opts, target, held);
    return batches.length ? { ...r, recoveredBatches: batches } : r;
  } finally {
    if (!held.keepJournal) removeJournal(opts.stateDir, begun.tx.journal);
  }
}

/**
 * The VFIO driver a bind of `dev` puts it on, checked against its bus and the kernel.
 * @throws BindDriverError (not the bus's VFIO driver), BindUnsupportedError (the kernel has no such driver)
 */
export function bindTarget(b: KernelBoundary, dev: HostDevice, driver?: string): string {
  const target = vfioDriverFor(dev.bus, driver);
  if (dev.driver !== target && !b.fs.exists(`/sys/bus/${dev.bus}/drivers/${target}`)) {
    const load =
      target === "vfio-platform" || target === "vfio-amba"
        ? `load it (modprobe ${target}) or build the kernel with CONFIG_VFIO_${target === "vfio-amba" ? "AMBA" : "PLATFORM"}`
        : `load it (modprobe ${target})`;
    // No VFIO at all (a development PC): the CLI points at the simulated board.
    const realWithoutVfio = b.kind === "real" && !b.fs.exists("/dev/vfio/vfio");
    throw new BindUnsupportedError(`this kernel has no ${target} driver`, { reason: "no-vfio-driver", target, realWithoutVfio }, load);
  }
  return target;
}

/** Refuse (before anything is touched) a bind the kernel would not let go of: in use, or no unbind file. @throws BindBusyError */
export function checkDetachable(b: KernelBoundary, now: HostDevice, force: boolean): void {
  if (!force) {
    const users = kernelUsers(b, now);
    if (users.length) {
      throw new BindBusyError(`${now.name} is in use: ${users.join("; ")}`, { reason: "in-use", device: now.name, users });
    }
  }
  // A driver registered with suppress_bind_attrs (the SMMUs' drivers) has no unbind file: nothing can detach it.
  if (now.driver !== undefined && !b.fs.exists(`${now.sysfsPath}/driver/unbind`)) {
    throw new BindBusyError(`${now.name}'s driver ${now.driver} has no unbind file (suppress_bind_attrs): the kernel keeps it bound`, {
      reason: "no-unbind",
      device: now.name,
      driver: now.driver,
    });
  }
}

/** The transaction on one device once its journal is held (beginTransaction's answer). */
export type Begun = ReturnType<typeof beginTransaction>;

/**
 * bind's work on a device whose journal `begun` holds: the caller removes the journal afterwards unless
 * `held.keepJournal` was set (a rollback that failed leaves it for the next attempt). Throws as bindDevice.
 */
export function bindHeld(
  b: KernelBoundary,
  begun: Begun,
  opts: BindOptions & { stateDir: string },
  target: string,
  held: { keepJournal: boolean },
): BindResult {
  const { tx, recovered, waitedFor } = begun;
  const now = begun.dev;
  const extra = { ...(recovered ? { recovered } : {}) };
  {
    if (now.driver === target) {
      const node = now.iommuGroup !== undefined ? resolveGroupNode(b, now.iommuGroup) : undefined;
      const owner = node && opts.owner && b.fs.exists(node) ? handOver(b, node, opts.owner) : undefined;
      return {
        device: now,
        outcome: "already",
        ...(node ? { groupNode: node } : {}),
        ...(owner ? { owner } : {}),
        ...(waitedFor !== undefined ? { by: waitedFor } : {}),
        ...extra,
      };
    }
    checkDetachable(b, now, opts.force === true);
    saveOriginal(opts.stateDir, now, tx.journal.original, target, process.pid);
    const dir = now.sysfsPath;
    try {
      step(tx, `${dir}/driver_override`, target);
      if (boundDriver(b, dir) !== undefined) step(tx, `${dir}/driver/unbind`, now.name);
      step(tx, `/sys/bus/${now.bus}/drivers_probe`, now.name);
      // drivers_probe succeeds even when the probe fails: the driver link is the truth.
      if (boundDriver(b, dir) !== target) {
        throw new VfioError(`${target} did not take ${now.name}`, {
          detail: probeFailureHint(b, now, target),
        });
      }
      let after = describeDevice(b, now.bus, now.name);
      // A PCI function on an arm64 DT kernel joins its IOMMU group only in this probe (the lab saw no iommu_group link
      // before vfio-pci bound it): wait for the link, then for the node.
      if (after.iommuGroup === undefined && waitForNode(b, `${dir}/iommu_group`, opts.nodeTimeoutMs ?? 5000)) {
        after = describeDevice(b, now.bus, now.name);
      }
      let node: string | undefined;
      if (after.iommuGroup !== undefined) {
        node = resolveGroupNode(b, after.iommuGroup);
        if (!waitForNode(b, node, opts.nodeTimeoutMs ?? 5000)) {
          throw new VfioError(`${node} did not appear`, { detail: "udev did not create the group node in time" });
        }
      }
      // Inside the transaction: a hand-over that fails (not root) leaves the device where it was.
      const owner = node && opts.owner ? handOver(b, node, opts.owner) : undefined;
      return {
        device: after,
        outcome: "bound",
        ...(now.driver ? { previousDriver: now.driver } : {}),
        ...(node ? { groupNode: node } : {}),
        ...(owner ? { owner } : {}),
        ...extra,
      };
    } catch (e) {
      try {
        restore(tx, now, tx.journal.original);
        forgetBinding(opts.stateDir, now.bus, now.name);
      } catch {
        // The rollback itself failed: the journal stays, so the next bind, unbind or doctor tries again.
        held.keepJournal = true;
      }
      throw e;
    }
  }
}

/** An AMBA device's periphid from sysfs (`id` on Linux, the `amba:dXXXXXXXX` modalias otherwise), undefined if unreadable. */
function ambaPeriphid(b: KernelBoundary, dev: HostDevice): number | undefined {
  for (const [file, re] of [["id", /^([0-9a-f]{8})$/i], ["modalias", /^amba:d([0-9a-f]{8})$/i]] as const) {
    try {
      const m = re.exec(b.fs.readFile(`${dev.sysfsPath}/${file}`).trim());
      if (m) return parseInt(m[1]!, 16);
    } catch {
      // not this attribute
    }
  }
  return undefined;
}

/** Why a VFIO probe usually fails, as far as sysfs can tell (dmesg has the real reason). */
function probeFailureHint(b: KernelBoundary, dev: HostDevice, target: string): string {
  const after = describeDevice(b, dev.bus, dev.name);
  if (after.iommuGroup === undefined) {
    let noiommu = "N";
    try {
      noiommu = b.fs.readFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode").trim();
    } catch {
      // no such parameter: VFIO_NOIOMMU not built
    }
    if (noiommu !== "Y" && noiommu !== "1") {
      return "the device has no IOMMU group; enable noiommu mode first (echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode) — unsafe: no DMA isolation";
    }
  }
  if (dev.bus === "amba" && ambaPeriphid(b, dev) === 0) {
    // amba_match defers every driver while it cannot read a PrimeCell ID (drivers/amba/bus.c).
    return "the amba bus could not identify the device (periphid 0: no PrimeCell ID registers), so it defers every driver's probe; give it a periphid (arm,primecell-periphid in a device tree, periphid in a board file)";
  }
  if (target === "vfio-platform") {
    try {
      const r = b.fs.readFile("/sys/module/vfio_platform/parameters/reset_required").trim();
      if (r === "Y" || r === "1") {
        return "vfio-platform requires a reset function for this device; boot with vfio_platform.reset_required=0";
      }
    } catch {
      // parameter not readable
    }
  }
  return "the probe failed; see dmesg";
}

export interface UnbindOptions {
  /** Where bind saved the original binding (default: defaultStateDir(b), as for bindDevice). */
  stateDir?: string;
  /** Called once when another process's bind/unbind of the device is in progress and this call starts waiting for it. */
  onWait?: OnWait;
  /** How long to wait for another process's bind/unbind of the device (default 30 s; 0: answer busy at once). */
  waitMs?: number;
}

export interface UnbindResult {
  device: HostDevice;
  /**
   * "unbound": taken from its VFIO driver; "override-cleared": it was not on a VFIO driver but had a VFIO
   * driver_override (a bind cut short), now undone; "not-bound": not on a VFIO driver, nothing was done.
   */
  outcome: "unbound" | "override-cleared" | "not-bound";
  /** The VFIO driver it was taken from, or the VFIO override cleared. */
  from?: string;
  restoredDriver?: string;
  /** With "not-bound": the process whose unbind this call waited for, when it did. */
  by?: number;
  recovered?: Recovery;
  /** Batches cut short (SIGKILL) with this device among them, rolled back first. */
  recoveredBatches?: BatchRecovery[];
}

/**
 * Unbind `dev` from its VFIO driver and restore what `bind` saved (or, with nothing saved, clear the override and let
 * the kernel match its native driver). A device with no driver but a VFIO driver_override gets its original driver
 * back too; one not on a VFIO driver is left alone ("not-bound").
 * @throws BusyError (a process holds its group node or its cdev, naming the pid and the node; or another process's
 *   bind/unbind of it did not end in time)
 */
export function unbindDevice(b: KernelBoundary, dev: HostDevice, options: UnbindOptions = {}): UnbindResult {
  const opts = { ...options, stateDir: options.stateDir ?? defaultStateDir(b) };
  const batches = recoverStaleBatches(b, opts.stateDir, [dev]);
  const begun = beginTransaction(b, dev, opts.stateDir, "unbind", (now) => unbindPlan(opts.stateDir, now), opts.onWait, opts.waitMs);
  try {
    const r = unbindHeld(b, begun, opts);
    return batches.length ? { ...r, recoveredBatches: batches } : r;
  } finally {
    removeJournal(opts.stateDir, begun.tx.journal);
  }
}

/** What an unbind of `now` must restore: bind's saved original, or (none saved) whatever the kernel matches. */
export function unbindPlan(stateDir: string, now: HostDevice): Pick<BindJournal, "original" | "vfioDriver" | "probeAny"> {
  const saved = loadBinding(stateDir, now.bus, now.name);
  const vfio = now.vfioBound ? now.driver! : now.override !== undefined && VFIO_DRIVERS.has(now.override) ? now.override : VFIO_DRIVER_OF_BUS[now.bus];
  if (!saved) return { original: {}, vfioDriver: vfio, probeAny: true };
  return { original: { ...(saved.driver ? { driver: saved.driver } : {}), ...(saved.override ? { override: saved.override } : {}) }, vfioDriver: vfio };
}

/** Refuse (before anything is touched) an unbind of a device a process holds open. @throws BusyError */
export function checkNotHeld(b: KernelBoundary, now: HostDevice): void {
  if (!now.vfioBound) return;
  // Either node held keeps the device open, and the kernel's unbind would wait for it.
  const holders = deviceHolders(b, now);
  if (holders[0] !== undefined) {
    const pid = holders[0].pid;
    throw new BusyError(`${describeHolders(holders)} (EBUSY)`, `stop process ${pid} first`, pid);
  }
}

/** unbind's work on a device whose journal `begun` holds (the caller removes the journal). Throws as unbindDevice. */
export function unbindHeld(b: KernelBoundary, begun: Begun, opts: { stateDir: string }): UnbindResult {
  const { tx, recovered, waitedFor } = begun;
  const now = begun.dev;
  const extra = { ...(recovered ? { recovered } : {}) };
  {
    // A VFIO override without the VFIO driver: a bind cut short (its unbind or probe never came); undone too.
    const strayOverride = !now.vfioBound && now.override !== undefined && VFIO_DRIVERS.has(now.override);
    if (!now.vfioBound && !strayOverride) {
      return { device: now, outcome: "not-bound", ...(waitedFor !== undefined ? { by: waitedFor } : {}), ...extra };
    }
    checkNotHeld(b, now);
    restore(tx, now, { ...tx.journal.original, ...(tx.journal.probeAny ? { probeAny: true } : {}) });
    forgetBinding(opts.stateDir, now.bus, now.name);
    const after = describeDevice(b, now.bus, now.name);
    return {
      device: after,
      outcome: now.vfioBound ? "unbound" : "override-cleared",
      from: tx.journal.vfioDriver,
      ...(after.driver ? { restoredDriver: after.driver } : {}),
      ...extra,
    };
  }
}
