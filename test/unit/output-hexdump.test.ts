// Policy: dump lines are built only from values already read (read-to-clear registers are touched once), memtool
// layout: region-relative offset, values padded to the width, ASCII from the same values in little-endian byte order,
// a short last line padded so the ASCII column lines up; -x swaps the value display only.
import { describe, expect, test } from "bun:test";
import { formatHexdump, valuesToBytes } from "../../src/cli/output/hexdump.ts";

/** A block of read-to-clear status registers: each read returns the latched value, then the register reads 0. */
function readToClear(latched: bigint[]) {
  const regs = [...latched];
  let reads = 0;
  return {
    read(i: number): bigint {
      reads++;
      const v = regs[i]!;
      regs[i] = 0n;
      return v;
    },
    get reads() {
      return reads;
    },
  };
}

describe("formatHexdump", () => {
  test("the conventions' example line", () => {
    expect(formatHexdump([0n, 0x200n, 0n, 0n], { width: 4, start: 0x20n })).toEqual([
      "00000020: 00000000 00000200 00000000 00000000  ................",
    ]);
  });

  test("read-to-clear values are shown as read, with a short last line", () => {
    const dev = readToClear([0x64636261n, 0x68676665n, 0x80000001n, 0x0000ff00n, 0x6c6c6548n]);
    const values = [0, 1, 2, 3, 4].map((i) => dev.read(i));
    const lines = formatHexdump(values, { width: 4, start: 0x100n });
    expect(dev.reads).toBe(5);
    expect(lines).toEqual([
      "00000100: 64636261 68676665 80000001 0000ff00  abcdefgh........",
      "00000110: 6c6c6548                             Hell",
    ]);
    // The ASCII column starts at the same place on both lines.
    expect(lines[0]!.indexOf("abcd")).toBe(lines[1]!.indexOf("Hell"));
  });

  test("8-bit values, 16 a line", () => {
    const values = [...Array(18)].map((_, i) => BigInt(0x41 + i));
    expect(formatHexdump(values, { width: 1 })).toEqual([
      "00000000: 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP",
      "00000010: 51 52                                            QR",
    ]);
  });

  test("16-bit values", () => {
    expect(formatHexdump([0x4241n, 0x0a7en, 0x7f20n], { width: 2, start: 0x8n })).toEqual([
      "00000008: 4241 0a7e 7f20                           AB~. .",
    ]);
  });

  test("64-bit values", () => {
    expect(formatHexdump([1n, 0x4847464544434241n, 0xffn], { width: 8 })).toEqual([
      "00000000: 0000000000000001 4847464544434241  ........ABCDEFGH",
      "00000010: 00000000000000ff                   ........",
    ]);
  });

  test("-x swaps the value display, not the ASCII (bus order)", () => {
    expect(formatHexdump([0x12345678n], { width: 4 })).toEqual(["00000000: 12345678                             xV4."]);
    expect(formatHexdump([0x12345678n], { width: 4, swap: true })).toEqual([
      "00000000: 78563412                             xV4.",
    ]);
  });

  test("offsets above 32 bits widen the column", () => {
    expect(formatHexdump([0n], { width: 4, start: 0x1_0000_0000n })[0]).toStartWith("100000000: 00000000");
  });

  test("no values, no lines", () => expect(formatHexdump([], { width: 4 })).toEqual([]));
});

test("valuesToBytes is little-endian per value", () => {
  expect([...valuesToBytes([0x11223344n, 0xaabbccddn], 4)]).toEqual([0x44, 0x33, 0x22, 0x11, 0xdd, 0xcc, 0xbb, 0xaa]);
  expect([...valuesToBytes([0x0102n], 2)]).toEqual([0x02, 0x01]);
});
