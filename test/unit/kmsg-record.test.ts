// `vfio-plat log` reads /dev/kmsg records: "prio,seq,usec,flags;message" plus dictionary lines. The level is the
// priority's low bits, \xHH escapes are undone, DEVICE= is picked out, and --smmu keeps the Arm SMMU drivers' lines.
import { expect, test } from "bun:test";
import { Glob } from "bun";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { recordJson } from "../../src/cli/output/kernel-log-output.ts";
import { isSmmuRecord, parseKmsgRecord } from "../../src/host/kernel-log.ts";

/** A record as `log --json` (and `log --follow --json`) shows it. */
const shown = (raw: string) => {
  const r = parseKmsgRecord(raw);
  return r && recordJson(r);
};

test("a record with escapes and a dictionary", () => {
  const r = shown("6,42,1234567,-;arm-smmu-v3 9050000.smmuv3: \\x090x0000001000000010\n SUBSYSTEM=platform\n DEVICE=+platform:9050000.smmuv3");
  expect(r).toEqual({ seq: 42, level: 6, usec: 1234567, message: "arm-smmu-v3 9050000.smmuv3: \t0x0000001000000010", device: "+platform:9050000.smmuv3" });
  expect(isSmmuRecord(r!)).toBe(true);
});

test("facility bits are not the level; a record without a dictionary has no device; garbage is no record", () => {
  expect(shown("30,7,100,c;systemd[1]: hello")).toEqual({ seq: 7, level: 6, usec: 100, message: "systemd[1]: hello", device: null });
  expect(shown("not a record")).toBeUndefined();
});

test("--smmu keeps arm-smmu and arm-smmu-v3 lines only", () => {
  const rec = (message: string) => ({ message });
  expect(isSmmuRecord(rec("arm-smmu 2b400000.iommu: Unhandled context fault: fsr=0x402"))).toBe(true);
  expect(isSmmuRecord(rec("vfio-pci 0000:00:02.0: enabling device (0000 -> 0002)"))).toBe(false);
  expect(isSmmuRecord(rec("arm-smmu-v3-foo: x"))).toBe(false);
});

test("one home each: which records are the SMMU drivers', how a record is parsed and shown (log and log --follow)", () => {
  const src = join(import.meta.dir, "../../src");
  const homes = (text: string) => [...new Glob("**/*.ts").scanSync(src)].filter((f) => readFileSync(join(src, f), "utf8").includes(text)).sort();
  expect(homes("/^arm-smmu(-v3)? /")).toEqual(["host/kernel-log.ts"]);
  expect(homes("export function parseKmsgRecord(")).toEqual(["host/kernel-log.ts"]);
  expect(homes("export function kernelStamp(")).toEqual(["cli/output/kernel-log-output.ts"]);
  expect(homes("fault: ${")).toEqual(["cli/output/kernel-log-output.ts"]);
});
