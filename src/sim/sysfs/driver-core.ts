// The Linux driver core as it matters for VFIO binding: driver_override restricts matching to one driver; native
// drivers match by compatible; vfio-platform/vfio-amba/vfio-pci have no match table here (override only); a VFIO
// probe fails without an IOMMU group (unless noiommu mode creates one) and, for vfio-platform, without a reset function
// while reset_required is set. A device that joins its IOMMU group at probe (spec.iommuGroupAtProbe: DMA is
// configured in really_probe) gets it at its first probe, logged by the IOMMU core, and keeps it after unbind.
// Writing drivers_probe succeeds even when the probe fails, as on Linux.
import type { BoardSpec, DeviceSpec } from "../boards/board-spec.ts";
import { devMessage, KERN_ERR, KERN_INFO, KERN_WARNING } from "../kernel/dev-printk.ts";
import { cacheCoherent } from "../iommu/smmu-profile.ts";
import { Errno, fail } from "../kernel/errno.ts";
import { printk, type BoardState } from "../state/board-state.ts";
import { ambaMatchDefers } from "./amba-periphid.ts";
import { injectedFault } from "./injected-faults.ts";
import { TAINT_USER } from "../../vfio/abi/taint.ts";
import { TAINTED_KEY } from "./memory-nodes.ts";
import { keepsGroupViable } from "../../host/dma-owner-free.ts";

export const VFIO_DRIVER_FOR_BUS = { platform: "vfio-platform", amba: "vfio-amba", pci: "vfio-pci" } as const;

/**
 * Drivers registered with suppress_bind_attrs: their sysfs directory has no bind/unbind files, so user space cannot
 * detach their devices (arm-smmu and arm-smmu-v3 set it: an IOMMU cannot leave while masters sit behind it).
 */
const BIND_ATTRS_SUPPRESSED: ReadonlySet<string> = new Set(["arm-smmu", "arm-smmu-v3"]);

/** True when `driver`'s sysfs directory has bind and unbind files (no suppress_bind_attrs). */
export function hasBindAttrs(driver: string): boolean {
  return !BIND_ATTRS_SUPPRESSED.has(driver);
}

export function isVfioDriver(driver: string | undefined): boolean {
  return driver === "vfio-platform" || driver === "vfio-amba" || driver === "vfio-pci";
}

/** Driver names registered on `bus`: the board's native drivers plus the bus's VFIO driver. */
export function driversOnBus(board: BoardSpec, bus: DeviceSpec["bus"]): string[] {
  const names = new Set<string>();
  for (const d of board.devices) if (d.bus === bus && d.nativeDriver) names.add(d.nativeDriver);
  names.add(VFIO_DRIVER_FOR_BUS[bus]);
  return [...names].sort();
}

/**
 * The IOMMU group of a device: its SMMU group on an IOMMU board (once probed, for a device that joins at probe), else
 * the noiommu group a VFIO bind created.
 */
export function groupOf(state: BoardState, spec: DeviceSpec): number | undefined {
  if (state.board.iommu !== "none" && spec.iommuGroup !== undefined) {
    if (spec.iommuGroupAtProbe && !state.devices[spec.name]?.iommuProbed) return undefined;
    return spec.iommuGroup;
  }
  return state.devices[spec.name]?.noiommuGroup;
}

/** Every device of group `group`. */
export function groupMembers(state: BoardState, group: number): DeviceSpec[] {
  return state.board.devices.filter((d) => groupOf(state, d) === group);
}

/** True when the group is a noiommu group (created by a bind in noiommu mode). */
export function isNoiommuGroup(state: BoardState, group: number): boolean {
  return state.board.devices.some((d) => state.devices[d.name]?.noiommuGroup === group);
}

/** All group numbers in use. */
export function allGroups(state: BoardState): number[] {
  const s = new Set<number>();
  for (const d of state.board.devices) {
    const g = groupOf(state, d);
    if (g !== undefined) s.add(g);
  }
  return [...s].sort((a, b) => a - b);
}

/** A group's VFIO node exists while at least one of its devices is bound to a VFIO driver. */
export function groupHasVfioDevice(state: BoardState, group: number): boolean {
  return groupMembers(state, group).some((d) => isVfioDriver(state.devices[d.name]?.driver));
}

/** VFIO's viability rule: every device of the group has no driver or one that manages DMA itself (driver_managed_dma). */
export function groupViable(state: BoardState, group: number): boolean {
  return groupMembers(state, group).every((d) => keepsGroupViable(state.devices[d.name]?.driver));
}

/** driver_match_device: with an override only that driver matches; otherwise native drivers by their device. */
export function driverMatches(state: BoardState, spec: DeviceSpec, driver: string): boolean {
  const override = state.devices[spec.name]?.override;
  if (override !== undefined) return override === driver;
  return spec.nativeDriver === driver;
}

function param(state: BoardState, name: string): boolean {
  return state.params[name] === "Y";
}

/**
 * Run `driver`'s probe on the device and bind it on success. A failed probe throws Errno with its errno.
 * The state is changed only on success (and by the noiommu group a VFIO probe creates).
 */
export function probe(state: BoardState, spec: DeviceSpec, driver: string): void {
  const core = (state.devices[spec.name] ??= {});
  if (spec.iommuGroupAtProbe && spec.iommuGroup !== undefined && state.board.iommu !== "none" && !core.iommuProbed) {
    // really_probe -> dma_configure -> iommu_probe_device: the group appears before the driver's probe runs.
    core.iommuProbed = true;
    const dev = { driver, name: spec.name, bus: spec.bus };
    printk(state, devMessage(dev, `Adding to iommu group ${spec.iommuGroup}`), KERN_INFO);
  }
  if (isVfioDriver(driver)) {
    if (driver !== VFIO_DRIVER_FOR_BUS[spec.bus]) fail("ENODEV");
    injectedFault(state, spec.name, "probe", driver);
    let group = groupOf(state, spec);
    if (group === undefined) {
      if (!param(state, "vfio.enable_unsafe_noiommu_mode")) fail("EINVAL"); // no IOMMU group
      const used = new Set(allGroups(state));
      group = 0;
      while (used.has(group)) group++;
      core.noiommuGroup = group;
    }
    if (driver === "vfio-platform" && param(state, "vfio_platform.reset_required") && !spec.hasReset) {
      delete core.noiommuGroup;
      fail("ENOENT"); // "No reset function found for device"
    }
    if (core.noiommuGroup !== undefined) {
      // vfio_register_group_dev made a noiommu group: the kernel is tainted (TAINT_USER) for good, and says so.
      state.params[TAINTED_KEY] = String(Number(state.params[TAINTED_KEY] ?? "0") | TAINT_USER);
      printk(state, devMessage({ driver, name: spec.name, bus: spec.bus }, "Adding kernel taint for vfio-noiommu group on device"), KERN_WARNING);
    }
    // __vfio_register_dev: a device behind an IOMMU must have IOMMU_CAP_CACHE_COHERENCY (else -EINVAL).
    if (core.noiommuGroup === undefined && !cacheCoherent(state.board, spec)) {
      // Linux 6.12's call_driver_probe: dev_err for an error other than -ENODEV/-ENXIO (prefix: driver, device).
      printk(state, `${driver} ${spec.name}: probe with driver ${driver} failed with error -22`, KERN_ERR);
      fail("EINVAL");
    }
    core.driver = driver;
    // vfio_init_device: the lowest free index of the VFIO device ida (vfio-dev/vfioN).
    const taken = new Set(Object.values(state.devices).map((c) => c.vfioIndex));
    let index = 0;
    while (taken.has(index)) index++;
    core.vfioIndex = index;
    return;
  }
  if (driver !== spec.nativeDriver) fail("ENODEV");
  if (spec.nativeProbeError) fail(spec.nativeProbeError);
  core.driver = driver;
}

/** Detach the device from its driver; a noiommu group goes away with its VFIO binding. */
export function detach(state: BoardState, spec: DeviceSpec): void {
  const core = (state.devices[spec.name] ??= {});
  delete core.driver;
  delete core.noiommuGroup;
  delete core.vfioIndex;
}

/** /dev/iommu and VFIO device cdevs exist (CONFIG_IOMMUFD, CONFIG_VFIO_DEVICE_CDEV). */
export function iommufdAvailable(state: BoardState): boolean {
  return state.board.iommufd !== false;
}

/**
 * The VFIO-bound device with index `n` when it has a cdev: every VFIO device gets a vfio-dev/vfioN sysfs entry, but
 * a noiommu one no character device ("cdev does not support noiommu device", drivers/vfio/vfio.h).
 */
export function cdevDevice(state: BoardState, n: number): DeviceSpec | undefined {
  if (!iommufdAvailable(state)) return undefined;
  const spec = state.board.devices.find((d) => state.devices[d.name]?.vfioIndex === n);
  if (!spec || !isVfioDriver(state.devices[spec.name]?.driver)) return undefined;
  const g = groupOf(state, spec);
  return g === undefined || isNoiommuGroup(state, g) ? undefined : spec;
}

/** drivers_probe: bind the first matching driver; failures are silent (the attribute write still succeeds). */
export function probeAnyDriver(state: BoardState, spec: DeviceSpec): void {
  if (state.devices[spec.name]?.driver !== undefined) return;
  // __device_attach_driver: a match returning -EPROBE_DEFER puts the device on the deferred list, no driver binds.
  if (ambaMatchDefers(spec)) return;
  for (const drv of driversOnBus(state.board, spec.bus)) {
    if (!driverMatches(state, spec, drv)) continue;
    try {
      probe(state, spec, drv);
      return;
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
    }
  }
}
