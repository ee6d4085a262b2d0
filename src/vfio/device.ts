// A VFIO device fd: what the device has (regions, interrupts, reset) and the objects that reach them. Closing it runs
// the kernel's release (vfio-platform: reset if a reset function exists, free the IRQs), after this object has
// disabled the interrupts and unmapped the regions it set up.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import {
  VFIO_PCI_IRQ_NAMES,
  VFIO_DEVICE_FLAGS_AMBA,
  VFIO_DEVICE_FLAGS_PCI,
  VFIO_DEVICE_FLAGS_PLATFORM,
  VFIO_DEVICE_FLAGS_RESET,
  flagNames,
} from "./abi/constants.ts";
import { DEVICE_IOCTLS } from "./abi/ioctls.ts";
import { vfio_device_info, vfio_irq_info, vfio_region_info } from "./abi/structs.ts";
import { NoSuchIndexError, UnsupportedError, InvalidArgumentError, VfioError } from "./errors.ts";
import { closeOwnedFd, vfioIoctl } from "./ioctl-call.ts";
import { Irq, irqUnavailable } from "./irq.ts";
import { Region, regionUnavailable } from "./region.ts";

export interface DeviceInfo {
  flags: number;
  flagNames: string[];
  /** Which VFIO bus driver serves it. */
  api: "vfio-platform" | "vfio-amba" | "vfio-pci" | "other";
  numRegions: number;
  numIrqs: number;
  hasReset: boolean;
}

export class Device {
  private cachedInfo: DeviceInfo | undefined;
  private readonly regionCache = new Map<number, Region>();
  private readonly irqCache = new Map<number, Irq>();
  private closed = false;
  /** reg-names from the device tree, used to name regions (set by whoever resolved the device). */
  regionNames: readonly string[] = [];

  constructor(
    private readonly b: KernelBoundary,
    readonly fd: Fd,
    readonly name: string,
  ) {}

  /** VFIO_DEVICE_GET_INFO (cached). */
  info(): DeviceInfo {
    if (this.cachedInfo) return this.cachedInfo;
    const arg = vfio_device_info.encode({ argsz: vfio_device_info.size });
    vfioIoctl(this.b, this.fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg, "VFIO_DEVICE_GET_INFO", this.name);
    const v = vfio_device_info.decode(arg);
    const api =
      v.flags & VFIO_DEVICE_FLAGS_PLATFORM
        ? "vfio-platform"
        : v.flags & VFIO_DEVICE_FLAGS_AMBA
          ? "vfio-amba"
          : v.flags & VFIO_DEVICE_FLAGS_PCI
            ? "vfio-pci"
            : "other";
    this.cachedInfo = {
      flags: v.flags,
      flagNames: flagNames("device", v.flags),
      api,
      numRegions: v.num_regions,
      numIrqs: v.num_irqs,
      hasReset: (v.flags & VFIO_DEVICE_FLAGS_RESET) !== 0,
    };
    return this.cachedInfo;
  }

  /**
   * Region `index` (VFIO_DEVICE_GET_REGION_INFO, cached).
   * @throws InvalidArgumentError for an index the device does not have, UnsupportedError when the kernel will not describe it
   *   (EINVAL: vfio-pci's VGA region on a function that is not VGA)
   */
  region(index: number): Region {
    const cached = this.regionCache.get(index);
    if (cached) return cached;
    const n = this.info().numRegions;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new NoSuchIndexError(`${this.name} has no region ${index} (it has ${n})`, { kind: "region", device: this.name, index, count: n });
    }
    const arg = vfio_region_info.encode({ argsz: vfio_region_info.size, index });
    try {
      vfioIoctl(this.b, this.fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO, arg, `VFIO_DEVICE_GET_REGION_INFO ${index}`, this.name);
    } catch (e) {
      if (e instanceof VfioError && e.code === "EINVAL") throw regionUnavailable(this.name, index, this.regionNames[index], "refused");
      throw e;
    }
    const v = vfio_region_info.decode(arg);
    // Sizes inside a region are numbers (the library's numeric rule); no device has a region of 2^53 bytes (8 PiB).
    if (v.size > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new UnsupportedError(`region ${index} of ${this.name} is 0x${v.size.toString(16)} bytes, beyond 2^53`);
    }
    const region = new Region(
      this.b,
      this.fd,
      this.name,
      { index, flags: v.flags, size: Number(v.size), offset: v.offset, capOffset: v.cap_offset },
      this.regionNames[index],
    );
    this.regionCache.set(index, region);
    return region;
  }

  /** Every region, in index order. */
  regions(): Region[] {
    return Array.from({ length: this.info().numRegions }, (_, i) => this.region(i));
  }

  /** The region whose reg-names entry is `name`. @throws InvalidArgumentError listing the known names */
  regionByName(name: string): Region {
    const i = this.regionNames.indexOf(name);
    if (i < 0) {
      const known = this.regionNames.length ? this.regionNames.join(", ") : "none (use an index)";
      throw new InvalidArgumentError(`${this.name} has no region named '${name}'`, `known region names: ${known}`);
    }
    return this.region(i);
  }

  /**
   * Interrupt index `index` (VFIO_DEVICE_GET_IRQ_INFO, cached).
   * @throws InvalidArgumentError for a missing index, UnsupportedError when the kernel will not describe it (EINVAL: vfio-pci's
   *   ERR on a function that is not PCI Express)
   */
  irq(index: number): Irq {
    const cached = this.irqCache.get(index);
    if (cached) return cached;
    const n = this.info().numIrqs;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new NoSuchIndexError(`${this.name} has no interrupt ${index} (it has ${n})`, { kind: "interrupt", device: this.name, index, count: n });
    }
    const arg = vfio_irq_info.encode({ argsz: vfio_irq_info.size, index });
    const name = this.info().api === "vfio-pci" ? VFIO_PCI_IRQ_NAMES[index] : undefined;
    try {
      vfioIoctl(this.b, this.fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO, arg, `VFIO_DEVICE_GET_IRQ_INFO ${index}`, this.name);
    } catch (e) {
      if (e instanceof VfioError && e.code === "EINVAL") throw irqUnavailable(this.name, index, name, "refused");
      throw e;
    }
    const v = vfio_irq_info.decode(arg);
    const irq = new Irq(this.b, this.fd, this.name, { index, flags: v.flags, count: v.count }, name);
    this.irqCache.set(index, irq);
    return irq;
  }

  /** Every interrupt index, in order. */
  irqs(): Irq[] {
    return Array.from({ length: this.info().numIrqs }, (_, i) => this.irq(i));
  }

  /**
   * VFIO_DEVICE_RESET.
   * @throws UnsupportedError when the device has no reset function (the kernel would answer EINVAL)
   */
  reset(): void {
    if (!this.info().hasReset) {
      throw new UnsupportedError(
        `${this.name} has no reset function (VFIO_DEVICE_FLAGS_RESET not set)`,
        this.info().api === "vfio-pci"
          ? "the function offers no FLR, PM or bus reset; reset it through its own registers"
          : "vfio-platform resets only devices with a reset module; reset the device through its own registers",
      );
    }
    vfioIoctl(this.b, this.fd, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0, "VFIO_DEVICE_RESET", this.name);
  }

  /** `using device = ...`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Disable enabled interrupts, unmap regions, close the fd. Idempotent; cleanup errors do not hide the close. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const irq of this.irqCache.values()) {
      try {
        irq.closeVirqfds();
        irq.disable();
      } catch {
        // The fd is about to be closed, which frees the IRQ in the kernel anyway.
      }
    }
    for (const r of this.regionCache.values()) r.unmap();
    closeOwnedFd(this.b, this.fd);
  }
}
