// The byte patterns of `run`'s dma verbs: each a pure function of the position, so `dma expect` can check a range
// without a copy of what `dma fill` wrote; random:SEED is the same stream on every run and differs between seeds.
import { expect, test } from "bun:test";
import { fillPattern, findMismatch, firstMismatch, PATTERN_CHUNK, PatternStream, patternBytes, patternName } from "../../src/cli/script/dma-pattern.ts";
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

test("firstMismatch finds the first differing byte, -1 when all match", () => {
  const got = patternBytes({ kind: "incrementing" }, 64);
  expect(firstMismatch(got, { kind: "incrementing" })).toBe(-1);
  got[40] = 0;
  expect(firstMismatch(got, { kind: "incrementing" })).toBe(40);
  expect(firstMismatch(new Uint8Array(8), { kind: "ones" })).toBe(0);
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
