// What the simulated board remembers between processes, as a real machine would: which driver each device is bound
// to, its driver_override, the noiommu groups created at bind, module parameters, device-node ownership, and every
// device model's registers. DMA mappings and interrupt wiring are not here: they die with the process, as on Linux.
import type { BoardSpec } from "../boards/board-spec.ts";

interface DeviceCoreState {
  /** Bound driver name, absent when unbound. */
  driver?: string;
  /** driver_override, absent when unset. */
  override?: string;
  /** Group number given by a noiommu bind. */
  noiommuGroup?: number;
  /** A driver has probed the device once, so a device that joins its IOMMU group at probe is in it now. */
  iommuProbed?: boolean;
  /** VFIO device index N (vfio-dev/vfioN, /dev/vfio/devices/vfioN) while bound to a VFIO driver. */
  vfioIndex?: number;
  /** TEST HOOK (sysfs/injected-faults.ts): errno names by fault point, put here by tests only. */
  injectedFaults?: { override?: string; unbind?: string; probe?: string };
}

export interface BoardState {
  version: 1;
  board: BoardSpec;
  /** Module parameters by "module.param" (e.g. "vfio.enable_unsafe_noiommu_mode": "Y"). */
  params: Record<string, string>;
  devices: Record<string, DeviceCoreState>;
  /** Saved register state of each device model, by device name. */
  models: Record<string, unknown>;
  /**
   * Owner (and permission bits, once chmod'ed) of device nodes changed by chown/chmod, by path. A group node's entry
   * goes when the node does (last device leaves VFIO): a new node starts as root 0600, as on Linux without udev rules.
   */
  nodeOwners: Record<string, { uid: number; gid: number; mode?: number }>;
  /** When the simulated kernel "booted" (epoch ms): kernel log timestamps count from here. */
  bootedAtMs: number;
  /** The kernel log (/dev/kmsg records, "prio,seq,usec,-;message"), oldest first, bounded. */
  kmsg: string[];
  kmsgSeq: number;
}

/** How many kernel log records the simulated kernel keeps (the real ring buffer is bounded too). */
export const KMSG_LIMIT = 2000;

/** Append a kernel log line (priority 6 = info, 4 = warning, 3 = error) as the kernel's printk would. */
export function printk(s: BoardState, message: string, priority = 6, nowMs = Date.now()): void {
  const usec = Math.max(0, Math.round((nowMs - s.bootedAtMs) * 1000));
  s.kmsg.push(`${priority},${s.kmsgSeq++},${usec},-;${message}`);
  if (s.kmsg.length > KMSG_LIMIT) s.kmsg.splice(0, s.kmsg.length - KMSG_LIMIT);
}

/** Parameter values as sysfs shows a bool module parameter. */
function boolParam(v: string | undefined, dflt: boolean): string {
  if (v === undefined) return dflt ? "Y" : "N";
  return ["1", "y", "Y"].includes(v) ? "Y" : "N";
}

/** The state of a freshly booted board: native drivers bound, parameters from the kernel command line. */
export function bootState(board: BoardSpec): BoardState {
  const devices: Record<string, DeviceCoreState> = {};
  for (const d of board.devices) devices[d.name] = d.nativeDriver && !d.nativeProbeError ? { driver: d.nativeDriver } : {};
  return {
    version: 1,
    board,
    params: {
      "vfio.enable_unsafe_noiommu_mode": boolParam(board.cmdline["vfio.enable_unsafe_noiommu_mode"], false),
      "vfio_platform.reset_required": boolParam(board.cmdline["vfio_platform.reset_required"], true),
      "vfio_iommu_type1.allow_unsafe_interrupts": boolParam(board.cmdline["vfio_iommu_type1.allow_unsafe_interrupts"], false),
      "vfio_iommu_type1.dma_entry_limit": board.cmdline["vfio_iommu_type1.dma_entry_limit"] ?? "65535",
    },
    devices,
    models: {},
    nodeOwners: {},
    bootedAtMs: Date.now(),
    kmsg: [],
    kmsgSeq: 0,
  };
}
