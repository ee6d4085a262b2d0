// From a parsed address (`[REGION:]OFFSET.w`) to the region object and a checked offset: regions may be named by index
// or by their device-tree reg-names entry.
import type { Device } from "../vfio/device.ts";
import type { Region } from "../vfio/region.ts";
import type { Access } from "./parse/access.ts";

/** The region an access names (region 0 when none was written). */
export function regionOf(device: Device, access: Access): Region {
  const ref = access.region;
  if (ref === undefined) return device.region(0);
  return "index" in ref ? device.region(ref.index) : device.regionByName(ref.name);
}
