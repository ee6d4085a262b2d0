// Policy: a range access leaves alone what the register map protects. A dump does not read a register whose read has a
// side effect (RC, or an RC field); a bulk write writes only registers that store what is written: not one that is
// read-only (RO, or every declared field RO), has any write-1-to-clear bit, is write-only (a command, a clear, a
// doorbell), has a write side effect the map names (writeEffect), or is a FIFO/read-to-clear (RC). Each protected
// register is reported once with every access of the range that overlaps it, at any access width; every built-in
// map's registers are checked against the rule by name.
import { expect, test } from "bun:test";
import { bulkWriteHazard, rangeHazards } from "../../src/registers/bulk-access.ts";
import type { RegisterMap, RegisterSpec } from "../../src/registers/register-map.ts";
import { PL011_MAP } from "../../src/registers/builtin/pl011.ts";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import { parseRegisterMap } from "../../src/registers/map-file.ts";

const r = (name: string, offset: number, access: RegisterSpec["access"], extra: Partial<RegisterSpec> = {}): RegisterSpec => ({ name, region: 0, offset, width: 32, access, ...extra });

const MAP: RegisterMap = {
  name: "t",
  registers: [
    r("DATA", 0x0, "RW"),
    r("ID", 0x4, "RO"),
    r("STATUS", 0x8, "RW", { fields: [{ name: "DONE", lsb: 0, width: 1, access: "W1C" }, { name: "EN", lsb: 1, width: 1 }] }),
    r("FIFO", 0xc, "RW", { fields: [{ name: "POP", lsb: 0, width: 8, access: "RC" }] }),
    r("CMD", 0x10, "WO"),
    r("OTHER", 0x4, "RO", { region: 1 }),
  ],
};

test("bulkWriteHazard: RO, all fields RO, any W1C bit, WO, a write effect, RC; only a plain RW register may be written", () => {
  expect(bulkWriteHazard(MAP.registers[0]!)).toBeUndefined();
  expect(bulkWriteHazard(MAP.registers[1]!)).toBe("read-only");
  expect(bulkWriteHazard(MAP.registers[2]!)).toBe("write-1-to-clear");
  expect(bulkWriteHazard(MAP.registers[3]!)).toBe("read-clear");
  expect(bulkWriteHazard(MAP.registers[4]!)).toBe("write-only");
  expect(bulkWriteHazard(r("W", 0, "W1C"))).toBe("write-1-to-clear");
  expect(bulkWriteHazard(r("FIFO", 0, "RC"))).toBe("read-clear");
  expect(bulkWriteHazard(r("LOAD", 0, "RW", { writeEffect: "loads the counter" }))).toBe("write-side-effect");
  expect(bulkWriteHazard(r("RO_FIELDS", 0, "RW", { fields: [{ name: "A", lsb: 0, width: 4, access: "RO" }] }))).toBe("read-only");
  // UARTRSR/UARTECR: every field reads only, and any write clears them: the effect is the more precise reason.
  const rsr = PL011_MAP.registers.find((x) => x.name === "UARTRSR")!;
  expect(rsr.access).toBe("RW");
  expect(bulkWriteHazard(rsr)).toBe("write-side-effect");
});

/**
 * What a fill or a loaded file may write in each built-in map: the registers that only store what is written (a dump
 * of them loads back unchanged), reviewed against each TRM/spec. Every other register is skipped with a reason.
 */
const BULK_WRITABLE: Record<string, string[]> = {
  pl031: ["RTCMR", "RTCCR", "RTCIMSC"],
  pl011: ["UARTILPR", "UARTIBRD", "UARTFBRD", "UARTLCR_H", "UARTCR", "UARTIFLS", "UARTIMSC", "UARTDMACR"],
  pl330: ["INTEN", "WD"],
  "virtio-mmio-v1": [],
  "virtio-mmio-v2": [],
  "virtio-mmio-v1-blk": ["writeback"],
  "virtio-mmio-v2-blk": ["writeback"],
  edu: ["LIVENESS", "STATUS", "DMA_SRC", "DMA_DST", "DMA_COUNT"],
  "pci-config": ["COMMAND", "CACHE_LINE_SIZE", "LATENCY_TIMER", ...[0, 1, 2, 3, 4, 5].map((i) => `BASE_ADDRESS_${i}`), "ROM_ADDRESS", "INTERRUPT_LINE"].map((n) => `PCI_${n}`),
};
BULK_WRITABLE["edu+pci-config"] = [...BULK_WRITABLE.edu!, ...BULK_WRITABLE["pci-config"]!];

test("every built-in map: a bulk write touches only the registers that store what is written", () => {
  expect(Object.keys(BULK_WRITABLE).sort()).toEqual(Object.keys(BUILTIN_MAPS).sort());
  for (const [name, map] of Object.entries(BUILTIN_MAPS)) {
    const writable = map.registers.filter((x) => bulkWriteHazard(x) === undefined).map((x) => x.name);
    expect({ name, writable }).toEqual({ name, writable: BULK_WRITABLE[name]! });
  }
});

test("the registers whose write acts are skipped, each with its reason", () => {
  const reason = (map: string, reg: string) => bulkWriteHazard(BUILTIN_MAPS[map]!.registers.find((x) => x.name === reg)!);
  expect(reason("pl330", "DBGCMD")).toBe("write-only"); // executes DBGINST0/1
  expect(reason("pl330", "INTCLR")).toBe("write-only");
  expect(reason("pl011", "UARTDR")).toBe("write-side-effect"); // sends a character
  expect(reason("pl011", "UARTICR")).toBe("write-only");
  expect(reason("pl031", "RTCICR")).toBe("write-only");
  expect(reason("pl031", "RTCLR")).toBe("write-side-effect"); // loads the clock
  expect(reason("virtio-mmio-v2", "Status")).toBe("write-side-effect"); // 0 resets the device
  expect(reason("virtio-mmio-v1", "QueueNotify")).toBe("write-only");
  expect(reason("edu", "DMA_CMD")).toBe("write-side-effect");
});

test("rangeHazards for a write: the protected registers of the range's region, with the accesses that touch them", () => {
  const h = rangeHazards(MAP, "write", 0, 0, 4, 5);
  expect(h.map((x) => [x.register.name, x.reason, x.accesses])).toEqual([
    ["ID", "read-only", [1]],
    ["STATUS", "write-1-to-clear", [2]],
    ["FIFO", "read-clear", [3]],
    ["CMD", "write-only", [4]],
  ]);
  // Bytes: every byte access inside the register is skipped; a range starting inside it too.
  expect(rangeHazards(MAP, "write", 0, 0x2, 1, 8).map((x) => [x.register.name, x.accesses])).toEqual([["ID", [2, 3, 4, 5]], ["STATUS", [6, 7]]]);
  // 64-bit accesses cover two registers each.
  expect(rangeHazards(MAP, "write", 0, 0x0, 8, 2).map((x) => [x.register.name, x.accesses])).toEqual([["ID", [0]], ["STATUS", [1]], ["FIFO", [1]]]);
  expect(rangeHazards(MAP, "write", 1, 0x0, 4, 2).map((x) => x.register.name)).toEqual(["OTHER"]);
  expect(rangeHazards(MAP, "write", 0, 0x14, 4, 4)).toEqual([]);
});

test("rangeHazards for a read: registers whose read has a side effect (an RC field counts)", () => {
  expect(rangeHazards(MAP, "read", 0, 0, 4, 5).map((x) => [x.register.name, x.reason, x.accesses])).toEqual([["FIFO", "read-clear", [3]]]);
  expect(rangeHazards(PL011_MAP, "read", 0, 0, 2, 4).map((x) => [x.register.name, x.accesses])).toEqual([["UARTDR", [0, 1]]]);
});

test("a user map file's writeEffect makes a RW register a write-side-effect skip; a non-string is refused", () => {
  const file = (effect: unknown) =>
    JSON.stringify({ "vfio-plat-register-map": 1, name: "u", registers: [{ name: "LOAD", offset: "0x0", access: "RW", writeEffect: effect }, { name: "DATA", offset: "0x4" }] });
  const map = parseRegisterMap(file("loads the counter"), "u.json");
  expect(rangeHazards(map, "write", 0, 0, 4, 2).map((h) => [h.register.name, h.reason, h.register.writeEffect])).toEqual([["LOAD", "write-side-effect", "loads the counter"]]);
  expect(() => parseRegisterMap(file(1), "u.json")).toThrow("writeEffect");
});
