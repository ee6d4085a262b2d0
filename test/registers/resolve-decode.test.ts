// Names, fields and decoding against a small hand-written map: case-insensitive names, "REG.FIELD", suggestions
// (a shared prefix first, then edit distance, at most three), field extract/insert with range checks, and decoding
// with value meanings and set reserved bits shown.
import { describe, expect, test } from "bun:test";
import {
  decodeValue,
  fieldValue,
  InvalidArgumentError,
  resolveName,
  suggestNames,
  UnknownRegisterError,
  withField,
  type RegisterMap,
} from "../../src/index.ts";
import { bitRange } from "../../src/registers/decode.ts";
import { editDistance } from "../../src/host/edit-distance.ts";
import { looksLikeName, registersIn } from "../../src/registers/resolve.ts";

const MAP: RegisterMap = {
  name: "demo",
  registers: [
    { name: "DSR", region: 0, offset: 0x0, width: 32, access: "RO", fields: [
      { name: "DMA_STATUS", lsb: 0, width: 4, values: { "0": "Stopped", "1": "Executing" } },
      { name: "WAKEUP_EVENT", lsb: 4, width: 5 },
      { name: "DNS", lsb: 9, width: 1 },
    ] },
    { name: "CSR0", region: 0, offset: 0x100, width: 32, access: "RO", fields: [{ name: "CHANNEL_STATUS", lsb: 0, width: 4, values: { "0": "Stopped", "7": "Waiting for event" } }] },
    { name: "CSR1", region: 0, offset: 0x108, width: 32, access: "RO" },
    { name: "INTEN", region: 0, offset: 0x20, width: 32, access: "RW" },
    { name: "INT_EVENT_RIS", region: 0, offset: 0x24, width: 32, access: "RO" },
    { name: "WIDE", region: 1, offset: 0x0, width: 64, access: "RW", fields: [{ name: "HI", lsb: 40, width: 24 }] },
  ],
};

describe("resolveName", () => {
  test("registers and fields, case-insensitively, return the map's own specs", () => {
    expect(resolveName(MAP, "inten").register).toBe(MAP.registers[3]!);
    const r = resolveName(MAP, "csr0.channel_status");
    expect(r.register.name).toBe("CSR0");
    expect(r.field?.name).toBe("CHANNEL_STATUS");
    expect(resolveName(MAP, "DSR").field).toBeUndefined();
  });

  test("an unknown register is refused with the closest names and the facts", () => {
    let err: unknown;
    try {
      resolveName(MAP, "INTENN");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownRegisterError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const u = err as UnknownRegisterError;
    expect(u.map).toBe("demo");
    expect(u.asked).toBe("INTENN");
    expect(u.suggestions[0]).toBe("INTEN");
    expect(u.register).toBeUndefined();
    expect(u.message).toContain("INTENN");
  });

  test("an unknown field names its register and suggests its fields as REG.FIELD", () => {
    try {
      resolveName(MAP, "CSR0.CHANEL_STATUS");
      throw new Error("not refused");
    } catch (e) {
      const u = e as UnknownRegisterError;
      expect(u).toBeInstanceOf(UnknownRegisterError);
      expect(u.register).toBe("CSR0");
      expect(u.suggestions).toEqual(["CSR0.CHANNEL_STATUS"]);
    }
  });

  test("a misspelt register with a field part keeps the field in its suggestion", () => {
    expect(() => resolveName(MAP, "CRS0.CHANNEL_STATUS")).toThrow(UnknownRegisterError);
    try {
      resolveName(MAP, "CRS0.CHANNEL_STATUS");
    } catch (e) {
      expect((e as UnknownRegisterError).suggestions[0]).toBe("CSR0.CHANNEL_STATUS");
    }
  });
});

describe("suggestNames", () => {
  test("prefix matches come first, at most three, closest first", () => {
    const names = ["CSR0", "CSR1", "CSR2", "CSR3", "CPC0", "DSR"];
    expect(suggestNames("CSR", names)).toEqual(["CSR0", "CSR1", "CSR2"]);
    expect(suggestNames("DRS", names)[0]).toBe("DSR");
  });
  test("far names are not suggested", () => {
    expect(suggestNames("XYZZY_PLUGH", ["DSR", "INTEN"])).toEqual([]);
  });
  test("a swap of two neighbouring characters is one edit: the swapped name comes before names two edits away", () => {
    // Counted as two edits (Levenshtein), RTCMR and RTCIMSC tie with RTCMIS and come first in map order.
    expect(suggestNames("RTCMSI", ["RTCMR", "RTCIMSC", "RTCMIS"])).toEqual(["RTCMIS", "RTCMR", "RTCIMSC"]);
    expect(suggestNames("RTCRD", ["RTCMR", "RTCLR", "RTCDR"])[0]).toBe("RTCDR");
  });
});

describe("editDistance (optimal string alignment)", () => {
  test.each([
    ["rtcrd", "rtcdr", 1],
    ["ab", "ba", 1],
    ["abc", "ca", 3],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["uartfbdr", "uartfbrd", 1],
    ["same", "same", 0],
  ])("%s -> %s: %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("fields", () => {
  const f = { name: "WAKEUP_EVENT", lsb: 4, width: 5 };
  test("fieldValue shifts and masks", () => {
    expect(fieldValue(0b1_10110_0011n, f)).toBe(0b10110n);
    expect(fieldValue(0xffff_ff00_0000_0000n, { name: "HI", lsb: 40, width: 24 })).toBe(0xffff_ffn);
  });
  test("withField replaces only the field's bits", () => {
    expect(withField(0xffff_ffffn, f, 0n)).toBe(0xffff_fe0fn);
    expect(withField(0n, f, 0x1fn)).toBe(0x1f0n);
    expect(withField(0n, { name: "HI", lsb: 40, width: 24 }, 0xabcdefn)).toBe(0xabcd_ef00_0000_0000n);
  });
  test("a value that does not fit is refused, naming the field and its limit", () => {
    expect(() => withField(0n, f, 0x20n)).toThrow(InvalidArgumentError);
    expect(() => withField(0n, f, 0x20n)).toThrow("WAKEUP_EVENT");
    expect(() => withField(0n, f, -1n)).toThrow(InvalidArgumentError);
  });
});

describe("decodeValue", () => {
  test("each field's value, most significant first, with the meaning when the map has one", () => {
    const d = decodeValue(MAP.registers[0]!, 0x201n);
    expect(d.map((x) => [x.field.name, x.value, x.meaning])).toEqual([
      ["DNS", 1n, undefined],
      ["WAKEUP_EVENT", 0n, undefined],
      ["DMA_STATUS", 1n, "Executing"],
    ]);
  });
  test("set bits no field covers show as reserved runs; clear ones do not", () => {
    const d = decodeValue(MAP.registers[0]!, 0x8000_0400n);
    const reserved = d.filter((x) => x.reserved);
    expect(reserved.map((x) => [bitRange(x.field), x.value])).toEqual([["[31:10]", 0x200001n]]);
    expect(decodeValue(MAP.registers[0]!, 0n).some((x) => x.reserved)).toBe(false);
  });
  test("a register without fields decodes to nothing", () => {
    expect(decodeValue(MAP.registers[3]!, 0x1234n)).toEqual([]);
  });
  test("bitRange writes [msb:lsb] or [bit]", () => {
    expect(bitRange({ name: "A", lsb: 4, width: 5 })).toBe("[8:4]");
    expect(bitRange({ name: "B", lsb: 9, width: 1 })).toBe("[9]");
  });
});

describe("registersIn and looksLikeName", () => {
  test("the registers a byte range touches, in offset order, only in its region", () => {
    expect(registersIn(MAP, 0, 0x0, 0x28).map((r) => r.name)).toEqual(["DSR", "INTEN", "INT_EVENT_RIS"]);
    expect(registersIn(MAP, 0, 0x102, 8).map((r) => r.name)).toEqual(["CSR0", "CSR1"]);
    expect(registersIn(MAP, 0, 0x104, 4)).toEqual([]);
    expect(registersIn(MAP, 1, 0x4, 1).map((r) => r.name)).toEqual(["WIDE"]);
  });
  test("a word starting with a letter is a name; an offset is not", () => {
    expect(["RTCDR", "csr0.channel_status", "_X"].every(looksLikeName)).toBe(true);
    expect(["0x10", "1:0x4", "10", "CSR0.", "A.B.C", ""].some(looksLikeName)).toBe(false);
  });
});
