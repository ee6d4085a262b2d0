// What a PL330's own configuration registers say, for `info`: its revision, channels, events, peripheral requests,
// bus width, MFIFO depth and the security it starts with (CR0's manager bit and DSR.DNS, CR3's INS and CR4's PNS
// bits). All of them are read-only identification and status registers, so reading them never disturbs a DMAC.
import type { Device } from "../vfio/device.ts";
import { CR0, CR1, CR3, CR4, CRD, DSR, PERIPH_ID, decodeConfig, revisionName } from "../drivers/pl330/registers.ts";

/** The PL330 facts `info` shows (JSON field names as printed by --json). */
export interface Pl330Summary {
  revision: string;
  channels: number;
  events: number;
  peripherals: number;
  busWidthBits: number;
  mfifoLines: number;
  /** CR0[2]: the manager thread is Non-secure after reset. */
  managerNonSecureAtReset: boolean;
  /** DSR[9] (DNS): the manager thread is Non-secure now. */
  managerNonSecure: boolean;
  /** CR3 (INS bits): event/interrupt N is Non-secure. */
  eventsNonSecure: string;
  /** CR4 (PNS bits): peripheral request interface N is Non-secure. */
  peripheralsNonSecure: string;
}

const hex32 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** The summary of a device whose compatible names arm,pl330 and whose region 0 holds the register file, else undefined. */
export function pl330Summary(compatible: readonly string[], device: Device): Pl330Summary | undefined {
  if (!compatible.includes("arm,pl330") || device.info().numRegions < 1) return undefined;
  const region = device.region(0);
  try {
    if (region.size < 0x1000 || !region.readable) return undefined;
    const cr0 = region.read32(CR0);
    const cfg = decodeConfig(cr0, region.read32(CR1), region.read32(CRD));
    return {
      revision: revisionName((region.read32(PERIPH_ID(2)) >>> 4) & 0xf),
      channels: cfg.numChannels,
      events: cfg.numEvents,
      peripherals: cfg.numPeripherals,
      busWidthBits: cfg.busWidthBits,
      mfifoLines: cfg.dataBufDep,
      managerNonSecureAtReset: cfg.managerNs,
      managerNonSecure: (region.read32(DSR) & (1 << 9)) !== 0,
      eventsNonSecure: hex32(region.read32(CR3)),
      peripheralsNonSecure: hex32(region.read32(CR4)),
    };
  } finally {
    region.unmap();
  }
}

/** The summary as `info` prints it: two indented lines. */
export function pl330SummaryLines(s: Pl330Summary): string[] {
  const security = (ns: boolean) => (ns ? "Non-secure" : "Secure");
  return [
    `  PL330 ${s.revision}: ${s.channels} channel(s), ${s.events} event(s), ${s.peripherals} peripheral request(s), ${s.busWidthBits}-bit bus, MFIFO ${s.mfifoLines} lines`,
    `  manager ${security(s.managerNonSecure)} (DSR.DNS; ${security(s.managerNonSecureAtReset)} at reset, CR0), INS ${s.eventsNonSecure} (CR3), PNS ${s.peripheralsNonSecure} (CR4)`,
  ];
}
