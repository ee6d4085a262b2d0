// One home per concept: the built-in maps place each register where the simulated models (and, for the PL330, the
// user-space driver) decode it, and the virtio-mmio maps agree with the kernel's uapi header. A map register moved to
// a free offset reads 0 like a reset value would; these comparisons catch that.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import * as DRV from "../../src/drivers/pl330/registers.ts";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import type { RegisterMap } from "../../src/registers/register-map.ts";
import { EDU_REG } from "../../src/sim/devices/edu.ts";
import { PL011_REG } from "../../src/sim/devices/pl011.ts";
import { PL031_REG } from "../../src/sim/devices/pl031.ts";
import { CCR_RESET, CSR_BITS, FAULT, PL330_REG, STATE, ccrDestination, ccrSource, ccrSwapBytes } from "../../src/sim/devices/pl330/registers.ts";
import { MMIO } from "../../src/spec/virtio-mmio.ts";
import { PCI } from "../../src/sim/pci/config-space.ts";

/** Register name -> offset of a map (in one region). */
function offsets(map: RegisterMap, region = 0): Record<string, number> {
  return Object.fromEntries(map.registers.filter((r) => r.region === region).map((r) => [r.name, r.offset]));
}

/** The model's table, its names turned into the map's: name -> offset. */
function renamed(table: Record<string, unknown>, rename: (k: string) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table)) if (typeof v === "number") out[rename(k)] = v;
  return out;
}

describe("map offsets agree with the models' own tables", () => {
  test("pl031: every register the model decodes (RTC prefix added), at the model's offset", () => {
    const map = offsets(BUILTIN_MAPS["pl031"]!);
    expect(Object.keys(PL031_REG).length).toBe(8);
    for (const [name, offset] of Object.entries(renamed(PL031_REG, (k) => `RTC${k}`))) expect([name, map[name]]).toEqual([name, offset]);
  });

  test("pl011: every register the model decodes (UART prefix added), at the model's offset", () => {
    const map = offsets(BUILTIN_MAPS["pl011"]!);
    expect(Object.keys(PL011_REG).length).toBe(14);
    for (const [name, offset] of Object.entries(renamed(PL011_REG, (k) => `UART${k}`))) expect([name, map[name]]).toEqual([name, offset]);
  });

  test("pl330: the model's and the driver's offsets, global and per channel 0..7 (LC0_n, LC1_n)", () => {
    const map = offsets(BUILTIN_MAPS["pl330"]!);
    const perChannel = { FTR: "FTR", CSR: "CSR", CPC: "CPC", SAR: "SAR", DAR: "DAR", CCR: "CCR", LC0: "LC0_", LC1: "LC1_" } as const;
    let checked = 0;
    for (const [key, value] of Object.entries(PL330_REG)) {
      if (typeof value === "number") {
        expect([key, map[key]]).toEqual([key, value]);
        expect([key, (DRV as Record<string, unknown>)[key]]).toEqual([key, value]);
        checked++;
        continue;
      }
      const prefix = perChannel[key as keyof typeof perChannel];
      for (let n = 0; n < 8; n++) {
        expect([`${prefix}${n}`, map[`${prefix}${n}`]]).toEqual([`${prefix}${n}`, value(n)]);
        checked++;
      }
    }
    expect(checked).toBe(20 + 8 * 8);
    for (let i = 0; i < 4; i++) {
      expect(map[`periph_id_${i}`]).toBe(DRV.PERIPH_ID(i));
      expect(map[`pcell_id_${i}`]).toBe(DRV.PCELL_ID(i));
    }
  });

  test("virtio-mmio: the registers the empty transport answers", () => {
    const VIRTIO_MMIO_REG = { MAGIC_VALUE: MMIO.MAGIC_VALUE, VERSION: MMIO.VERSION, DEVICE_ID: MMIO.DEVICE_ID, VENDOR_ID: MMIO.VENDOR_ID };
    const names: Record<string, string> = { MAGIC_VALUE: "MagicValue", VERSION: "Version", DEVICE_ID: "DeviceID", VENDOR_ID: "VendorID" };
    for (const key of ["virtio-mmio-v1", "virtio-mmio-v2"]) {
      const map = offsets(BUILTIN_MAPS[key]!);
      for (const [name, offset] of Object.entries(renamed(VIRTIO_MMIO_REG, (k) => names[k]!))) expect([key, name, map[name]]).toEqual([key, name, offset]);
    }
  });

  test("edu: every BAR0 register the model decodes, same names", () => {
    const map = offsets(BUILTIN_MAPS["edu"]!);
    expect(Object.keys(map).sort()).toEqual(Object.keys(EDU_REG).sort());
    for (const [name, offset] of Object.entries(EDU_REG)) expect([name, map[name]]).toEqual([name, offset]);
  });

  test("pci-config: the header registers the PCI core implements (PCI_ prefix added), in region 7", () => {
    const map = offsets(BUILTIN_MAPS["pci-config"]!, 7);
    const { CFG_SPACE_SIZE: _size, ...regs } = PCI;
    for (const [name, offset] of Object.entries(renamed(regs, (k) => `PCI_${k}`))) expect([name, map[name]]).toEqual([name, offset]);
  });
});

const VIRTIO_HEADER = "/usr/include/linux/virtio_mmio.h";

describe.skipIf(!existsSync(VIRTIO_HEADER))("virtio-mmio maps against the kernel's uapi header (a skip means no linux-libc-dev)", () => {
  /** VIRTIO_MMIO_<NAME> -> offset, from the header's #defines. */
  const header: Record<string, number> = {};
  if (existsSync(VIRTIO_HEADER)) {
    for (const m of readFileSync(VIRTIO_HEADER, "utf8").matchAll(/^#define VIRTIO_MMIO_([A-Z_]+)\s+(0x[0-9a-f]+)\s*$/gim)) header[m[1]!] = Number(m[2]);
  }
  /** The header's name of a map register: CamelCase to SNAKE_CASE, with the header's older names for three of them. */
  function headerName(name: string): string {
    const alias: Record<string, string> = {
      HostFeatures: "DEVICE_FEATURES",
      HostFeaturesSel: "DEVICE_FEATURES_SEL",
      GuestFeatures: "DRIVER_FEATURES",
      GuestFeaturesSel: "DRIVER_FEATURES_SEL",
      QueueDriverLow: "QUEUE_AVAIL_LOW",
      QueueDriverHigh: "QUEUE_AVAIL_HIGH",
      QueueDeviceLow: "QUEUE_USED_LOW",
      QueueDeviceHigh: "QUEUE_USED_HIGH",
      InterruptACK: "INTERRUPT_ACK",
      DeviceID: "DEVICE_ID",
      VendorID: "VENDOR_ID",
    };
    return alias[name] ?? name.replace(/^SHM/, "Shm").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
  }

  for (const key of ["virtio-mmio-v1", "virtio-mmio-v2"]) {
    test(`${key}: every transport register at the header's offset`, () => {
      const regs = BUILTIN_MAPS[key]!.registers.filter((r) => r.offset < 0x100);
      expect(Object.keys(header).length).toBeGreaterThan(20);
      // QueueReset (virtio 1.2) is newer than this header.
      const known = regs.filter((r) => r.name !== "QueueReset");
      for (const r of known) expect([r.name, header[headerName(r.name)]]).toEqual([r.name, r.offset]);
      expect(header["CONFIG"]).toBe(0x100);
    });
  }
});

describe("the PL330 map's fields agree with the model's numbers", () => {
  const map = BUILTIN_MAPS["pl330"]!;
  const reg = (name: string) => map.registers.find((r) => r.name === name)!;
  const fieldOf = (r: string, f: string) => reg(r).fields!.find((x) => x.name === f)!;

  test("CSRn.CHANNEL_STATUS meanings name the model's state codes; CSR bits where the model sets them", () => {
    const values = fieldOf("CSR5", "CHANNEL_STATUS").values!;
    for (const [key, code] of Object.entries(STATE)) expect([key, values[String(code)]?.toLowerCase()]).toEqual([key, key.toLowerCase().replace(/_/g, " ")]);
    for (const [key, mask] of Object.entries(CSR_BITS)) expect([key, 1 << fieldOf("CSR5", key).lsb]).toEqual([key, mask]);
  });

  test("FTRn and FTRD fault fields sit on the model's fault bits", () => {
    for (const [key, mask] of Object.entries(FAULT)) {
      const at = [reg("FTR2"), reg("FTRD")].flatMap((r) => r.fields!).filter((f) => f.name === key).map((f) => 2 ** f.lsb);
      expect([key, at.length > 0 && at.every((m) => m === mask)]).toEqual([key, true]);
    }
  });

  test("CCRn: reset value and field positions as the model decodes them", () => {
    expect(reg("CCR0").reset).toBe(BigInt(CCR_RESET));
    const put = (fields: Record<string, number>) =>
      Object.entries(fields).reduce((v, [name, value]) => v | (value << fieldOf("CCR0", name).lsb), 0) >>> 0;
    const ccr = put({ SRC_INC: 1, SRC_BURST_SIZE: 3, SRC_BURST_LEN: 15, SRC_PROT_CTRL: 2, DST_INC: 0, DST_BURST_SIZE: 2, DST_BURST_LEN: 4, DST_PROT_CTRL: 5, ENDIAN_SWAP_SIZE: 2 });
    expect(ccrSource(ccr)).toMatchObject({ increment: true, beat: 8, beats: 16, privileged: false, nonSecure: true, instruction: false });
    expect(ccrDestination(ccr)).toMatchObject({ increment: false, beat: 4, beats: 5, privileged: true, nonSecure: false, instruction: true });
    expect(ccrSwapBytes(ccr)).toBe(4);
  });
});
