// Policy: the assembler emits exactly the encodings of pl330-smmu.md §1.5. Every expected byte string below was
// written by hand from that table (opcode | operand bits, little-endian immediates), not produced by our encoder; loops
// get their backward jumps computed; mistakes are reported with the 1-based line they are on.
import { describe, expect, test } from "bun:test";
import { AsmError, assemble, formatHexBytes } from "../../src/drivers/pl330/assembler.ts";

const hex = (text: string) => Array.from(assemble(text).bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

describe("single instructions (hand-encoded from the §1.5 table)", () => {
  const cases: [string, string][] = [
    ["DMAADDH SAR, 0x1234", "54 34 12"],
    ["DMAADDH DAR, 16", "56 10 00"],
    ["DMAADNH SAR, -16", "5c f0 ff"],
    ["DMAADNH DAR, -1", "5e ff ff"],
    ["DMAADNH DAR, -65536", "5e 00 00"],
    ["DMAEND", "00"],
    ["DMAFLUSHP 5", "35 28"],
    ["DMAGO C2, 0x12345678, ns", "a2 02 78 56 34 12"],
    ["DMAGO 0, 0x1000", "a0 00 00 10 00 00"],
    ["DMAKILL", "01"],
    ["DMALD", "04"],
    ["DMALDS", "05"],
    ["DMALDB", "07"],
    ["DMALDPS 3", "25 18"],
    ["DMALDPB 31", "27 f8"],
    ["DMAMOV SAR, 0x00001000", "bc 00 00 10 00 00"],
    ["DMAMOV CCR, 0x003DC0F7", "bc 01 f7 c0 3d 00"],
    ["DMAMOV DAR, 0xdeadbeef", "bc 02 ef be ad de"],
    ["DMAMOV CCR, SB16 SS64 SAI DB16 DS64 DAI SP2 DP2", "bc 01 f7 c2 bd 00"],
    ["DMANOP", "18"],
    ["DMARMB", "12"],
    ["DMAWMB", "13"],
    ["DMASEV 0", "34 00"],
    ["DMASEV 3", "34 18"],
    ["DMASEV 31", "34 f8"],
    ["DMAST", "08"],
    ["DMASTS", "09"],
    ["DMASTB", "0b"],
    ["DMASTPS 2", "29 10"],
    ["DMASTPB 2", "2b 10"],
    ["DMASTZ", "0c"],
    ["DMAWFE 3", "36 18"],
    ["DMAWFE 3, invalid", "36 1a"],
    ["DMAWFPS 4", "30 20"],
    ["DMAWFPB 4", "32 20"],
    ["DMAWFPP 4", "31 20"],
    ["DMAWFP 4, burst", "32 20"],
    ["dmamov sar, 0b1_0000", "bc 00 10 00 00 00"],
    [".byte 0xff, 0x06", "ff 06"],
  ];
  for (const [src, bytes] of cases) {
    test(`${src} -> ${bytes}`, () => expect(hex(src)).toBe(bytes));
  }
});

describe("loops: DMALP/DMALPEND with computed jumps", () => {
  test("LC1 loop of the doc's 4096-byte program: 22 1F 04 08 3C 02", () => {
    expect(hex("DMALP lc1, 32\nDMALD\nDMAST\nDMALPEND lc1")).toBe("22 1f 04 08 3c 02");
  });

  test("LC0 x LC1 nesting of the doc's 1 MiB program: 20 1F 22 FF 04 08 3C 02 38 06", () => {
    const text = ["DMALP lc0, 32", "  DMALP lc1, 256", "    DMALD", "    DMAST", "  DMALPEND lc1", "DMALPEND lc0"].join("\n");
    expect(hex(text)).toBe("20 1f 22 ff 04 08 3c 02 38 06");
  });

  test("DMALP without a counter uses lc0; DMALPEND without one closes the innermost loop", () => {
    expect(hex("DMALP 16\nDMANOP\nDMALPEND")).toBe("20 0f 18 38 01");
    expect(hex("DMALP lc1, 1\nDMALP lc0, 2\nDMANOP\nDMALPEND\nDMALPEND")).toBe("22 00 20 01 18 38 01 3c 05");
  });

  test("conditional counted ends: DMALPENDS 0x39/0x3D, DMALPENDB 0x3B/0x3F", () => {
    expect(hex("DMALP 4\nDMALDS\nDMALPENDS")).toBe("20 03 05 39 01");
    expect(hex("DMALP lc1, 4\nDMALDB\nDMALPENDB lc1")).toBe("22 03 07 3f 01");
  });

  test("DMALPFE loops: no bytes for the marker, 0x28/0x2C unconditional, conditional forms forced to lc1", () => {
    expect(hex("DMALPFE\nDMANOP\nDMALPEND")).toBe("18 28 01");
    expect(hex("DMALPFE\nDMANOP\nDMALPEND lc1")).toBe("18 2c 01");
    expect(hex("DMALPFE\nDMALDS\nDMALPENDS")).toBe("05 2d 01");
    expect(hex("DMALPFE\nDMAWFPB 1\nDMALDB\nDMALPENDB")).toBe("32 08 07 2f 03");
  });

  test("a label as the loop target and as a 32-bit immediate (base + offset)", () => {
    const r = assemble("DMAGO C1, prog\nprog: DMAMOV SAR, 0\nbody: DMALD\nDMALP 3\nDMAST\nDMALPEND body\nDMAEND", { base: 0x2000 });
    expect(formatHexBytes(r.bytes, 64)).toBe("a0 01 06 20 00 00 bc 00 00 00 00 00 04 20 02 08 38 04 00");
    expect(r.labels.get("prog")).toBe(6);
    expect(r.warnings).toEqual(["line 1: DMAGO is a manager instruction; a channel thread executing it faults (undef_instr)"]);
  });

  test("comments (; and //), blank lines and labels alone on a line", () => {
    const r = assemble("; copy\n\nstart:\n  DMAMOV SAR, 0x10 // source\n  DMAEND ; done\n");
    expect(formatHexBytes(r.bytes)).toBe("bc 00 10 00 00 00 00");
    expect(r.instructions.map((i) => [i.line, i.offset])).toEqual([
      [4, 0],
      [5, 6],
    ]);
  });
});

describe("errors name the line", () => {
  function errorOf(text: string): AsmError {
    try {
      assemble(text);
    } catch (e) {
      expect(e).toBeInstanceOf(AsmError);
      return e as AsmError;
    }
    throw new Error("assembled without error");
  }
  const cases: [string, number, RegExp][] = [
    ["DMANOP\n; comment\n\nDMAFOO 1", 4, /unknown mnemonic 'DMAFOO'/],
    ["DMALP lc0, 0", 1, /iteration count 0 is outside 1\.\.256/],
    ["DMALP lc1, 257", 1, /outside 1\.\.256/],
    ["DMANOP\nDMALP 4\nDMALD", 2, /never closed/],
    ["DMAEND\nDMALPEND", 2, /without an open DMALP/],
    [`DMALP 2\n${"DMANOP\n".repeat(256)}DMALPEND`, 258, /256 bytes; DMALPEND can jump back at most 255/],
    ["DMALPFE\nDMALDS\nDMALPENDS lc0", 3, /decodes as DMASTPS; use lc1/],
    ["DMALP lc0, 2\nDMALP lc0, 2\nDMALPEND\nDMALPEND", 2, /lc0 is already counting the loop opened on line 1/],
    ["DMALP lc1, 2\nDMANOP\nDMALPEND lc0", 3, /closes the loop opened with lc1 on line 1/],
    ["DMAMOV XAR, 1", 1, /not SAR, CCR or DAR/],
    ["DMAMOV SAR, 0x100000000", 1, /DMAMOV immediate 0x100000000 is outside 0\.\.0xffffffff \(0\.\.4294967295\)/],
    ["DMAMOV SAR", 1, /DMAMOV is missing its immediate/],
    ["DMASEV 32", 1, /DMASEV event 32 is outside 0\.\.31/],
    ["DMASEV 010", 1, /not a number/],
    ["DMAGO C8, 0", 1, /DMAGO channel C8 is outside 0\.\.7/],
    ["DMAEND 1", 1, /unexpected operand '1'/],
    ["DMAMOV CCR, SB17", 1, /SB \(source burst length\) 17 is outside 1\.\.16/],
    ["DMAMOV DAR, nowhere", 1, /unknown label 'nowhere'/],
    ["a: DMANOP\na: DMANOP", 2, /label 'a' already defined on line 1/],
    ["DMAADNH SAR, -65537", 1, /DMAADNH immediate -65537 is outside -65536\.\.-1/],
    [".byte 256", 1, /\.byte value 256 is outside 0\.\.255/],
  ];
  for (const [text, line, pattern] of cases) {
    test(`line ${line}: ${pattern.source}`, () => {
      const e = errorOf(text);
      expect(e.line).toBe(line);
      expect(e.message).toMatch(new RegExp(`^line ${line}: `));
      expect(e.message).toMatch(pattern);
    });
  }
});
