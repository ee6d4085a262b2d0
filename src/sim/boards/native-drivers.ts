// Which native Linux driver matches a device, from its compatibles and its bus: the one table both the device-tree
// builder (the driver a node boots with) and board files (a `driver` the device's compatibles must allow) use. Only
// the drivers the simulator models are here; the SMMU drivers come from the SMMU profile table (dt-iommu.ts).
import type { DeviceSpec } from "./board-spec.ts";
import { SMMU_PROFILES, type SmmuProfileName } from "../iommu/smmu-profile.ts";
import { smmuDriverOf, smmuProfileOf } from "./device-tree/dt-iommu.ts";

/** Compatible -> the driver whose match table holds it, and the bus that driver registers on. */
const BY_COMPATIBLE: Record<string, { driver: string; bus: DeviceSpec["bus"] }> = {
  // AMBA drivers: Linux creates an AMBA device only for an `arm,primecell` node, so these never see a platform device.
  "arm,pl330": { driver: "dma-pl330", bus: "amba" },
  "arm,pl031": { driver: "rtc-pl031", bus: "amba" },
  "arm,pl011": { driver: "uart-pl011", bus: "amba" },
  "virtio,mmio": { driver: "virtio-mmio", bus: "platform" },
};

/** The SMMU drivers (platform drivers), by one of an SMMU's compatibles. */
function smmuDriverFor(compatible: string): string | undefined {
  const profile = smmuProfileOf([compatible]);
  return profile ? smmuDriverOf(profile) : undefined;
}

/**
 * The native driver the simulated kernel binds to a device with `compatible` on `bus`: the first compatible (most
 * specific first, as in the DT) that one of the modelled drivers matches on that bus; undefined when none does.
 */
export function nativeDriverOf(compatible: readonly string[], bus: DeviceSpec["bus"]): string | undefined {
  for (const c of compatible) {
    const entry = BY_COMPATIBLE[c];
    if (entry && entry.bus === bus) return entry.driver;
    const smmu = bus === "platform" ? smmuDriverFor(c) : undefined;
    if (smmu) return smmu;
  }
  return undefined;
}

/** Whether `driver` is one of the modelled drivers of this table (whose match tables are known here). */
export function isModelledDriver(driver: string): boolean {
  if (Object.values(BY_COMPATIBLE).some((e) => e.driver === driver)) return true;
  return (Object.keys(SMMU_PROFILES) as SmmuProfileName[]).some((p) => smmuDriverOf(p) === driver);
}
