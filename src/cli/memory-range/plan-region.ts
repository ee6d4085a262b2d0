// Where a range goes, for a dry run that must not open the device: opening a vfio-platform device resets it on the
// real kernel (vfio_platform_open_device calls the reset), so a dry run takes the region's index from the address
// (a reg-names name through sysfs) and its size from what the kernel shows without an open (the device tree's `reg`,
// a PCI function's `resource`: src/host/physical-regions.ts). A range that is open already uses its Region.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { HostDevice } from "../../host/discovery.ts";
import { physicalRegions } from "../../host/physical-regions.ts";
import { InvalidArgumentError } from "../../vfio/errors.ts";
import { regionLabel, type Region } from "../../vfio/region.ts";
import type { Access } from "../parse/access.ts";

/** The facts a range needs of its region: index, label, size (undefined: not known without opening the device). */
export interface RangeRegion {
  device: string;
  index: number;
  label: string;
  size: bigint | undefined;
}

/** An open region's facts. */
export function openRegionFacts(region: Region): RangeRegion {
  return { device: region.device, index: region.index, label: regionLabel(region.index, region.name), size: BigInt(region.size) };
}

/**
 * The region `access` names on `dev`, without opening it: index 0 when none is written, a name looked up in the
 * device tree's reg-names; its size from the DT `reg` or PCI `resource`, undefined when neither has it.
 * @throws InvalidArgumentError for an unknown region name (as an open device's regionByName), SyscallError/
 *   PhysicalUnsupportedError from reading the windows
 */
export function plannedRegionFacts(b: KernelBoundary, dev: HostDevice, access: Access): RangeRegion {
  const ref = access.region;
  let index = 0;
  if (ref !== undefined && "index" in ref) index = ref.index;
  else if (ref !== undefined) {
    index = dev.regNames.indexOf(ref.name);
    if (index < 0) {
      const known = dev.regNames.length ? dev.regNames.join(", ") : "none (use an index)";
      throw new InvalidArgumentError(`${dev.name} has no region named '${ref.name}'`, `known region names: ${known}`);
    }
  }
  const name = dev.regNames[index];
  const window = physicalRegions(b, dev).find((r) => r.index === index);
  return { device: dev.name, index, label: regionLabel(index, name), size: window?.size };
}
