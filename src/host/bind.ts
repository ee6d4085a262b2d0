// `bind` as a transaction (dpdk-devbind, kernel selftests setup.sh): remember the original driver and override, set
// driver_override to the VFIO driver, unbind, probe, check the driver really took it, and wait for the group node.
// Any failure puts the device back where it was. `unbind` restores the saved state the same way. With an owner, the
// group node is then handed to that user/group (dpdk-devbind --uid/--gid), so the work after bind needs no root.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";
import { BusyError, DeviceNotFoundError, UnsupportedError, VfioError } from "../vfio/errors.ts";
import { resolveGroupNode } from "../vfio/session.ts";
import { forgetBinding, loadBinding, saveBinding } from "./bind-state.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { describeHolders, deviceHolders, kernelUsers } from "./in-use.ts";
import { VFIO_DRIVER_OF_BUS, VFIO_DRIVERS, boundDriver } from "./sysfs.ts";

export interface BindOptions {
  /** Where the original binding is saved. */
  stateDir: string;
  /** Bind even when the device serves the system (console, active NIC). */
  force?: boolean;
  /** How long to wait for /dev/vfio/N to appear (udev is asynchronous). */
  nodeTimeoutMs?: number;
  /** Override the VFIO driver (default: the bus's). */
  driver?: string;
  /** chown the group node to this uid and/or gid once the device is bound (unset: keep that part as it is). */
  owner?: { uid?: number; gid?: number };
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
function handOver(b: KernelBoundary, node: string, owner: { uid?: number; gid?: number }): NodeOwner {
  const before = b.fs.stat(node);
  b.fs.chown(node, owner.uid ?? before.uid, owner.gid ?? before.gid);
  if (owner.gid !== undefined && (before.mode & 0o060) !== 0o060) b.fs.chmod(node, (before.mode & 0o7777) | 0o060);
  const after = b.fs.stat(node);
  return { uid: after.uid, gid: after.gid, mode: after.mode & 0o7777 };
}

function writeAttr(b: KernelBoundary, path: string, value: string): void {
  b.fs.writeFile(path, value);
}

/** Put the device on `driver` (or leave it driverless when undefined) with the given override. Best effort. */
function restore(b: KernelBoundary, dev: HostDevice, driver: string | undefined, override: string | undefined): void {
  const dir = dev.sysfsPath;
  const current = boundDriver(b, dir);
  if (current !== undefined && current !== driver) writeAttr(b, `${dir}/driver/unbind`, dev.name);
  writeAttr(b, `${dir}/driver_override`, override ?? "\n");
  if (driver !== undefined && boundDriver(b, dir) !== driver) {
    try {
      writeAttr(b, `/sys/bus/${dev.bus}/drivers_probe`, dev.name);
    } catch (e) {
      if (!isSyscallError(e)) throw e;
    }
  }
}

/**
 * Bind `dev` to its bus's VFIO driver.
 * @throws BusyError (in use by the kernel, without force), UnsupportedError (no VFIO driver on this kernel),
 *   VfioError (the probe failed; the device is back on its original driver), SyscallError (EPERM from chown of the
 *   group node for `owner`; the device is back on its original driver)
 */
export function bindDevice(b: KernelBoundary, dev: HostDevice, opts: BindOptions): BindResult {
  const target = opts.driver ?? VFIO_DRIVER_OF_BUS[dev.bus];
  if (dev.driver === target) {
    const node = dev.iommuGroup !== undefined ? resolveGroupNode(b, dev.iommuGroup) : undefined;
    const owner = node && opts.owner && b.fs.exists(node) ? handOver(b, node, opts.owner) : undefined;
    return { device: dev, outcome: "already", ...(node ? { groupNode: node } : {}), ...(owner ? { owner } : {}) };
  }
  if (!opts.force) {
    const users = kernelUsers(b, dev);
    if (users.length) {
      throw new BusyError(`${dev.name} is in use: ${users.join("; ")}`, "pass --force to bind it anyway (you may lose that console or link)");
    }
  }
  if (!b.fs.exists(`/sys/bus/${dev.bus}/drivers/${target}`)) {
    const load =
      target === "vfio-platform" || target === "vfio-amba"
        ? `load it (modprobe ${target}) or build the kernel with CONFIG_VFIO_${target === "vfio-amba" ? "AMBA" : "PLATFORM"}`
        : `load it (modprobe ${target})`;
    // No VFIO at all (a development PC): point at the simulated board.
    const sim = b.kind === "real" && !b.fs.exists("/dev/vfio/vfio") ? "; without VFIO hardware, try the simulated board: vfio-plat --sim" : "";
    throw new UnsupportedError(`this kernel has no ${target} driver`, load + sim);
  }
  // Keep the first saved original: a retried bind must not record the VFIO driver as "original".
  const saved = loadBinding(opts.stateDir, dev.bus, dev.name);
  const originalDriver = saved?.driver ?? (dev.driver && !VFIO_DRIVERS.has(dev.driver) ? dev.driver : undefined);
  const originalOverride = saved ? saved.override : dev.override;
  saveBinding(opts.stateDir, {
    bus: dev.bus,
    name: dev.name,
    ...(originalDriver !== undefined ? { driver: originalDriver } : {}),
    ...(originalOverride !== undefined ? { override: originalOverride } : {}),
    vfioDriver: target,
    time: new Date().toISOString(),
  });

  const dir = dev.sysfsPath;
  try {
    writeAttr(b, `${dir}/driver_override`, target);
    if (boundDriver(b, dir) !== undefined) writeAttr(b, `${dir}/driver/unbind`, dev.name);
    writeAttr(b, `/sys/bus/${dev.bus}/drivers_probe`, dev.name);
    // drivers_probe succeeds even when the probe fails: the driver link is the truth.
    const now = boundDriver(b, dir);
    if (now !== target) {
      throw new VfioError(`${target} did not take ${dev.name}`, {
        detail: probeFailureHint(b, dev, target),
      });
    }
    let after = describeDevice(b, dev.bus, dev.name);
    // A PCI function on an arm64 DT kernel joins its IOMMU group only in this probe (the lab saw no iommu_group link
    // before vfio-pci bound it): wait for the link, then for the node.
    if (after.iommuGroup === undefined && waitForNode(b, `${dir}/iommu_group`, opts.nodeTimeoutMs ?? 5000)) {
      after = describeDevice(b, dev.bus, dev.name);
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
      ...(dev.driver ? { previousDriver: dev.driver } : {}),
      ...(node ? { groupNode: node } : {}),
      ...(owner ? { owner } : {}),
    };
  } catch (e) {
    try {
      restore(b, dev, originalDriver, originalOverride);
    } finally {
      forgetBinding(opts.stateDir, dev.bus, dev.name);
    }
    throw e;
  }
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

/**
 * Unbind `dev` from its VFIO driver and restore what `bind` saved (or, with nothing saved, clear the override and let
 * the kernel match its native driver).
 * @throws DeviceNotFoundError (not bound to VFIO), BusyError (a process holds its group node or its cdev; names the pid
 *   and the node)
 */
export function unbindDevice(b: KernelBoundary, dev: HostDevice, opts: { stateDir: string }): { device: HostDevice; restoredDriver?: string } {
  if (!dev.vfioBound) {
    throw new DeviceNotFoundError(`${dev.name} is not bound to a VFIO driver (driver: ${dev.driver ?? "none"})`, "nothing to unbind");
  }
  // Either node held keeps the device open, and the kernel's unbind would wait for it.
  const holders = deviceHolders(b, dev);
  if (holders[0] !== undefined) {
    const pid = holders[0].pid;
    throw new BusyError(`${describeHolders(holders)} (EBUSY)`, `stop process ${pid} first`, pid);
  }
  const saved = loadBinding(opts.stateDir, dev.bus, dev.name);
  restore(b, dev, saved?.driver, saved?.override);
  if (!saved) {
    // Nothing saved: let the kernel find the native driver.
    try {
      b.fs.writeFile(`/sys/bus/${dev.bus}/drivers_probe`, dev.name);
    } catch (e) {
      if (!isSyscallError(e)) throw e;
    }
  }
  forgetBinding(opts.stateDir, dev.bus, dev.name);
  const after = describeDevice(b, dev.bus, dev.name);
  return { device: after, ...(after.driver ? { restoredDriver: after.driver } : {}) };
}
