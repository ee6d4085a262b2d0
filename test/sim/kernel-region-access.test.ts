// vfio-platform's read/write path at the device: a recording model shows the exact accesses one pread/pwrite turns
// into (32-bit where 4 bytes remain at a 4-aligned offset, else 16-bit, else 8-bit; never 64-bit), the clamping of the
// count at the region end, read-only and I/O-port regions, and that a mapping's accessor is one access of its width.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import { regionOffset } from "../../src/vfio/abi/constants.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { bindVfio, expectErrno, openRaw, regionInfo, type RawSession } from "../helpers/sim-kernel.ts";
import { REC_DEV, RECORDERS, type Recorder, recorderBoard, registerRecorder } from "../helpers/sim-recorder.ts";

beforeAll(registerRecorder);

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function open(): { b: TestBoard["b"]; s: RawSession; rec: Recorder } {
  board = makeSimBoard(recorderBoard());
  const { b } = board;
  bindVfio(b, "platform", REC_DEV);
  const s = openRaw(b, "platform", REC_DEV);
  const rec = RECORDERS.get(REC_DEV)!;
  expect(rec).toBeDefined();
  return { b, s, rec };
}

/** Fill region 0 with bytes 0x00, 0x01, ... through 32-bit pwrites, then forget those accesses. */
function fillPattern(b: TestBoard["b"], s: RawSession, rec: Recorder): void {
  const bytes = Uint8Array.from({ length: 0x1000 }, (_, i) => i & 0xff);
  expect(b.pwrite(s.device, bytes, 0)).toBe(0x1000);
  rec.log.length = 0;
}

describe("pread splitting", () => {
  test("8 bytes at 0 = two 32-bit reads, low word first, bytes in order", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    const buf = new Uint8Array(8);
    expect(b.pread(s.device, buf, 0x10)).toBe(8);
    expect(rec.accesses()).toEqual([["read", 0, 0x10, 4], ["read", 0, 0x14, 4]]);
    expect([...buf]).toEqual([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
  });

  test("3 bytes at offset 1 = an 8-bit then a 16-bit read", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    const buf = new Uint8Array(3);
    expect(b.pread(s.device, buf, 1)).toBe(3);
    expect(rec.accesses()).toEqual([["read", 0, 1, 1], ["read", 0, 2, 2]]);
    expect([...buf]).toEqual([1, 2, 3]);
  });

  test("6 bytes at offset 2 = a 16-bit then a 32-bit read", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    const buf = new Uint8Array(6);
    expect(b.pread(s.device, buf, 2)).toBe(6);
    expect(rec.accesses()).toEqual([["read", 0, 2, 2], ["read", 0, 4, 4]]);
    expect([...buf]).toEqual([2, 3, 4, 5, 6, 7]);
  });

  test("7 bytes at offset 3 = 8, 32, 16 bits", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    expect(b.pread(s.device, new Uint8Array(7), 3)).toBe(7);
    expect(rec.accesses()).toEqual([["read", 0, 3, 1], ["read", 0, 4, 4], ["read", 0, 8, 2]]);
  });

  test("the count is clamped at the region end: a short read of what is left", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    const buf = new Uint8Array(16).fill(0xee);
    expect(b.pread(s.device, buf, 0xffa)).toBe(6);
    expect(rec.accesses()).toEqual([["read", 0, 0xffa, 2], ["read", 0, 0xffc, 4]]);
    expect([...buf]).toEqual([0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, ...new Array(10).fill(0xee)]);
  });

  test("region 1 (read-only, 0x80 bytes) is read at offset 1 << 40 and clamped at 0x80", () => {
    const { b, s, rec } = open();
    expect(regionInfo(b, s.device, 1)).toMatchObject({ flags: 0x1, size: 0x80n, offset: BigInt(regionOffset(1)) });
    expect(b.pread(s.device, new Uint8Array(8), regionOffset(1) + 0x7c)).toBe(4);
    expect(rec.accesses()).toEqual([["read", 1, 0x7c, 4]]);
    expectErrno(() => b.pread(s.device, new Uint8Array(4), regionOffset(1) + 0x80), "EINVAL");
  });
});

describe("pwrite splitting", () => {
  test("8 bytes at 0 = two 32-bit writes, low word first, little-endian values", () => {
    const { b, s, rec } = open();
    rec.log.length = 0;
    expect(b.pwrite(s.device, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0)).toBe(8);
    expect(rec.log).toEqual([
      { op: "write", region: 0, offset: 0, width: 4, value: 0x04030201n },
      { op: "write", region: 0, offset: 4, width: 4, value: 0x08070605n },
    ]);
  });

  test("3 bytes at offset 1 = 8-bit then 16-bit; 6 bytes at 2 = 16-bit then 32-bit", () => {
    const { b, s, rec } = open();
    rec.log.length = 0;
    expect(b.pwrite(s.device, Uint8Array.of(0xa1, 0xa2, 0xa3), 1)).toBe(3);
    expect(b.pwrite(s.device, Uint8Array.of(1, 2, 3, 4, 5, 6), 0x22)).toBe(6);
    expect(rec.log).toEqual([
      { op: "write", region: 0, offset: 1, width: 1, value: 0xa1n },
      { op: "write", region: 0, offset: 2, width: 2, value: 0xa3a2n },
      { op: "write", region: 0, offset: 0x22, width: 2, value: 0x0201n },
      { op: "write", region: 0, offset: 0x24, width: 4, value: 0x06050403n },
    ]);
  });

  test("a write is clamped at the region end too (short write)", () => {
    const { b, s, rec } = open();
    rec.log.length = 0;
    expect(b.pwrite(s.device, new Uint8Array(8).fill(0x5a), 0xffd)).toBe(3);
    expect(rec.accesses()).toEqual([["write", 0, 0xffd, 1], ["write", 0, 0xffe, 2]]);
  });

  test("pwrite to the read-only region and pread/pwrite of the I/O-port region are EINVAL, with no device access", () => {
    const { b, s, rec } = open();
    expect(regionInfo(b, s.device, 2)).toMatchObject({ flags: 0, size: 0x10n });
    rec.log.length = 0;
    expectErrno(() => b.pwrite(s.device, new Uint8Array(4), regionOffset(1)), "EINVAL");
    expectErrno(() => b.pread(s.device, new Uint8Array(4), regionOffset(2)), "EINVAL");
    expectErrno(() => b.pwrite(s.device, new Uint8Array(4), regionOffset(2)), "EINVAL");
    expect(rec.accesses()).toEqual([]);
  });
});

describe("mmap accesses", () => {
  test("each accessor is exactly one access of its width: read64 is one 64-bit read", () => {
    const { b, s, rec } = open();
    fillPattern(b, s, rec);
    const m = b.mmap(s.device, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    expect(m.read64(0x18)).toBe(0x1f1e1d1c1b1a1918n);
    expect(m.read16(0x42)).toBe(0x4342);
    m.write8(0x7, 0x99);
    m.write64(0x20, 0x1122334455667788n);
    expect(rec.log).toEqual([
      { op: "read", region: 0, offset: 0x18, width: 8, value: 0x1f1e1d1c1b1a1918n },
      { op: "read", region: 0, offset: 0x42, width: 2, value: 0x4342n },
      { op: "write", region: 0, offset: 0x7, width: 1, value: 0x99n },
      { op: "write", region: 0, offset: 0x20, width: 8, value: 0x1122334455667788n },
    ]);
    m.unmap();
  });

  test("a misaligned or out-of-range accessor is a RangeError before any device access", () => {
    const { b, s, rec } = open();
    const m = b.mmap(s.device, 0x1000, PROT_READ, MAP_SHARED, 0);
    rec.log.length = 0;
    expect(() => m.read32(2)).toThrow(RangeError);
    expect(() => m.read32(0x1000)).toThrow(RangeError);
    expect(() => m.write32(0, 1)).toThrow(RangeError); // PROT_READ only
    expect(rec.log).toEqual([]);
    m.unmap();
  });

  test("mmap of the non-page-sized read-only region is EINVAL, as is PROT_WRITE beyond the region or a private map", () => {
    const { b, s } = open();
    expectErrno(() => b.mmap(s.device, 0x1000, PROT_READ, MAP_SHARED, regionOffset(1)), "EINVAL");
    expectErrno(() => b.mmap(s.device, 0x2000, PROT_READ, MAP_SHARED, 0), "EINVAL");
    expectErrno(() => b.mmap(s.device, 0x1000, PROT_READ, 0x02 /* MAP_PRIVATE */, 0), "EINVAL");
  });
});
