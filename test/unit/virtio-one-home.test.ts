// Policy: the virtio-mmio register offsets, status bits and magic, and the 512-byte virtio-blk sector are defined once,
// in src/spec, and the driver, blk-test, the simulated transport and the built-in register maps import them from
// there. A second definition anywhere else under src/ (a copied table, a local constant, a map register placed by a
// literal offset) fails this test, naming the file.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

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
const DEFINITIONS: [string, RegExp, boolean?][] = [
  ["the MagicValue number", /0x74726976\b/],
  ["the QEMU VendorID number", /0x554d4551\b/],
  ["a register map (MAGIC_VALUE: 0x...)", /\bMAGIC_VALUE\s*:\s*0x/],
  ["a transport offset table (QUEUE_NOTIFY: 0x...)", /\b(?:QUEUE_NOTIFY|QUEUE_DESC_LOW|QUEUE_PFN|INTERRUPT_ACK|SHM_SEL|QUEUE_RESET|CONFIG_GENERATION)\s*:\s*0x/],
  ["a transport register placed by number (\"QueueNotify\", 0x...)", new RegExp(`(?<!(?:field|bit)\\()"(?:${MMIO_NAMES.join("|")})"\\s*,\\s*(?:0x[0-9a-fA-F]+|\\d+)\\b`), false],
  ["the status bits (DEVICE_NEEDS_RESET: ...)", /\bDEVICE_NEEDS_RESET\s*:\s*\d/],
  ["a 512-byte sector constant", /\bSECTOR\w*\s*=\s*512\b/],
];

function secondHomes(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    if (file.startsWith("src/spec/")) continue;
    for (const [what, re] of DEFINITIONS) if (re.test(source)) out.push(`${file}: defines ${what}`);
  }
  return out;
}

describe("virtio facts have one home (src/spec)", () => {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })) {
    if (entry.endsWith(".ts")) files.set(join("src", entry), readFileSync(join(ROOT, "src", entry), "utf8"));
  }
  test("no file outside src/spec defines them", () => {
    expect(secondHomes(files)).toEqual([]);
  });
  test("src/spec does define each, so the scan looks for the right shapes", () => {
    const spec = [...files].filter(([f]) => f.startsWith("src/spec/")).map(([, s]) => s).join("\n");
    for (const [what, re, specShape] of DEFINITIONS) if (specShape !== false) expect({ what, found: re.test(spec) }).toEqual({ what, found: true });
  });
  test("a register map placing a transport register by number is named (the built-in maps take MMIO's offsets)", () => {
    const bad = new Map([["src/registers/builtin/x.ts", 'reg("QueueNotify", 0x050, "WO"),\nmmio("QueueSel", "QUEUE_SEL", "WO", { fields: [bit("QueueReady", 0)] })']]);
    expect(secondHomes(bad)).toEqual(['src/registers/builtin/x.ts: defines a transport register placed by number ("QueueNotify", 0x...)']);
  });
  test("a copy elsewhere is named", () => {
    const bad = new Map([["src/sim/devices/x.ts", "const MMIO = { MAGIC_VALUE: 0x000 };\nexport const SECTOR = 512;"]]);
    expect(secondHomes(bad)).toEqual(["src/sim/devices/x.ts: defines a register map (MAGIC_VALUE: 0x...)", "src/sim/devices/x.ts: defines a 512-byte sector constant"]);
  });
});
