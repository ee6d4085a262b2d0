// The built-in register maps, one per device the simulator models, and how a device finds its own: by device-tree
// compatible (most specific first, as a DT lists them) or, for a PCI function, by vendor and device ID with the
// type-0 configuration header added at region 7 (vfio-pci's config region).
import type { RegisterMap } from "../register-map.ts";
import { PL031_MAP } from "./pl031.ts";
import { PL330_MAP } from "./pl330.ts";

/** The maps a device can get by compatible, in the order builtinMapFor tries them. */
const BY_COMPATIBLE: readonly RegisterMap[] = [PL330_MAP, PL031_MAP];

/** Every built-in map by its name. */
export const BUILTIN_MAPS: Readonly<Record<string, RegisterMap>> = Object.fromEntries([PL031_MAP, PL330_MAP].map((m) => [m.name, m]));

/**
 * The built-in map of a device with these device-tree compatibles: the first compatible (most specific first) that a
 * map lists wins; "arm,primecell" alone names no map. Undefined when no built-in map applies.
 */
export function builtinMapFor(compatibles: readonly string[]): RegisterMap | undefined {
  for (const c of compatibles) {
    const map = BY_COMPATIBLE.find((m) => m.compatible?.includes(c));
    if (map) return map;
  }
  return undefined;
}
