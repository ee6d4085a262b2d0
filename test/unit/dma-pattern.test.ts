// The DMA test patterns (run's dma verbs and dma-test): each a pure function of the position, so `dma expect` can check
// a range without a copy of what `dma fill` wrote; random:SEED is the same stream on every run and differs between
// seeds; the fast fills (word-wise random, doubling incrementing) give exactly the bytes of the plain definition.
import { expect, test } from "bun:test";
import { fillPattern, findMismatch, firstDifference, freshSeed, PATTERN_CHUNK, PatternStream, patternBytes, patternName } from "../../src/cli/script/dma-pattern.ts";
import { parsePattern } from "../../src/cli/script/parse-script.ts";

test("incrementing wraps at 256; zeros, ones and a byte fill", () => {
  const inc = patternBytes({ kind: "incrementing" }, 300);
  expect([inc[0], inc[1], inc[255], inc[256], inc[299]]).toEqual([0, 1, 255, 0, 43]);
  expect(patternBytes({ kind: "zeros" }, 4)).toEqual(new Uint8Array([0, 0, 0, 0]));
  expect(patternBytes({ kind: "ones" }, 3)).toEqual(new Uint8Array([0xff, 0xff, 0xff]));
  expect(patternBytes({ kind: "byte", value: 0xa5 }, 2)).toEqual(new Uint8Array([0xa5, 0xa5]));
});

test("random:SEED is deterministic, seed-dependent, a prefix of itself, and not constant", () => {
  const a = patternBytes({ kind: "random", seed: 7 }, 4096);
  expect(patternBytes({ kind: "random", seed: 7 }, 4096)).toEqual(a);
  expect(patternBytes({ kind: "random", seed: 7 }, 13)).toEqual(a.subarray(0, 13));
  expect(patternBytes({ kind: "random", seed: 8 }, 4096)).not.toEqual(a);
  expect(new Set(a).size).toBeGreaterThan(200);
  expect(patternBytes({ kind: "random", seed: 0 }, 64).some((b) => b !== 0)).toBe(true); // seed 0 is no stuck state
});

test("firstDifference finds the first differing byte, in any 64 KiB piece, -1 when all match", () => {
  const a = patternBytes({ kind: "incrementing" }, 200_000);
  const b = a.slice();
  expect(firstDifference(a, b)).toBe(-1);
  b[150_001] = a[150_001]! ^ 1;
  b[199_999] = a[199_999]! ^ 1;
  expect(firstDifference(a, b)).toBe(150_001);
  b[40] = a[40]! ^ 0xff;
  expect(firstDifference(a, b)).toBe(40);
  expect(firstDifference(new Uint8Array(0), new Uint8Array(0))).toBe(-1);
});

test("firstDifference over several 16 MiB pieces: the first difference in a later piece, narrowed to its byte", () => {
  const n = (40 << 20) + 3; // three pieces, the last one short
  const a = patternBytes({ kind: "incrementing" }, n);
  const b = a.slice();
  expect(firstDifference(a, b)).toBe(-1);
  for (const at of [n - 1, (32 << 20) + 65_537, (16 << 20) + 5, (16 << 20) - 1]) {
    b[at] = a[at]! ^ 0x80;
    expect(firstDifference(a, b)).toBe(at); // each new one lies before the earlier ones
  }
});

/** The patterns by their plain definition, one byte at a time: what the fast fills must reproduce. */
function reference(p: { kind: "random"; seed: number } | { kind: "incrementing" }, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  if (p.kind === "incrementing") {
    for (let i = 0; i < length; i++) out[i] = i % 256;
    return out;
  }
  let x = p.seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    if (i % 4 === 0) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
    }
    out[i] = Math.floor(x / 256 ** (i % 4)) % 256;
  }
  return out;
}

test("the fast fills give the plain definition's bytes: aligned or not in memory, whole or in odd pieces", () => {
  for (const p of [{ kind: "random", seed: 0xdeadbeef }, { kind: "random", seed: 0 }, { kind: "incrementing" }] as const) {
    const want = reference(p, 70_001);
    expect(patternBytes(p, 70_001)).toEqual(want);
    // Memory not word-aligned: the word path must not run there (or must give the same bytes).
    const backing = new Uint8Array(70_003);
    new PatternStream(p).fill(backing.subarray(1, 70_002));
    expect(backing.subarray(1, 70_002)).toEqual(want);
    // Pieces that start inside a word and inside a 256-byte period, then a long one (the doubling path).
    const pieces = new Uint8Array(70_001);
    const stream = new PatternStream(p);
    let off = 0;
    for (const n of [3, 1, 6, 300, 69_691]) {
      stream.fill(pieces.subarray(off, off + n));
      off += n;
    }
    expect(pieces).toEqual(want);
    // The same pieces each in its own word-aligned memory: a piece starting mid-word must still finish that word.
    const separate = new Uint8Array(70_001);
    const again = new PatternStream(p);
    off = 0;
    for (const n of [3, 1, 6, 300, 69_691]) {
      const own = new Uint8Array(n);
      again.fill(own);
      separate.set(own, off);
      off += n;
    }
    expect(separate).toEqual(want);
  }
});

test("freshSeed draws from the CSPRNG: 32-bit values, not all the same", () => {
  const seeds = Array.from({ length: 8 }, freshSeed);
  for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 0xffff_ffff).toBe(true);
  expect(new Set(seeds).size).toBeGreaterThan(1);
});

test("names round-trip through the parser", () => {
  for (const text of ["incrementing", "zeros", "ones", "0x5a", "random:1234"]) expect(patternName(parsePattern(text))).toBe(text);
  expect(patternName(parsePattern("0xA"))).toBe("0x0a");
});

test("random:7 starts with the bytes it always had (scripts and the lab compare against them)", () => {
  expect(Buffer.from(patternBytes({ kind: "random", seed: 7 }, 8)).toString("hex")).toBe("e7e01c000792091c");
});

test("a PatternStream handed out in pieces of any length gives the same bytes as one piece", () => {
  for (const p of [{ kind: "random", seed: 99 }, { kind: "incrementing" }, { kind: "byte", value: 0x3c }] as const) {
    const whole = patternBytes(p, 1000);
    const stream = new PatternStream(p);
    const pieces = new Uint8Array(1000);
    let off = 0;
    for (const n of [1, 3, 5, 2, 7, 4, 13, 64, 901]) {
      stream.fill(pieces.subarray(off, off + n));
      off += n;
    }
    expect(off).toBe(1000);
    expect(pieces).toEqual(whole);
  }
});

test("chunked fill and check: the same bytes, the first mismatch and its expected byte, across chunk borders", async () => {
  const n = PATTERN_CHUNK * 2 + 5;
  const buf = new Uint8Array(n);
  let turns = 0;
  await fillPattern(buf, { kind: "random", seed: 3 }, async () => void turns++);
  expect(turns).toBe(2); // between the 3 chunks, not before the first
  expect(buf).toEqual(patternBytes({ kind: "random", seed: 3 }, n));
  expect(await findMismatch(buf, { kind: "random", seed: 3 }, async () => {})).toBeUndefined();
  const at = PATTERN_CHUNK + 17;
  const want = buf[at]!;
  buf[at] = want ^ 0xff;
  expect(await findMismatch(buf, { kind: "random", seed: 3 }, async () => {})).toEqual({ at, want });
});

test("a checkpoint that throws stops a fill between chunks: the rest stays unfilled", async () => {
  const buf = new Uint8Array(PATTERN_CHUNK * 3);
  const stop = new Error("SIGINT");
  await expect(fillPattern(buf, { kind: "ones" }, async () => { throw stop; })).rejects.toBe(stop);
  expect(buf[PATTERN_CHUNK - 1]).toBe(0xff);
  expect(buf[PATTERN_CHUNK]).toBe(0);
});
