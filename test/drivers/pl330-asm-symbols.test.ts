// Policy: a program names the buffers it works on (`DMAMOV SAR, src+0x100`): the assembler substitutes the addresses
// it is given, with a byte offset, wherever a 32-bit immediate goes; labels and names never shadow each other, and
// an address outside 32 bits is refused, never wrapped. Expected bytes are hand-encoded (DMAMOV = bc, reg, imm32 LE).
import { describe, expect, test } from "bun:test";
import { AsmError, assemble } from "../../src/drivers/pl330/assembler.ts";
import { parseSymbolRef } from "../../src/drivers/pl330/asm-tokens.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("named addresses", () => {
  test("a name, name+N and name-N become the address plus the offset", () => {
    const r = assemble("DMAMOV SAR, src\nDMAMOV DAR, dst+0x800\nDMAMOV DAR, dst-16", { symbols: { src: 0x1000, dst: 0x20000n } });
    expect(hex(r.bytes)).toBe("bc 00 00 10 00 00 bc 02 00 08 02 00 bc 02 f0 ff 01 00");
  });

  test("DMAGO takes a name too", () => {
    expect(hex(assemble("DMAGO c1, prog", { symbols: { prog: 0xdeadbeef } }).bytes)).toBe("a0 01 ef be ad de");
  });

  test("labels still resolve against the base, with an offset", () => {
    const r = assemble("DMAMOV SAR, here+4\nhere: DMAEND", { base: 0x4000 });
    expect(hex(r.bytes)).toBe("bc 00 0a 40 00 00 00");
  });

  test("an unknown name lists the addresses there are", () => {
    expect(() => assemble("DMAMOV SAR, scr", { symbols: { src: 0x1000, dst: 0x2000 } })).toThrow(/line 1: unknown label 'scr' \(nor an address: src, dst\)/);
  });

  test("an offset that leaves the 32-bit space is refused, not wrapped", () => {
    expect(() => assemble("DMAMOV DAR, top+1", { symbols: { top: 0xffff_ffff } })).toThrow(AsmError);
    expect(() => assemble("DMAMOV DAR, low-1", { symbols: { low: 0 } })).toThrow(/outside the 32-bit address space/);
  });

  test("a label may not take an address's name", () => {
    expect(() => assemble("src: DMAEND", { symbols: { src: 0x1000 } })).toThrow(/label 'src' is also the name of an address/);
  });

  test("a symbol that is not a name or does not fit 32 bits is refused", () => {
    expect(() => assemble("DMAEND", { symbols: { "1x": 0 } })).toThrow(RangeError);
    expect(() => assemble("DMAEND", { symbols: { lc0: 0 } })).toThrow(RangeError);
    expect(() => assemble("DMAEND", { symbols: { big: 1n << 32n } })).toThrow(/does not fit 32 bits/);
  });
});

test("parseSymbolRef reads name, name+N, name-N and refuses junk offsets", () => {
  expect(parseSymbolRef("buf")).toEqual({ name: "buf", addend: 0 });
  expect(parseSymbolRef("buf+0x10")).toEqual({ name: "buf", addend: 16 });
  expect(parseSymbolRef("buf-3")).toEqual({ name: "buf", addend: -3 });
  expect(parseSymbolRef("buf+zz")).toBeUndefined();
  expect(parseSymbolRef("9buf")).toBeUndefined();
});
