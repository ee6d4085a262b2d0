// A stand-in for the built-in maps (src/registers/builtin, being written in parallel): the PL031 alone, so the
// map-choosing code and its tests work before the real maps land. Deleted when they do.
import type { RegisterMap } from "./register-map.ts";

const PL031: RegisterMap = {
  name: "pl031",
  compatible: ["arm,pl031"],
  registers: [
    { name: "RTCDR", region: 0, offset: 0x0, width: 32, access: "RO" },
    { name: "RTCMR", region: 0, offset: 0x4, width: 32, access: "RW", reset: 0n },
    { name: "RTCLR", region: 0, offset: 0x8, width: 32, access: "RW", reset: 0n },
    { name: "RTCCR", region: 0, offset: 0xc, width: 32, access: "RW", fields: [{ name: "RTC_START", lsb: 0, width: 1 }] },
    { name: "RTCIMSC", region: 0, offset: 0x10, width: 32, access: "RW", reset: 0n, fields: [{ name: "RTCIMSC", lsb: 0, width: 1 }] },
    { name: "RTCRIS", region: 0, offset: 0x14, width: 32, access: "RO", reset: 0n, fields: [{ name: "RTCRIS", lsb: 0, width: 1 }] },
    { name: "RTCMIS", region: 0, offset: 0x18, width: 32, access: "RO", reset: 0n, fields: [{ name: "RTCMIS", lsb: 0, width: 1 }] },
    { name: "RTCICR", region: 0, offset: 0x1c, width: 32, access: "WO", fields: [{ name: "RTCICR", lsb: 0, width: 1 }] },
  ],
};

export const BUILTIN_MAPS: Readonly<Record<string, RegisterMap>> = { pl031: PL031 };

export function builtinMapFor(compatibles: readonly string[]): RegisterMap | undefined {
  for (const c of compatibles) for (const m of Object.values(BUILTIN_MAPS)) if (m.compatible?.includes(c)) return m;
  return undefined;
}

export function builtinMapForPci(_vendor: number, _device: number): RegisterMap | undefined {
  return undefined;
}
