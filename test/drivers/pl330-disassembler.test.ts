// Policy: the disassembler reads the encodings of pl330-smmu.md §1.5 (byte vectors written by hand), decodes
// 0x29/0x2B as DMASTPS/DMASTPB (the opcode-overlap rule), never hides a byte (unknown, reserved-bit and truncated
// encodings become `.byte` lines), and its text assembles back to the same bytes.
import { describe, expect, test } from "bun:test";
import { assemble } from "../../src/drivers/pl330/assembler.ts";
import { disassemble, formatListing, parseHexText } from "../../src/drivers/pl330/disassembler.ts";

const texts = (bytes: number[], base = 0) => disassemble(Uint8Array.from(bytes), { base }).map((l) => l.text);

describe("decoding (hand-written bytes)", () => {
  const cases: [number[], string][] = [
    [[0x54, 0x34, 0x12], "DMAADDH SAR, 0x1234"],
    [[0x56, 0x10, 0x00], "DMAADDH DAR, 0x0010"],
    [[0x5c, 0xf0, 0xff], "DMAADNH SAR, -16"],
    [[0x5e, 0x00, 0x00], "DMAADNH DAR, -65536"],
    [[0x00], "DMAEND"],
    [[0x35, 0x28], "DMAFLUSHP 5"],
    [[0xa2, 0x02, 0x78, 0x56, 0x34, 0x12], "DMAGO C2, 0x12345678, ns"],
    [[0xa0, 0x00, 0x00, 0x10, 0x00, 0x00], "DMAGO C0, 0x00001000"],
    [[0x01], "DMAKILL"],
    [[0x04], "DMALD"],
    [[0x05], "DMALDS"],
    [[0x07], "DMALDB"],
    [[0x25, 0x18], "DMALDPS 3"],
    [[0x27, 0xf8], "DMALDPB 31"],
    [[0xbc, 0x00, 0x00, 0x10, 0x00, 0x00], "DMAMOV SAR, 0x00001000"],
    [[0xbc, 0x01, 0xf7, 0xc0, 0x3d, 0x00], "DMAMOV CCR, 0x003dc0f7"],
    [[0xbc, 0x02, 0xef, 0xbe, 0xad, 0xde], "DMAMOV DAR, 0xdeadbeef"],
    [[0x18], "DMANOP"],
    [[0x12], "DMARMB"],
    [[0x13], "DMAWMB"],
    [[0x34, 0x18], "DMASEV 3"],
    [[0x08], "DMAST"],
    [[0x09], "DMASTS"],
    [[0x0b], "DMASTB"],
    [[0x0c], "DMASTZ"],
    [[0x36, 0x1a], "DMAWFE 3, invalid"],
    [[0x30, 0x20], "DMAWFPS 4"],
    [[0x32, 0x20], "DMAWFPB 4"],
    [[0x31, 0x20], "DMAWFPP 4"],
  ];
  for (const [bytes, text] of cases) {
    test(`${bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")} -> ${text}`, () => expect(texts(bytes)).toEqual([text]));
  }

  test("DMALP: lc0 with 1 iteration (counter byte 0x00), lc1 with 256 (0xff)", () => {
    expect(texts([0x20, 0x00, 0x18, 0x38, 0x01])).toEqual(["DMALP lc0, 1", "DMANOP", "DMALPEND lc0"]);
    expect(texts([0x22, 0xff, 0x18, 0x3c, 0x01])).toEqual(["DMALP lc1, 256", "DMANOP", "DMALPEND lc1"]);
  });

  test("loop ends show their jump target; counted vs forever", () => {
    const lines = disassemble(Uint8Array.from([0x22, 0x1f, 0x04, 0x08, 0x3c, 0x02]), { base: 0x1000 });
    expect(lines.map((l) => l.text)).toEqual(["DMALP lc1, 32", "DMALD", "DMAST", "DMALPEND lc1"]);
    expect(lines[3]!.comment).toBe("back 2 to 0x00001002");
    expect(lines[3]!.address).toBe(0x1004);
  });

  test("CCR immediates are decoded in TRM syntax in the comment", () => {
    const [l] = disassemble(Uint8Array.from([0xbc, 0x01, 0xf9, 0x42, 0xbe, 0x00]));
    expect(l!.text).toBe("DMAMOV CCR, 0x00be42f9");
    expect(l!.comment).toBe("SB16 SS128 SAI SP2 SC0 DB16 DS128 DAI DP2 DC0 ES8");
  });
});

describe("the 0x29/0x2B overlap rule", () => {
  test("0x29 and 0x2B decode as DMASTPS / DMASTPB, never as DMALPEND lc0 forever", () => {
    expect(texts([0x29, 0x10])).toEqual(["DMASTPS 2"]);
    expect(texts([0x2b, 0x08])).toEqual(["DMASTPB 1"]);
  });
  test("the lc1 forms 0x2D/0x2F and the unconditional 0x28/0x2C are forever loop ends, with a DMALPFE marker", () => {
    const lines = disassemble(Uint8Array.from([0x05, 0x2d, 0x01, 0x18, 0x28, 0x01, 0x07, 0x2f, 0x01, 0x18, 0x2c, 0x01]));
    expect(lines.map((l) => l.text)).toEqual([
      "DMALPFE",
      "DMALDS",
      "DMALPENDS lc1",
      "DMALPFE",
      "DMANOP",
      "DMALPEND lc0",
      "DMALPFE",
      "DMALDB",
      "DMALPENDB lc1",
      "DMALPFE",
      "DMANOP",
      "DMALPEND lc1",
    ]);
    expect(lines[0]!.bytes.length).toBe(0);
    expect(lines[2]!.comment).toMatch(/^forever loop, back 1/);
  });
});

describe("bytes that are not instructions", () => {
  test("unknown opcodes are `.byte 0xNN ; undefined`, one byte each", () => {
    const lines = disassemble(Uint8Array.from([0xff, 0x06, 0x0a, 0x3a, 0x00]));
    expect(lines.map((l) => [l.text, l.comment ?? ""])).toEqual([
      [".byte 0xff", "undefined"],
      [".byte 0x06", "undefined"],
      [".byte 0x0a", "undefined"],
      [".byte 0x3a", "undefined"],
      ["DMAEND", ""],
    ]);
    expect(lines.slice(0, 4).every((l) => l.invalid)).toBe(true);
  });
  test("reserved operand bits, a DMAMOV register above 2, and a truncated instruction", () => {
    const lines = disassemble(Uint8Array.from([0x34, 0x19, 0xbc, 0x03, 0, 0, 0, 0, 0xa0, 0x08, 0, 0, 0, 0, 0xbc, 0x01]));
    expect(lines.map((l) => l.text)).toEqual([
      ".byte 0x34, 0x19",
      ".byte 0xbc, 0x03, 0x00, 0x00, 0x00, 0x00",
      ".byte 0xa0, 0x08, 0x00, 0x00, 0x00, 0x00",
      ".byte 0xbc, 0x01",
    ]);
    expect(lines[0]!.comment).toMatch(/reserved operand bits/);
    expect(lines[1]!.comment).toMatch(/register 3/);
    expect(lines[3]!.comment).toBe("truncated DMAMOV (needs 6 bytes, 2 left)");
    expect(lines.reduce((n, l) => n + l.bytes.length, 0)).toBe(16);
  });
});

describe("listing and round trip", () => {
  const program = [
    "DMAMOV CCR, 0x00bdc2f7",
    "DMAMOV SAR, 0x00100000",
    "DMAMOV DAR, 0x00200000",
    "DMALP lc0, 32",
    "DMALP lc1, 256",
    "DMALD",
    "DMAST",
    "DMALPEND lc1",
    "DMALPEND lc0",
    "DMAADNH DAR, -4",
    "DMAWFE 2, invalid",
    "DMALPFE",
    "DMAWFPB 1",
    "DMALDB",
    "DMALPENDB lc1",
    "DMASTPS 3",
    "DMASEV 0",
    ".byte 0xff",
    "DMAEND",
  ].join("\n");

  test("disassembling assembled text gives the same text, and reassembling gives the same bytes", () => {
    const bytes = assemble(program).bytes;
    const lines = disassemble(bytes);
    expect(lines.map((l) => l.text).join("\n")).toBe(program);
    expect(assemble(lines.map((l) => l.text).join("\n")).bytes).toEqual(bytes);
  });

  test("listing lines: address, byte column, text ; comment", () => {
    const listing = formatListing(disassemble(Uint8Array.from([0xbc, 0x01, 0xf7, 0xc0, 0x3d, 0x00, 0x34, 0x00, 0x00]), { base: 0x2000 }));
    expect(listing).toEqual([
      "0x00002000: bc 01 f7 c0 3d 00  DMAMOV CCR, 0x003dc0f7 ; SB16 SS64 SAI SP0 SC0 DB16 DS64 DAI DP0 DC0 ES8",
      "0x00002006: 34 00              DMASEV 0",
      "0x00002008: 00                 DMAEND",
    ]);
  });

  test("hex text input: spaces, commas, 0x prefixes, runs, address columns and comments", () => {
    expect(Array.from(parseHexText("bc 01, 0xf7 c03d\n00000010: 00 # end\n; note\n"))).toEqual([0xbc, 0x01, 0xf7, 0xc0, 0x3d, 0x00]);
    expect(() => parseHexText("bc 0g")).toThrow(/line 1: '0g' is not hex bytes/);
    expect(() => parseHexText("bc\nabc")).toThrow(/line 2/);
  });
});
