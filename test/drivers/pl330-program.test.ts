// Policy: the memcpy program is Linux's, byte for byte, for the worked examples of pl330-smmu.md §1.10 (CCR
// 0x003DC0F7 / 0x00BDC2F7, the 27-byte 4096-byte program, the 1 MiB variant), and for every size from 1 byte to 64 MiB
// and any alignment it moves exactly the requested bytes: a small interpreter written here (independent of the
// project's ISA table) runs each program and counts what its loads and stores move.
import { describe, expect, test } from "bun:test";
import { decodeCcr, encodeCcr, formatCcr, parseCcrText, ccrProblems } from "../../src/drivers/pl330/ccr.ts";
import { buildMemcpyProgram, memcpyBurstLen, memcpyBurstSize, type MemcpyTarget } from "../../src/drivers/pl330/program-builder.ts";

const ZYNQ: MemcpyTarget = { busWidthBits: 64, dataBufDep: 256, numChannels: 8, revision: 2, managerNs: false };
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].map((x) => x.toString(16).padStart(2, "0")).join(" ");

describe("CCR", () => {
  test("the doc's aligned 64-bit memcpy values: 0x003DC0F7 secure, 0x00BDC2F7 non-secure", () => {
    const f = { srcBurstSize: 8, dstBurstSize: 8, srcBurstLen: 16, dstBurstLen: 16 };
    expect(encodeCcr(f)).toBe(0x003dc0f7);
    expect(encodeCcr({ ...f, srcProt: 2, dstProt: 2 })).toBe(0x00bdc2f7);
  });
  test("decoding the Virtual Open Systems test's CCR 0x00BE42F9: 16 x 16-byte bursts, prot 2", () => {
    expect(decodeCcr(0x00be42f9)).toEqual({
      srcInc: true,
      srcBurstSize: 16,
      srcBurstLen: 16,
      srcProt: 2,
      srcCache: 0,
      dstInc: true,
      dstBurstSize: 16,
      dstBurstLen: 16,
      dstProt: 2,
      dstCache: 0,
      endianSwap: 8,
    });
  });
  test("each field lands on its bits", () => {
    expect(encodeCcr({ srcInc: false, dstInc: false })).toBe(0);
    expect(encodeCcr({ srcInc: false, dstInc: false, srcCache: 7 })).toBe(7 << 11);
    expect(encodeCcr({ srcInc: false, dstInc: false, dstCache: 5 })).toBe(5 << 25);
    expect(encodeCcr({ srcInc: false, dstInc: false, endianSwap: 32 })).toBe(2 << 28);
    expect(encodeCcr({ srcInc: false, dstInc: false, dstProt: 4 })).toBe(4 << 22);
  });
  test("TRM syntax both ways, and bad fields refused", () => {
    expect(formatCcr(decodeCcr(0x00bdc2f7))).toBe("SB16 SS64 SAI SP2 SC0 DB16 DS64 DAI DP2 DC0 ES8");
    expect(encodeCcr(parseCcrText("SB16 SS64 SAI SP2 SC0 DB16 DS64 DAI DP2 DC0 ES8"))).toBe(0x00bdc2f7);
    expect(encodeCcr(parseCcrText("SAF DAF"))).toBe(0);
    expect(() => parseCcrText("SB0")).toThrow(/outside 1\.\.16/);
    expect(() => parseCcrText("SS24")).toThrow(RangeError);
    expect(() => parseCcrText("XX1")).toThrow(/unknown CCR field/);
    expect(() => parseCcrText("SB2 SB4")).toThrow(/given twice/);
    expect(() => encodeCcr({ srcBurstSize: 3 })).toThrow(RangeError);
  });
  test("reserved encodings are reported", () => {
    expect(ccrProblems(0x003dc0f7)).toEqual([]);
    expect(ccrProblems((5 << 1) | (1 << 31))).toEqual(["source burst size code is reserved (5..7)", "bit 31 is reserved"]);
  });
});

describe("burst sizing", () => {
  test("beat = bus width halved until src, dst and size are multiples", () => {
    expect(memcpyBurstSize(0x1000, 0x2000, 4096, 64)).toBe(8);
    expect(memcpyBurstSize(0x1004, 0x2000, 4096, 64)).toBe(4);
    expect(memcpyBurstSize(0x1000, 0x2000, 4098, 64)).toBe(2);
    expect(memcpyBurstSize(0x1000, 0x2001, 4096, 64)).toBe(1);
    expect(memcpyBurstSize(0x1000, 0x2000, 4096, 128)).toBe(16);
  });
  test("length = min(16, bus bytes x lines / channels >> size), 1 when narrower than the bus", () => {
    expect(memcpyBurstLen(8, ZYNQ)).toBe(16);
    expect(memcpyBurstLen(8, { ...ZYNQ, dataBufDep: 16 })).toBe(2); // 8 x 16 / 8 = 16 bytes -> 2 beats
    expect(memcpyBurstLen(4, { ...ZYNQ, busWidthBits: 32 })).toBe(16);
    expect(memcpyBurstLen(4, ZYNQ)).toBe(1);
    expect(memcpyBurstLen(8, { ...ZYNQ, dataBufDep: 4 })).toBe(1); // never 0
  });
});

describe("the worked programs, byte for byte", () => {
  const SRC = 0x0010_0000;
  const DST = 0x0020_0000;
  const head = (ccr: number) => `bc 01 ${le32(ccr)} bc 00 ${le32(SRC)} bc 02 ${le32(DST)}`;

  test("4096 bytes, channel/event 0: the 27-byte program", () => {
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 4096, event: 0 }, ZYNQ);
    expect(p.bytes.length).toBe(27);
    expect(hex(p.bytes)).toBe(`${head(0x003dc0f7)} 22 1f 04 08 3c 02 34 00 00`);
    expect(p).toMatchObject({ ccr: 0x003dc0f7, burstSize: 8, burstLen: 16, bursts: 32, dregBeats: 0 });
  });
  test("the same with a non-secure manager: CCR 0x00BDC2F7", () => {
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 4096, event: 0 }, { ...ZYNQ, managerNs: true });
    expect(hex(p.bytes)).toBe(`${head(0x00bdc2f7)} 22 1f 04 08 3c 02 34 00 00`);
  });
  test("1 MiB: LC0 32 x LC1 256", () => {
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 1 << 20, event: 0 }, ZYNQ);
    expect(hex(p.bytes)).toBe(`${head(0x003dc0f7)} 20 1f 22 ff 04 08 3c 02 38 06 34 00 00`);
  });
  test("r0p0 gets the barrier body LD;RMB;ST;WMB", () => {
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 4096, event: 3 }, { ...ZYNQ, revision: 0 });
    expect(hex(p.bytes)).toBe(`${head(0x003dc0f7)} 22 1f 04 12 08 13 3c 04 34 18 00`);
  });
  test("leftover beats: one short burst with both lengths set to the remaining beat count", () => {
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 4096 + 24, event: 0 }, ZYNQ);
    expect(hex(p.bytes)).toBe(`${head(0x003dc0f7)} 22 1f 04 08 3c 02 bc 01 ${le32(0x0009c027)} 04 08 34 00 00`);
    expect(p).toMatchObject({ bursts: 32, dregBeats: 3, dregCcr: 0x0009c027 });
  });
  test("65536 bursts and more: both counters 256, body unrolled (8 MiB: once, 64 MiB: 8 times)", () => {
    const p8 = buildMemcpyProgram({ src: SRC, dst: DST, size: 8 << 20, event: 0 }, ZYNQ);
    expect(hex(p8.bytes)).toBe(`${head(0x003dc0f7)} 20 ff 22 ff 04 08 3c 02 38 06 34 00 00`);
    const p64 = buildMemcpyProgram({ src: SRC, dst: DST, size: 64 << 20, event: 0 }, ZYNQ);
    expect(hex(p64.bytes)).toBe(`${head(0x003dc0f7)} 20 ff 22 ff ${"04 08 ".repeat(8)}3c 10 38 14 34 00 00`);
  });
  test("a single burst needs no loop; a single byte is a 1 x 1-byte burst", () => {
    expect(hex(buildMemcpyProgram({ src: SRC, dst: DST, size: 128, event: 0 }, ZYNQ).bytes)).toBe(`${head(0x003dc0f7)} 04 08 34 00 00`);
    const p = buildMemcpyProgram({ src: SRC, dst: DST, size: 1, event: 1 }, ZYNQ);
    expect(hex(p.bytes)).toBe(`${head(0x00004001)} 04 08 34 08 00`);
  });
  test("refuses what a 32-bit master cannot do", () => {
    expect(() => buildMemcpyProgram({ src: 0xffff_f000, dst: 0, size: 0x2000, event: 0 }, ZYNQ)).toThrow(/32-bit/);
    expect(() => buildMemcpyProgram({ src: 0, dst: 0x1000, size: 0, event: 0 }, ZYNQ)).toThrow(/at least 1 byte/);
    expect(() => buildMemcpyProgram({ src: 0, dst: 0x1000, size: 8, event: 32 }, ZYNQ)).toThrow(/event 32/);
  });
});

/** What running a memcpy program moves, by an interpreter that knows only the handful of opcodes memcpy uses. */
function run(bytes: Uint8Array): { loads: number; stores: number; sar: number; dar: number; sev: number[]; ended: boolean; maxJump: number } {
  let pc = 0;
  let sar = 0;
  let dar = 0;
  let ccr = 0;
  const lc = [0, 0];
  let loads = 0;
  let stores = 0;
  let mfifo = 0;
  let maxJump = 0;
  const sev: number[] = [];
  const u32 = (at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  for (let steps = 0; steps < 1e9; steps++) {
    const op = bytes[pc];
    if (op === undefined) throw new Error(`ran off the end at ${pc}`);
    switch (op) {
      case 0xbc: {
        const v = u32(pc + 2);
        const rd = bytes[pc + 1];
        if (rd === 0) sar = v;
        else if (rd === 1) ccr = v;
        else if (rd === 2) dar = v;
        else throw new Error(`bad DMAMOV register ${rd}`);
        pc += 6;
        break;
      }
      case 0x20:
      case 0x22:
        lc[(op >> 1) & 1] = bytes[pc + 1]!;
        pc += 2;
        break;
      case 0x38:
      case 0x3c: {
        const n = (op >> 2) & 1;
        const jump = bytes[pc + 1]!;
        maxJump = Math.max(maxJump, jump);
        if (lc[n] !== 0) {
          lc[n]!--;
          pc -= jump;
        } else pc += 2;
        break;
      }
      case 0x04: {
        const beat = 1 << ((ccr >> 1) & 7);
        const n = beat * (((ccr >> 4) & 0xf) + 1);
        if (sar % beat) throw new Error("unaligned load");
        sar += n;
        loads += n;
        mfifo += n;
        pc += 1;
        break;
      }
      case 0x08: {
        const beat = 1 << ((ccr >> 15) & 7);
        const n = beat * (((ccr >> 18) & 0xf) + 1);
        if (dar % beat) throw new Error("unaligned store");
        if (mfifo < n) throw new Error("store without data");
        dar += n;
        stores += n;
        mfifo -= n;
        pc += 1;
        break;
      }
      case 0x12:
      case 0x13:
        pc += 1;
        break;
      case 0x34:
        sev.push(bytes[pc + 1]! >> 3);
        pc += 2;
        break;
      case 0x00:
        return { loads, stores, sar, dar, sev, ended: true, maxJump };
      default:
        throw new Error(`unexpected opcode 0x${op.toString(16)} at ${pc}`);
    }
  }
  throw new Error("did not end");
}

describe("every size moves exactly its bytes (interpreted)", () => {
  const sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4099, 32768 + 8, 65535, 65536, 256 * 128 + 128, 1 << 20, (1 << 20) + 8];
  const alignments: [number, number][] = [
    [0x1000, 0x10_0000],
    [0x1004, 0x10_0000],
    [0x1001, 0x10_0003],
  ];
  for (const size of sizes) {
    for (const [src, dst] of alignments) {
      test(`${size} bytes, src 0x${src.toString(16)}, dst 0x${dst.toString(16)}`, () => {
        for (const target of [ZYNQ, { ...ZYNQ, revision: 0 }, { ...ZYNQ, busWidthBits: 32, dataBufDep: 16, numChannels: 4 }]) {
          const p = buildMemcpyProgram({ src, dst, size, event: 5 }, target);
          const r = run(p.bytes);
          expect(r).toMatchObject({ loads: size, stores: size, sar: src + size, dar: dst + size, sev: [5], ended: true });
          expect(p.bursts * p.burstSize * p.burstLen + p.dregBeats * p.burstSize).toBe(size);
          expect(p.dregBeats).toBeLessThan(p.burstLen);
        }
      });
    }
  }
  test("64 MiB aligned, and 8 MiB + 1 with 1-byte beats (more bursts than one unrolled block holds)", () => {
    for (const [size, src] of [
      [64 << 20, 0x1000],
      [(8 << 20) + 1, 0x1001],
    ] as const) {
      const p = buildMemcpyProgram({ src, dst: 0x1000_0000, size, event: 0 }, ZYNQ);
      const r = run(p.bytes);
      expect(r).toMatchObject({ loads: size, stores: size, sar: src + size, dar: 0x1000_0000 + size, sev: [0] });
      expect(r.maxJump).toBeLessThanOrEqual(255);
      expect(p.bursts * p.burstSize * p.burstLen + p.dregBeats * p.burstSize).toBe(size);
    }
  });
});
