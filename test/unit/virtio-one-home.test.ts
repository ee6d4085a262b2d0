// Policy: the virtio-mmio register offsets, status bits and magic, and virtio-blk's facts (the 512-byte sector, request
// types, status bytes, feature bits, config layout) are defined once,
// in src/spec, and the driver, blk-test, the simulated transport and the built-in register maps import them from
// there. A second definition anywhere else under src/ (a copied table, a local constant, a map register placed by a
// literal offset) fails this test, naming the file.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as BLK from "../../src/spec/virtio-blk.ts";
import { type OneHome, secondHomes, tsSources } from "../helpers/sources.ts";

/** The transport's registers as the spec (and the built-in register maps) name them. */
const MMIO_NAMES = [
  "MagicValue", "Version", "DeviceID", "VendorID", "HostFeatures", "HostFeaturesSel", "DeviceFeatures", "DeviceFeaturesSel",
  "GuestFeatures", "GuestFeaturesSel", "DriverFeatures", "DriverFeaturesSel", "GuestPageSize", "QueueSel", "QueueNumMax",
  "QueueNum", "QueueAlign", "QueuePFN", "QueueReady", "QueueNotify", "InterruptStatus", "InterruptACK", "Status",
  "QueueDescLow", "QueueDescHigh", "QueueDriverLow", "QueueDriverHigh", "QueueDeviceLow", "QueueDeviceHigh", "SHMSel",
  "SHMLenLow", "SHMLenHigh", "SHMBaseLow", "SHMBaseHigh", "QueueReset", "ConfigGeneration",
];

/**
 * What a second home would look like: a definition, not a use. `specShape` false: a shape src/spec never has (it
 * defines the offsets as a table), looked for only elsewhere.
 */
const inSpec = (file: string) => file.startsWith("src/spec/");
const DEFINITIONS: (OneHome & { specShape?: false })[] = [
  { what: "the MagicValue number", re: /0x74726976\b/, home: inSpec },
  { what: "the QEMU VendorID number", re: /0x554d4551\b/, home: inSpec },
  { what: "a register map (MAGIC_VALUE: 0x...)", re: /\bMAGIC_VALUE\s*:\s*0x/, home: inSpec },
  { what: "a transport offset table (QUEUE_NOTIFY: 0x...)", re: /\b(?:QUEUE_NOTIFY|QUEUE_DESC_LOW|QUEUE_PFN|INTERRUPT_ACK|SHM_SEL|QUEUE_RESET|CONFIG_GENERATION)\s*:\s*0x/, home: inSpec },
  { what: "a transport register placed by number (\"QueueNotify\", 0x...)", re: new RegExp(`(?<!(?:field|bit)\\()"(?:${MMIO_NAMES.join("|")})"\\s*,\\s*(?:0x[0-9a-fA-F]+|\\d+)\\b`), home: inSpec, specShape: false },
  { what: "the status bits (DEVICE_NEEDS_RESET: ...)", re: /\bDEVICE_NEEDS_RESET\s*:\s*\d/, home: inSpec },
  { what: "a 512-byte sector constant", re: /\bSECTOR\w*\s*=\s*512\b/, home: inSpec },
  { what: "the virtio-blk request types (GET_ID: ...)", re: /\bGET_ID\s*:\s*\d/, home: inSpec },
  { what: "the virtio-blk status bytes (UNSUPP: ...)", re: /\bUNSUPP\s*:\s*\d/, home: inSpec },
  { what: "the virtio-blk feature bits (CONFIG_WCE: ...)", re: /\bCONFIG_WCE\s*:\s*\d/, home: inSpec },
  { what: "the virtio-blk config layout (BLK_SIZE: 0x...)", re: /\bBLK_SIZE\s*:\s*0x/, home: inSpec },
  { what: "a virtio-blk config field placed by number (\"blk_size\", 0x...)", re: /"(?:capacity|seg_max|blk_size|writeback|num_queues)"\s*,\s*0x/, home: inSpec, specShape: false },
];

describe("virtio facts have one home (src/spec)", () => {
  const files = tsSources("src");
  test("no file outside src/spec defines them", () => {
    expect(secondHomes(files, DEFINITIONS)).toEqual([]);
  });
  test("src/spec does define each, so the scan looks for the right shapes", () => {
    const spec = [...files].filter(([f]) => inSpec(f)).map(([, s]) => s).join("\n");
    for (const { what, re, specShape } of DEFINITIONS) if (specShape !== false) expect({ what, found: re.test(spec) }).toEqual({ what, found: true });
  });
  test("a register map placing a transport register by number is named (the built-in maps take MMIO's offsets)", () => {
    const bad = new Map([["src/registers/builtin/x.ts", 'reg("QueueNotify", 0x050, "WO"),\nmmio("QueueSel", "QUEUE_SEL", "WO", { fields: [bit("QueueReady", 0)] })']]);
    expect(secondHomes(bad, DEFINITIONS)).toEqual(['src/registers/builtin/x.ts: defines a transport register placed by number ("QueueNotify", 0x...)']);
  });
  test("a copy of virtio-blk's request types or status bytes (as the driver and the simulator each had) is named", () => {
    const bad = new Map([["src/sim/devices/virtio/x.ts", "export const BLK_T = { IN: 0, OUT: 1, GET_ID: 8 };\nexport const BLK_S = { OK: 0, IOERR: 1, UNSUPP: 2 };"]]);
    expect(secondHomes(bad, DEFINITIONS)).toEqual([
      "src/sim/devices/virtio/x.ts: defines the virtio-blk request types (GET_ID: ...)",
      "src/sim/devices/virtio/x.ts: defines the virtio-blk status bytes (UNSUPP: ...)",
    ]);
  });
  test("a copy elsewhere is named", () => {
    const bad = new Map([["src/sim/devices/x.ts", "const MMIO = { MAGIC_VALUE: 0x000 };\nexport const SECTOR = 512;"]]);
    expect(secondHomes(bad, DEFINITIONS)).toEqual(["src/sim/devices/x.ts: defines a register map (MAGIC_VALUE: 0x...)", "src/sim/devices/x.ts: defines a 512-byte sector constant"]);
  });
});

const HEADER = "/usr/include/linux/virtio_blk.h";
describe.skipIf(!existsSync(HEADER))(`src/spec/virtio-blk.ts agrees with the kernel's uapi header${existsSync(HEADER) ? "" : " (skipped: no /usr/include/linux/virtio_blk.h)"}`, () => {
  /** Every `#define VIRTIO_BLK_<kind>_<NAME> <number>` of the header, by NAME. */
  const defines = (kind: string): Record<string, number> => {
    const text = readFileSync(HEADER, "utf8");
    const out: Record<string, number> = {};
    for (const m of text.matchAll(new RegExp(`#define\\s+VIRTIO_BLK_${kind}_(\\w+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b`, "g"))) out[m[1]!] = Number(m[2]);
    return out;
  };
  const agree = (ours: Record<string, number>, theirs: Record<string, number>) => {
    expect(Object.keys(ours).length).toBeGreaterThan(2);
    for (const [k, v] of Object.entries(ours)) expect([k, theirs[k]]).toEqual([k, v]);
  };
  test("request types, the barrier flag, status bytes and feature bits", () => {
    agree({ ...BLK.BLK_T, BARRIER: BLK.BLK_T_BARRIER }, defines("T"));
    agree(BLK.BLK_S, defines("S"));
    agree(BLK.BLK_F, defines("F"));
  });
});
