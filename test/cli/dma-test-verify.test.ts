// Policy: dma-test's verify finds what a wrong copy leaves — a destination never written (it starts as the source's
// complement), the first byte that differs, a guard byte the DMA changed before or after the destination (reported
// ahead of a data difference) — on a plan of plain memory, no device; and `--pattern random` draws a fresh seed
// for every copy, so a stale destination from the last copy cannot pass.
import { describe, expect, test } from "bun:test";
import { copyPattern } from "../../src/cli/dma-test/options.ts";
import { GUARD, type CopyPlan } from "../../src/cli/dma-test/plan.ts";
import { guardByte, prepareDestination, verifyCopy } from "../../src/cli/dma-test/verify.ts";
import { patternBytes, patternPeriod } from "../../src/cli/script/dma-pattern.ts";
import type { DmaPattern } from "../../src/cli/script/parse-script.ts";

/** A plan over plain memory: `size` bytes of source (random unless given), a destination with its guards. */
function planOf(size: number, pattern: DmaPattern = { kind: "random", seed: 5 }): CopyPlan {
  const src = patternBytes(pattern, size);
  const dst = new Uint8Array(size + 2 * GUARD);
  return {
    size,
    srcData: src,
    dstData: dst.subarray(GUARD, GUARD + size),
    dstBuffer: { bytes: dst, size: dst.length },
  } as unknown as CopyPlan;
}
const copy = (p: CopyPlan) => p.dstData.set(p.srcData!);

describe("dma-test verify", () => {
  test("a prepared destination that no copy touched fails at byte 0; a faithful copy passes", () => {
    const p = planOf(4099);
    prepareDestination(p);
    expect(verifyCopy(p)).toMatchObject({ where: "data", offset: 0 });
    for (let i = 0; i < p.size; i++) expect(p.dstData[i]).toBe(~p.srcData![i]! & 0xff);
    copy(p);
    expect(verifyCopy(p)).toBeUndefined();
  });
  test("a periodic source (incrementing, a 3-byte pattern, one byte) is complemented a period at a time: every byte", () => {
    const patterns: DmaPattern[] = [{ kind: "incrementing" }, { kind: "bytes", bytes: [1, 0x80, 0xfe] }, { kind: "byte", value: 0xa5 }];
    for (const pattern of patterns) {
      const p = planOf(100_003, pattern);
      prepareDestination(p, patternPeriod(pattern));
      const want = p.srcData!.map((b) => ~b & 0xff);
      expect(Buffer.compare(p.dstData, want)).toBe(0);
      expect(verifyCopy(p)).toMatchObject({ where: "data", offset: 0 });
      copy(p);
      expect(verifyCopy(p)).toBeUndefined();
    }
  });
  test("the first differing byte with what was expected and what was found", () => {
    const p = planOf(70_000);
    prepareDestination(p);
    copy(p);
    p.dstData[69_998] = p.srcData![69_998]! ^ 0x0f;
    p.dstData[66_000] = p.srcData![66_000]! ^ 0xff;
    expect(verifyCopy(p)).toEqual({ where: "data", offset: 66_000, expected: p.srcData![66_000]!, got: p.srcData![66_000]! ^ 0xff });
  });
  test("a changed guard byte, before or after, wins over a data difference; offsets are from the destination's start", () => {
    const p = planOf(100);
    prepareDestination(p);
    const bytes = (p.dstBuffer as unknown as { bytes: Uint8Array }).bytes;
    expect(bytes[0]).toBe(guardByte(0));
    bytes[GUARD + 103] = guardByte(GUARD + 103) ^ 1;
    expect(verifyCopy(p)).toEqual({ where: "guard after", offset: 103, expected: guardByte(GUARD + 103), got: guardByte(GUARD + 103) ^ 1 });
    bytes[GUARD - 8] = guardByte(GUARD - 8) ^ 0x80;
    expect(verifyCopy(p)).toEqual({ where: "guard before", offset: -8, expected: guardByte(GUARD - 8), got: guardByte(GUARD - 8) ^ 0x80 });
  });
  test("--pattern random: every copy gets its own seed; the other patterns stay as given", () => {
    const seeds = new Set(Array.from({ length: 6 }, () => (copyPattern({ kind: "random" }) as { seed: number }).seed));
    expect(seeds.size).toBeGreaterThan(1);
    expect(copyPattern({ kind: "byte", value: 0xa5 })).toEqual({ kind: "byte", value: 0xa5 });
  });
});
