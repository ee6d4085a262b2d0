// Policy: a range access leaves alone what the register map protects. A dump does not read a register whose read has a
// side effect (RC, or an RC field); a bulk write does not write one that is read-only (RO, or every declared field RO,
// as the PL011's UARTRSR) or has any write-1-to-clear bit. Each protected register is reported once with every access
// of the range that overlaps it, at any access width.
import { expect, test } from "bun:test";
import { bulkWriteHazard, rangeHazards } from "../../src/registers/bulk-access.ts";
import type { RegisterMap, RegisterSpec } from "../../src/registers/register-map.ts";
import { PL011_MAP } from "../../src/registers/builtin/pl011.ts";

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

test("bulkWriteHazard: RO, all fields RO, any W1C bit; RW, WO and RC registers may be written", () => {
  expect(bulkWriteHazard(MAP.registers[0]!)).toBeUndefined();
  expect(bulkWriteHazard(MAP.registers[1]!)).toBe("read-only");
  expect(bulkWriteHazard(MAP.registers[2]!)).toBe("write-1-to-clear");
  expect(bulkWriteHazard(MAP.registers[3]!)).toBeUndefined();
  expect(bulkWriteHazard(MAP.registers[4]!)).toBeUndefined();
  expect(bulkWriteHazard(r("W", 0, "W1C"))).toBe("write-1-to-clear");
  const rsr = PL011_MAP.registers.find((x) => x.name === "UARTRSR")!;
  expect(rsr.access).toBe("RW");
  expect(bulkWriteHazard(rsr)).toBe("read-only");
});

test("rangeHazards for a write: the protected registers of the range's region, with the accesses that touch them", () => {
  const h = rangeHazards(MAP, "write", 0, 0, 4, 5);
  expect(h.map((x) => [x.register.name, x.reason, x.accesses])).toEqual([
    ["ID", "read-only", [1]],
    ["STATUS", "write-1-to-clear", [2]],
  ]);
  // Bytes: every byte access inside the register is skipped; a range starting inside it too.
  expect(rangeHazards(MAP, "write", 0, 0x2, 1, 8).map((x) => [x.register.name, x.accesses])).toEqual([["ID", [2, 3, 4, 5]], ["STATUS", [6, 7]]]);
  // 64-bit accesses cover two registers each.
  expect(rangeHazards(MAP, "write", 0, 0x0, 8, 2).map((x) => [x.register.name, x.accesses])).toEqual([["ID", [0]], ["STATUS", [1]]]);
  expect(rangeHazards(MAP, "write", 1, 0x0, 4, 2).map((x) => x.register.name)).toEqual(["OTHER"]);
  expect(rangeHazards(MAP, "write", 0, 0x10, 4, 4)).toEqual([]);
});

test("rangeHazards for a read: registers whose read has a side effect (an RC field counts)", () => {
  expect(rangeHazards(MAP, "read", 0, 0, 4, 5).map((x) => [x.register.name, x.reason, x.accesses])).toEqual([["FIFO", "read-clear", [3]]]);
  expect(rangeHazards(PL011_MAP, "read", 0, 0, 2, 4).map((x) => [x.register.name, x.accesses])).toEqual([["UARTDR", [0, 1]]]);
});
