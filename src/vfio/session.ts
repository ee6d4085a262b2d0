// Opening a device, two ways. The legacy group path (vfio-abi.md §1.5 A) works on every kernel and is the only way for
// noiommu: container -> group (viable?) -> attach -> choose the IOMMU model -> device fd. The cdev + iommufd path (§1.5
// C, kernel >= 6.6): /dev/vfio/devices/vfioN bound to /dev/iommu, attached to a fresh IOAS. `auto` takes the cdev path
// when the device has a cdev and /dev/iommu exists, else the group path. A VfioSession owns every fd it opened and
// closes them in reverse order; it is what the CLI and user scripts hold for the length of one job.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { VFIO_NOIOMMU_IOMMU, VFIO_TYPE1v2_IOMMU } from "./abi/constants.ts";
import { Container } from "./container.ts";
import { attachIommufdPt, deviceCdevOf, openCdevDevice } from "./device-cdev.ts";
import type { Device } from "./device.ts";
import type { DmaSpace } from "./dma-space.ts";
import { IommufdUnavailableError, NotBoundError, VfioError } from "./errors.ts";
import { Group, groupNodePath } from "./group.ts";
import type { Ioas } from "./ioas.ts";
import { IOMMUFD_PATH, IommuFd } from "./iommufd.ts";

/** How to reach the device's IOMMU: `group` (container + group), `iommufd` (cdev + /dev/iommu), or `auto`. */
export type IommuMode = "auto" | "group" | "iommufd";

export interface OpenOptions {
  /** The device's sysfs directory, e.g. /sys/bus/amba/devices/9010000.pl031 (gives the IOMMU group and the cdev). */
  sysfsPath: string;
  /** The device's name in its group (its sysfs name). */
  name: string;
  /** Region names from the device tree (`reg-names`), to name regions. */
  regionNames?: readonly string[];
  /** Which path to open the device by; `auto` when absent. */
  iommuMode?: IommuMode;
}

/** The fds of the path the device was opened by. */
export type SessionParts =
  | { mode: "group"; container: Container; group: Group }
  | { mode: "iommufd"; iommufd: IommuFd; ioas: Ioas; cdevPath: string; devid: number; hwptId: number };

/** An open device with the IOMMU context that holds it. */
export class VfioSession {
  private closed = false;
  constructor(
    readonly parts: SessionParts,
    readonly device: Device,
    /** The IOMMU group number. */
    readonly groupId: number,
  ) {}

  /** The path taken: `group` or `iommufd`. */
  get mode(): "group" | "iommufd" {
    return this.parts.mode;
  }

  /** The container (group path only). */
  get container(): Container | undefined {
    return this.parts.mode === "group" ? this.parts.container : undefined;
  }

  /** The group (group path only). */
  get group(): Group | undefined {
    return this.parts.mode === "group" ? this.parts.group : undefined;
  }

  /** The IOAS the device is attached to (iommufd path only). */
  get ioas(): Ioas | undefined {
    return this.parts.mode === "iommufd" ? this.parts.ioas : undefined;
  }

  /** Where DMA mappings for this device go: the container or the IOAS. */
  get dma(): DmaSpace {
    return this.parts.mode === "group" ? this.parts.container : this.parts.ioas;
  }

  /** The device node that was opened to reach the device: /dev/vfio/N or /dev/vfio/devices/vfioN. */
  get node(): string {
    return this.parts.mode === "group" ? this.parts.group.path : this.parts.cdevPath;
  }

  /** True when the device sits behind no IOMMU (noiommu mode: no DMA mapping, physical addresses only). */
  get noiommu(): boolean {
    return this.parts.mode === "group" && this.parts.group.noiommu;
  }

  /** `using session = openDevice(...)`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using session = ...` works too (closing is synchronous). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Close device, then group and container (or IOAS context). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.parts;
    try {
      this.device.close();
    } finally {
      if (p.mode === "group") {
        try {
          p.group.close();
        } finally {
          p.container.close();
        }
      } else {
        // Closing the device fd unbinds it (and detaches it); the iommufd's close then frees the IOAS and its maps.
        p.iommufd.close();
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
 * The path `auto` picks for a device: iommufd when the device has a cdev (never for noiommu devices) and /dev/iommu
 * exists, else the group path.
 */
export function chooseIommuMode(b: KernelBoundary, sysfsPath: string, mode: IommuMode = "auto"): "group" | "iommufd" {
  if (mode !== "auto") return mode;
  return deviceCdevOf(b, sysfsPath) !== undefined && b.fs.exists(IOMMUFD_PATH) ? "iommufd" : "group";
}

/**
 * Open a device bound to a VFIO driver, by the path `opts.iommuMode` selects (see chooseIommuMode).
 * @throws DeviceNotFoundError (no IOMMU group: not bound), BusyError (group held elsewhere, or the cdev path and the
 *   group path in use at once), UnsupportedError (iommufd asked for a device without a cdev or a kernel without
 *   /dev/iommu), VfioError (kernel refusals, non-viable group)
 */
export function openDevice(b: KernelBoundary, opts: OpenOptions): VfioSession {
  const groupId = iommuGroupOf(b, opts.sysfsPath);
  if (groupId === undefined) {
    throw new NotBoundError(`${opts.name} has no IOMMU group`, { device: opts.name, reason: "no-group" });
  }
  const mode = chooseIommuMode(b, opts.sysfsPath, opts.iommuMode);
  const session = mode === "iommufd" ? openViaIommufd(b, opts, groupId) : openViaGroup(b, opts, groupId);
  session.device.regionNames = opts.regionNames ?? [];
  return session;
}

function openViaGroup(b: KernelBoundary, opts: OpenOptions, groupId: number): VfioSession {
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
    return new VfioSession({ mode: "group", container, group }, device, groupId);
  } catch (e) {
    group?.close();
    container.close();
    throw e;
  }
}

function openViaIommufd(b: KernelBoundary, opts: OpenOptions, groupId: number): VfioSession {
  const cdevPath = deviceCdevOf(b, opts.sysfsPath);
  if (cdevPath === undefined) {
    const noiommu = b.fs.exists(groupNodePath(groupId, true));
    throw new IommufdUnavailableError(`${opts.name} has no VFIO device cdev${noiommu ? " (noiommu devices never do)" : ""}`, {
      device: opts.name,
      reason: "no-cdev",
      noiommu,
    });
  }
  if (!b.fs.exists(IOMMUFD_PATH)) {
    throw new IommufdUnavailableError(`${IOMMUFD_PATH} does not exist`, { device: opts.name, reason: "no-iommufd" });
  }
  const iommufd = IommuFd.open(b);
  let device: Device | undefined;
  try {
    const opened = openCdevDevice(b, cdevPath, iommufd, opts.name);
    device = opened.device;
    const ioas = iommufd.allocIoas();
    const hwptId = attachIommufdPt(b, device, ioas.id);
    return new VfioSession({ mode: "iommufd", iommufd, ioas, cdevPath, devid: opened.devid, hwptId }, device, groupId);
  } catch (e) {
    device?.close();
    iommufd.close();
    throw e;
  }
}
