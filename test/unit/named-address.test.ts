// Policy: an address argument is a register name (a word starting with a letter, REG or REG.FIELD) or an offset as
// before; a name takes its register's region, offset and width from the map; a dump knows which of its accesses would
// touch a read-to-clear register (by index, a wide register over several narrow accesses); a field's value is checked
// in field units.
import { describe, expect, test } from "bun:test";
import { isNamed, parseAddress, readClearIn, registerAt, resolveTarget, type DeviceMap } from "../../src/cli/named-address.ts";
import { bitList, differingBits, parseTargetValue } from "../../src/cli/target-io.ts";
import { UnknownRegisterError } from "../../src/registers/errors.ts";
import type { RegisterMap } from "../../src/registers/register-map.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

const MAP: RegisterMap = {
  name: "toy",
  registers: [
    { name: "DATA", region: 0, offset: 0x0, width: 32, access: "RC" },
    { name: "CTRL", region: 0, offset: 0x4, width: 32, access: "RW", fields: [{ name: "MODE", lsb: 4, width: 3 }] },
    { name: "WIDE", region: 1, offset: 0x8, width: 64, access: "RC" },
    { name: "HALF", region: 0, offset: 0xc, width: 16, access: "RO" },
    { name: "STAT", region: 0, offset: 0x10, width: 32, access: "RW", fields: [{ name: "POP", lsb: 0, width: 8, access: "RC" }] },
  ],
};
const DM: DeviceMap = { map: MAP, source: { kind: "file", path: "toy.json" } };

describe("parseAddress", () => {
  test("names and offsets are told apart by their first character", () => {
    expect(parseAddress("CTRL")).toEqual({ name: "CTRL" });
    expect(parseAddress("ctrl.mode")).toEqual({ name: "ctrl.mode" });
    expect(isNamed(parseAddress("0x4"))).toBe(false);
    expect(parseAddress("1:0x8.q")).toEqual({ access: { region: { index: 1 }, offset: 8n, width: 8, widthFrom: "suffix" } });
    expect(parseAddress("regs:0x4")).toEqual({ access: { region: { name: "regs" }, offset: 4n, width: 4, widthFrom: "default" } });
  });
  test("a bad --width with a name is refused before any map is read", () => {
    expect(() => parseAddress("CTRL", "12")).toThrow(UsageError);
  });
});

describe("resolveTarget", () => {
  test("a name takes the register's region, offset and width; a field is kept", () => {
    const t = resolveTarget({ name: "wide" }, DM, "dev");
    expect(t.access).toMatchObject({ region: { index: 1 }, offset: 8n, width: 8 });
    expect(t.name).toBe("WIDE");
    const f = resolveTarget({ name: "Ctrl.Mode" }, DM, "dev");
    expect(f.field?.name).toBe("MODE");
    expect(f.name).toBe("CTRL.MODE");
    expect(resolveTarget({ name: "HALF" }, DM, "dev").access.width).toBe(2);
  });
  test("refusals: no map, unknown name (with suggestions), a --width that disagrees", () => {
    expect(() => resolveTarget({ name: "CTRL" }, undefined, "dev")).toThrow(/dev has no register map/);
    try {
      resolveTarget({ name: "CTLR" }, DM, "dev");
      throw new Error("not refused");
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownRegisterError);
      expect((e as UnknownRegisterError).suggestions).toContain("CTRL");
    }
    expect(() => resolveTarget({ name: "CTRL", widthOption: "16" }, DM, "dev")).toThrow(/conflicting widths: CTRL is 32-bit/);
    expect(resolveTarget({ name: "CTRL", widthOption: "32" }, DM, "dev").access.width).toBe(4);
  });
  test("an offset address is kept as typed; registerAt finds the register an offset hits at its width only", () => {
    const ref = parseAddress("0x4");
    expect(resolveTarget(ref, undefined, "dev").access.offset).toBe(4n);
    expect(registerAt(DM, 0, 4n, 4)?.name).toBe("CTRL");
    expect(registerAt(DM, 0, 4n, 2)).toBeUndefined();
    expect(registerAt(DM, 1, 4n, 4)).toBeUndefined();
  });
});

describe("readClearIn", () => {
  test("the accesses of a dump that touch an RC register, by index, in the dump's region only", () => {
    expect([...readClearIn(DM, 0, 0n, 4, 4).keys()]).toEqual([0]);
    expect(readClearIn(DM, 0, 4n, 4, 3).size).toBe(0);
    // A 64-bit RC register read as 16-bit accesses: all four of its halves-of-halves are skipped.
    expect([...readClearIn(DM, 1, 0n, 2, 16).keys()]).toEqual([4, 5, 6, 7]);
    // A dump starting inside it, and one with wider accesses than the register.
    expect([...readClearIn(DM, 1, 0xcn, 4, 2).keys()]).toEqual([0]);
    expect([...readClearIn(DM, 0, 0n, 8, 1).keys()]).toEqual([0]);
    expect(readClearIn(undefined, 0, 0n, 4, 4).size).toBe(0);
    // An RW register with an RC field: its read has the side effect too.
    expect([...readClearIn(DM, 0, 0xcn, 4, 3)].map(([i, r]) => [i, r.name])).toEqual([[1, "STAT"]]);
  });
});

describe("values for a target", () => {
  const field = resolveTarget({ name: "CTRL.MODE" }, DM, "dev");
  const reg = resolveTarget({ name: "CTRL" }, DM, "dev");
  test("a field's value and mask are in field units and must fit the field", () => {
    expect(parseTargetValue(field, "7")).toEqual({ value: 7n });
    expect(parseTargetValue(field, "2:0x6")).toEqual({ value: 2n, mask: 6n });
    expect(() => parseTargetValue(field, "8")).toThrow(/does not fit field CTRL.MODE/);
    expect(() => parseTargetValue(field, "1:0x8")).toThrow(/mask '0x8' does not fit field CTRL.MODE/);
    expect(() => parseTargetValue(field, "1:0x2")).toThrow(/bits outside mask/);
    expect(parseTargetValue(reg, "0xffffffff")).toEqual({ value: 0xffffffffn });
    expect(() => parseTargetValue(reg, "0x100000000")).toThrow(/does not fit register CTRL/);
  });
  test("the bits that differ under a mask, in words", () => {
    expect(differingBits(0b0100n, 0n, 0xfn)).toBe(0b0100n);
    expect(differingBits(0x14n, 0x4n, 0xfn)).toBe(0n);
    expect(bitList(0b0100n)).toBe("bit 2");
    expect(bitList(0b1011n)).toBe("bits 0, 1, 3");
  });
});
