// Policy: the accessors' optimised shape changes no result. After a loop has warmed every accessor up until the JIT has
// compiled and inlined its fast path, values with the top bit set still read back unsigned, stores still wrap modulo
// 2^width, and a negative, misaligned, fractional, 2 GiB-and-up or past-the-end offset is still a RangeError that
// touches no byte of the mapping. Every access is checked against the file's bytes, not against another accessor.
import { describe, expect, test } from "bun:test";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, type Mapping } from "../../src/boundary/kernel-boundary.ts";
import { k, scratchDir } from "../helpers/ffi.ts";

const dir = scratchDir();
const SIZE = k.pageSize;
let files = 0;

function mapFile(bytes: Uint8Array): { path: string; fd: number; m: Mapping } {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, "");
  truncateSync(path, SIZE);
  writeFileSync(path, bytes);
  const fd = k.open(path, O_RDWR);
  return { path, fd, m: k.mmap(fd, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0) };
}

/** Little-endian unsigned value of `width` bytes at `at`, from the file itself. */
function fileValue(bytes: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let b = width - 1; b >= 0; b--) v = v * 256 + bytes[at + b]!;
  return v;
}

/** Pseudo-random bytes (fixed seed), so about half of every element has its top bit set. */
function pattern(): Uint8Array {
  const bytes = new Uint8Array(SIZE);
  let x = 0x2545f491;
  for (let i = 0; i < SIZE; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const READS = [
  ["read8", 1, (m: Mapping, o: number) => m.read8(o)],
  ["read16", 2, (m: Mapping, o: number) => m.read16(o)],
  ["read32", 4, (m: Mapping, o: number) => m.read32(o)],
] as const;

describe("reads through the warmed-up fast path", () => {
  for (const [name, width, read] of READS) {
    test(`${name} returns every element unsigned, equal to the file's bytes`, () => {
      const bytes = pattern();
      const { fd, m } = mapFile(bytes);
      // Warm-up: enough calls for the optimising tiers to compile this loop with the accessor inlined.
      let sum = 0;
      for (let r = 0; r < 200; r++) for (let o = 0; o < SIZE; o += width) sum += read(m, o);
      expect(sum).toBeGreaterThan(0);
      let topBitSet = 0;
      for (let o = 0; o < SIZE; o += width) {
        const v = read(m, o);
        expect(v).toBe(fileValue(bytes, o, width));
        if (v >= 2 ** (width * 8 - 1)) topBitSet++;
      }
      expect(topBitSet).toBeGreaterThan(SIZE / width / 4);
      m.unmap();
      k.close(fd);
    });
  }

  test("read32 of 0x80000000 and 0xffffffff is 2147483648 and 4294967295, in and out of a loop", () => {
    const bytes = new Uint8Array(SIZE);
    bytes.set([0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff], 8);
    const { fd, m } = mapFile(bytes);
    let last = 0;
    for (let r = 0; r < 100_000; r++) last = m.read32(8 + (r & 1) * 4);
    expect(last).toBe(4294967295);
    expect(m.read32(8)).toBe(2147483648);
    expect(m.read32(12)).toBe(0xffffffff);
    expect(m.read64(8)).toBe(0xffffffff80000000n);
    m.unmap();
    k.close(fd);
  });
});

describe("writes through the warmed-up fast path", () => {
  test("write8/16/32 wrap modulo 2^width, write64 modulo 2^64, and land little-endian in the file", () => {
    const { path, fd, m } = mapFile(new Uint8Array(SIZE));
    for (let r = 0; r < 100_000; r++) {
      m.write8(r & 63, r);
      m.write16(64 + (r & 31) * 2, r);
      m.write32(128 + (r & 15) * 4, r);
    }
    m.write8(0, 0x1ff);
    m.write16(64, -1);
    m.write32(128, -1);
    m.write32(132, 2 ** 32 + 5);
    m.write32(136, 0x80000000);
    m.write64(144, -1n);
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes[0]).toBe(0xff);
    expect(fileValue(bytes, 64, 2)).toBe(0xffff);
    expect(fileValue(bytes, 128, 4)).toBe(0xffffffff);
    expect(fileValue(bytes, 132, 4)).toBe(5);
    expect(fileValue(bytes, 136, 4)).toBe(0x80000000);
    expect([...bytes.subarray(144, 152)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    // The loop's last store to the 16th word (the last r with r & 15 === 15) is in the file.
    let lastR = 0;
    for (let r = 0; r < 100_000; r++) if ((r & 15) === 15) lastR = r;
    expect(fileValue(bytes, 128 + 15 * 4, 4)).toBe(lastR);
    m.unmap();
    k.close(fd);
  });
});

describe("refusals after warm-up touch no byte", () => {
  // Offsets the fast shapes must still refuse: -4 passes `(o >>> 2) << 2 === o` in int32 arithmetic, so only the
  // view's bound refuses it; 2^31 and up fail that test and must reach the general check.
  const BAD = [-4, -8, -1, 4.5, NaN, Infinity, SIZE, SIZE + 4, 2 ** 31, 2 ** 32, 2 ** 32 + 4, 2 ** 33];
  /** The offsets one width must refuse: the common ones and each misalignment below its width. */
  const badFor = (width: number) => [...BAD, ...[1, 2, 4].filter((o) => o < width)];
  const accesses: [string, number, (m: Mapping, o: number) => unknown][] = [
    ["read16", 2, (m, o) => m.read16(o)],
    ["read32", 4, (m, o) => m.read32(o)],
    ["read64", 8, (m, o) => m.read64(o)],
    ["read8", 1, (m, o) => m.read8(o)],
    ["write8", 1, (m, o) => m.write8(o, 0xab)],
    ["write16", 2, (m, o) => m.write16(o, 0xabab)],
    ["write32", 4, (m, o) => m.write32(o, 0xabababab)],
    ["write64", 8, (m, o) => m.write64(o, 0xababababababababn)],
  ];
  for (const [name, width, access] of accesses) {
    test(`${name} refuses ${badFor(width).length} bad offsets with a RangeError and leaves the file as it was`, () => {
      const { path, fd, m } = mapFile(new Uint8Array(SIZE));
      for (let r = 0; r < 50_000; r++) access(m, (r & 7) * 8);
      const before = readFileSync(path);
      for (const o of badFor(width)) {
        expect(() => access(m, o), `${name}(${o})`).toThrow(RangeError);
      }
      expect(readFileSync(path).equals(before)).toBe(true);
      m.unmap();
      expect(() => access(m, 0)).toThrow(/unmapped/);
      k.close(fd);
    });
  }
});

describe("a 4 GiB mapping (sparse file; the largest an ArrayBuffer takes here)", () => {
  // -4 wraps to 2^32 - 4 under `>>> 0`; in a mapping this large that is a real element, so only a shape that keeps
  // negative offsets negative refuses it. The file is sparse: one page is ever touched.
  const BIG = 2 ** 32;
  test("negative offsets are refused, not wrapped to the element at 4 GiB - 4; offsets from 2 GiB up work", () => {
    const path = join(dir, "big");
    writeFileSync(path, "");
    truncateSync(path, BIG);
    const fd = k.open(path, O_RDWR);
    let m: Mapping;
    try {
      m = k.mmap(fd, BIG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    } catch (e) {
      k.close(fd);
      throw e;
    }
    try {
      const marker = new Uint8Array([0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad, 0xde]);
      expect(k.pwrite(fd, marker, 2 ** 32 - 8)).toBe(8);
      expect(m.read32(2 ** 32 - 4)).toBe(0xdeadbeef);
      for (let r = 0; r < 50_000; r++) m.read32((r & 7) * 4);
      for (const [o, access] of [
        [-4, () => m.read32(-4)],
        [-2, () => m.read16(-2)],
        [-8, () => m.read64(-8)],
        [-4, () => m.write32(-4, 1)],
        [-2, () => m.write16(-2, 1)],
        [-8, () => m.write64(-8, 1n)],
      ] as const) {
        expect(access, String(o)).toThrow(RangeError);
      }
      const seen = new Uint8Array(8);
      expect(k.pread(fd, seen, 2 ** 32 - 8)).toBe(8);
      expect([...seen]).toEqual([...marker]);
      // From 2 GiB up the general check serves the access, at the right place.
      m.write32(2 ** 31 + 4, 0x12345678);
      expect(m.read32(2 ** 31 + 4)).toBe(0x12345678);
      expect(k.pread(fd, seen.subarray(0, 4), 2 ** 31 + 4)).toBe(4);
      expect([...seen.subarray(0, 4)]).toEqual([0x78, 0x56, 0x34, 0x12]);
    } finally {
      m.unmap();
      k.close(fd);
    }
  });
});
