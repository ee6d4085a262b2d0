// Opening a device the legacy way (vfio-abi.md §1.5 A), which works on every kernel and is the only way for
// noiommu: container -> group (viable?) -> attach -> choose the IOMMU model -> device fd. A VfioSession owns all three
// fds and closes them in reverse order; it is what the CLI and user scripts hold for the length of one job.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { VFIO_NOIOMMU_IOMMU, VFIO_TYPE1v2_IOMMU } from "./abi/constants.ts";
import { Container } from "./container.ts";
import type { Device } from "./device.ts";
import { DeviceNotFoundError, VfioError } from "./errors.ts";
import { Group, groupNodePath } from "./group.ts";

export interface OpenOptions {
  /** The device's sysfs directory, e.g. /sys/bus/amba/devices/9010000.pl031 (gives the IOMMU group). */
  sysfsPath: string;
  /** The device's name in its group (its sysfs name). */
  name: string;
  /** Region names from the device tree (`reg-names`), to name regions. */
  regionNames?: readonly string[];
}

/** An open device with the container and group that hold it. */
export class VfioSession {
  private closed = false;
  constructor(
    readonly container: Container,
    readonly group: Group,
    readonly device: Device,
    /** The IOMMU group number. */
    readonly groupId: number,
  ) {}

  /** True when the device sits behind no IOMMU (noiommu mode: no DMA mapping, physical addresses only). */
  get noiommu(): boolean {
    return this.group.noiommu;
  }

  /** Close device, group and container, in that order. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.device.close();
    } finally {
      try {
        this.group.close();
      } finally {
        this.container.close();
      }
    }
  }
}

/** The IOMMU group number of a device, from its sysfs `iommu_group` link. */
export function iommuGroupOf(b: KernelBoundary, sysfsPath: string): number | undefined {
  try {
    const target = b.fs.readlink(`${sysfsPath}/iommu_group`);
    const n = Number(target.slice(target.lastIndexOf("/") + 1));
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The group node for group `id`: /dev/vfio/N, or /dev/vfio/noiommu-N when that one exists. */
export function resolveGroupNode(b: KernelBoundary, id: number): string {
  const noiommu = groupNodePath(id, true);
  return b.fs.exists(noiommu) ? noiommu : groupNodePath(id, false);
}

/**
 * Open a device bound to a VFIO driver.
 * @throws DeviceNotFoundError (no IOMMU group: not bound), BusyError (group held elsewhere), VfioError (kernel refusals,
 *   non-viable group)
 */
export function openDevice(b: KernelBoundary, opts: OpenOptions): VfioSession {
  const groupId = iommuGroupOf(b, opts.sysfsPath);
  if (groupId === undefined) {
    throw new DeviceNotFoundError(`${opts.name} has no IOMMU group`, `bind it first: vfio-plat bind ${opts.name}`);
  }
  const container = Container.open(b);
  let group: Group | undefined;
  try {
    group = Group.open(b, resolveGroupNode(b, groupId));
    const status = group.status();
    if (!status.viable) {
      throw new VfioError(`group ${groupId} is not viable`, {
        detail: "every device in the IOMMU group must be bound to a vfio driver (or to none)",
      });
    }
    group.setContainer(container);
    container.setIommu(group.noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU);
    const device = group.openDevice(opts.name);
    device.regionNames = opts.regionNames ?? [];
    return new VfioSession(container, group, device, groupId);
  } catch (e) {
    group?.close();
    container.close();
    throw e;
  }
}
