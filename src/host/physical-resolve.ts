// From a physical address (what devmem and memtool users type) to the VFIO device, region and offset that reach it:
// the windows come from physical-regions.ts; the access must lie wholly inside one region of a VFIO-bound device.
// A device's reg is read only when needed, and a layout that cannot be read is refused only if it could matter.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import type { HostDevice } from "./discovery.ts";
import { PhysicalAddressError, PhysicalNotFoundError, PhysicalUnsupportedError } from "./physical-errors.ts";
import { physicalRegions, type PhysicalRegion } from "./physical-regions.ts";

/** Where a physical address lands. */
export interface PhysicalHit {
  device: HostDevice;
  region: PhysicalRegion;
  /** Offset of the address inside the region. */
  offset: bigint;
  /** The address as asked. */
  address: bigint;
}

/** The region of `regions` that contains `address`. */
function regionAt(regions: readonly PhysicalRegion[], address: bigint): PhysicalRegion | undefined {
  return regions.find((r) => address >= r.base && address < r.base + r.size);
}

/**
 * Resolve an access of `bytes` at physical `address` to a device region. With `device`, only that device is
 * considered; without, every device of `devices` whose regions contain the address, and a VFIO-bound one wins over
 * unbound ones.
 * @throws PhysicalNotFoundError (no device covers it, or the one that does is not bound to VFIO),
 *   PhysicalAddressError (not in `device`, the access runs past the region's end, several bound devices claim it),
 *   PhysicalUnsupportedError (the layout of `device`, or of the only candidate, cannot be read safely), SyscallError
 */
export function resolvePhysical(
  b: KernelBoundary,
  devices: readonly HostDevice[],
  address: bigint,
  bytes: number,
  device?: HostDevice,
): PhysicalHit {
  let chosen: { dev: HostDevice; region: PhysicalRegion } | undefined;
  if (device !== undefined) {
    const regions = physicalRegions(b, device);
    const region = regionAt(regions, address);
    if (region === undefined) throw new PhysicalAddressError({ reason: "not-in-device", address, device: device.name, windows: regions });
    chosen = { dev: device, region };
  } else {
    const covering: { dev: HostDevice; region: PhysicalRegion }[] = [];
    let unreadable: PhysicalUnsupportedError | undefined;
    for (const dev of devices) {
      try {
        const region = regionAt(physicalRegions(b, dev), address);
        if (region) covering.push({ dev, region });
      } catch (e) {
        if (!(e instanceof PhysicalUnsupportedError)) throw e;
        unreadable ??= e;
      }
    }
    const bound = covering.filter((c) => c.dev.vfioBound);
    if (bound.length > 1) throw new PhysicalAddressError({ reason: "ambiguous", address, devices: bound.map((c) => c.dev.name) });
    chosen = bound[0];
    if (chosen === undefined) {
      const unbound = covering[0];
      if (unbound) {
        const d = unbound.dev;
        throw new PhysicalNotFoundError({ reason: "not-bound", address, device: d.name, ...(d.driver !== undefined ? { driver: d.driver } : {}) });
      }
      // A device we could not read might be the one: say so rather than "nothing there".
      if (unreadable) throw unreadable;
      throw new PhysicalNotFoundError({ reason: "uncovered", address });
    }
  }
  const { dev, region } = chosen;
  if (device !== undefined && !dev.vfioBound) {
    throw new PhysicalNotFoundError({ reason: "not-bound", address, device: dev.name, ...(dev.driver !== undefined ? { driver: dev.driver } : {}) });
  }
  if (address + BigInt(bytes) > region.base + region.size) {
    throw new PhysicalAddressError({ reason: "straddles", address, bytes, device: dev.name, window: region });
  }
  return { device: dev, region, offset: address - region.base, address };
}
