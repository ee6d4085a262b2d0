// Proves the ioctl request numbers (src/vfio/abi/ioctls.ts) and the flag/extension constants (constants.ts) against
// <linux/vfio.h> as compiled by the system `cc` (test/fixtures/abi/probe.c; iommufd and other not-yet-installed values
// are hand-declared there and labelled so). FLAG_NAMES is checked against the constants without a compiler.
import { beforeAll, describe, expect, test } from "bun:test";
import * as constants from "../../src/vfio/abi/constants.ts";
import { FLAG_NAMES } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS, GROUP_IOCTLS, IOMMUFD_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { canProbe, runProbe, type ProbeNumber, type ProbeResult } from "./probe.ts";

const IOCTL_TABLES = { CONTAINER_IOCTLS, GROUP_IOCTLS, DEVICE_IOCTLS, IOMMUFD_IOCTLS } as const;

/** Every numeric export of constants.ts (functions and the FLAG_NAMES table excluded). */
const NUMERIC_CONSTANTS = Object.entries(constants as Record<string, unknown>).filter(
  (e): e is [string, number | bigint] => typeof e[1] === "number" || typeof e[1] === "bigint",
);

/** The C prefix of each FLAG_NAMES kind: FLAG_NAMES[kind][bit] must name `${prefix}${name}` = 1 << bit. */
const FLAG_PREFIX: Record<keyof typeof FLAG_NAMES, string> = {
  device: "VFIO_DEVICE_FLAGS_",
  region: "VFIO_REGION_INFO_FLAG_",
  irq: "VFIO_IRQ_INFO_",
  irqSet: "VFIO_IRQ_SET_",
  group: "VFIO_GROUP_FLAGS_",
  iommuInfo: "VFIO_IOMMU_INFO_",
  dmaMap: "VFIO_DMA_MAP_FLAG_",
  ioasMap: "IOMMU_IOAS_MAP_",
};

const hex = (v: number | bigint) => `0x${v.toString(16)}`;

/** "NAME: 0x.. in C (source), 0x.. in TS" for every entry of `ts` that differs from (or is absent in) `c`. */
function numberMismatches(ts: Record<string, number | bigint>, c: Record<string, ProbeNumber>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(ts)) {
    const got = c[name];
    if (!got) out.push(`${name}: not checked by test/fixtures/abi/probe.c (add it there), ${hex(value)} in TS`);
    else if (got.value !== BigInt(value)) out.push(`${name}: ${hex(got.value)} in C (${got.source}), ${hex(value)} in TS`);
  }
  return out;
}

describe.skipIf(!canProbe)("ioctl numbers and constants vs <linux/vfio.h> — needs a C compiler (apt-get install gcc)", () => {
  let probe: ProbeResult;
  beforeAll(() => {
    probe = runProbe();
  });

  for (const [table, entries] of Object.entries(IOCTL_TABLES)) {
    test(`${table} match the header's _IO() values`, () => {
      expect(numberMismatches(entries, probe.ioctls)).toEqual([]);
    });
  }

  test("ioctls the 6.1 header defines come from the header, not from probe.c's hand-declared copies", () => {
    for (const name of [...Object.keys(CONTAINER_IOCTLS), ...Object.keys(GROUP_IOCTLS)]) {
      expect(`${name}: ${probe.ioctls[name]?.source}`).toBe(`${name}: header`);
    }
  });

  test("every numeric constant of constants.ts matches the header (or probe.c's labelled hand-declared value)", () => {
    expect(NUMERIC_CONSTANTS.length).toBeGreaterThan(50);
    expect(numberMismatches(Object.fromEntries(NUMERIC_CONSTANTS), probe.constants)).toEqual([]);
  });
});

describe("FLAG_NAMES follow the flag constants bit by bit", () => {
  const all: Record<string, number | bigint> = Object.fromEntries(NUMERIC_CONSTANTS);
  for (const [kind, names] of Object.entries(FLAG_NAMES) as [keyof typeof FLAG_NAMES, readonly string[]][]) {
    const prefix = FLAG_PREFIX[kind];
    test(`${kind}: names[bit] is ${prefix}<name> = 1 << bit, and every single-bit ${prefix}* is named`, () => {
      const wrong: string[] = [];
      names.forEach((name, bit) => {
        const v = all[prefix + name];
        if (v !== 2 ** bit) wrong.push(`${kind}[${bit}] = ${name}: ${prefix}${name} is ${v === undefined ? "undefined" : hex(v)}`);
      });
      for (const [cname, v] of Object.entries(all)) {
        if (!cname.startsWith(prefix) || typeof v !== "number" || v <= 0 || (v & (v - 1)) !== 0) continue;
        const bit = Math.log2(v);
        if (names[bit] !== cname.slice(prefix.length)) wrong.push(`${cname} (bit ${bit}) is "${names[bit]}" in FLAG_NAMES`);
      }
      expect(wrong).toEqual([]);
    });
  }
});
