// dma-test's verification: before each copy the destination holds the source's complement (a copy that never
// happened cannot pass) between guards of a known sequence; after it, the first byte that differs from the source,
// or the first guard byte the copy changed (a DMA that wrote outside its destination).
import { firstDifference } from "../script/dma-pattern.ts";
import { GUARD, type CopyPlan } from "./plan.ts";

/** Guard byte i: a sequence no copy of the patterns reproduces by accident over a whole guard. */
export const guardByte = (i: number): number => (i * 7 + 0x5a) & 0xff;

/** The first wrong byte: in the data (offset from the destination's start) or in a guard (negative before it, >= size after). */
export interface Mismatch {
  where: "data" | "guard before" | "guard after";
  offset: number;
  expected: number;
  got: number;
}

/** `out` = the bitwise complement of `from` (same length; may be the same bytes): words where both are aligned. */
function complement(out: Uint8Array, from: Uint8Array): void {
  const words = out.byteOffset % 4 === 0 && from.byteOffset % 4 === 0 ? out.length >>> 2 : 0;
  const o32 = new Uint32Array(out.buffer, out.byteOffset, words);
  const f32 = new Uint32Array(from.buffer, from.byteOffset, words);
  for (let i = 0; i < words; i++) o32[i] = ~f32[i]!;
  for (let i = words * 4; i < out.length; i++) out[i] = ~from[i]! & 0xff;
}

/**
 * Make the destination what no correct copy leaves: the complement of the source (of itself when the source is not
 * mapped), and the guard sequence on both sides. `period`: the source holds a pattern repeating with that period from
 * its first byte (dma-pattern.ts patternPeriod), so one period is complemented and doubled at memory speed (a JS word
 * loop over 256 MiB took 40 ms); undefined complements every word.
 */
export function prepareDestination(plan: CopyPlan, period?: number): void {
  const { dstBuffer: dst, dstData, srcData } = plan;
  const from = srcData ?? dstData;
  if (period !== undefined && period > 0 && dstData.length > 2 * period) {
    complement(dstData.subarray(0, period), from.subarray(0, period));
    for (let n = period; n < dstData.length; n *= 2) dstData.copyWithin(n, 0, Math.min(n, dstData.length - n));
  } else {
    complement(dstData, from);
  }
  for (let i = 0; i < GUARD; i++) dst.bytes[i] = guardByte(i);
  for (let i = GUARD + plan.size; i < dst.size; i++) dst.bytes[i] = guardByte(i);
}

/**
 * The copy's first wrong byte, or undefined when the destination equals the source and both guards are intact. A
 * changed guard is reported before a data difference (it says more: the DMA wrote where it must not).
 */
export function verifyCopy(plan: CopyPlan): Mismatch | undefined {
  const { dstBuffer: dst, dstData, size } = plan;
  const srcData = plan.srcData!;
  for (let i = 0; i < GUARD; i++) {
    if (dst.bytes[i] !== guardByte(i)) return { where: "guard before", offset: i - GUARD, expected: guardByte(i), got: dst.bytes[i]! };
  }
  for (let i = GUARD + size; i < dst.size; i++) {
    if (dst.bytes[i] !== guardByte(i)) return { where: "guard after", offset: i - GUARD, expected: guardByte(i), got: dst.bytes[i]! };
  }
  const bad = firstDifference(dstData, srcData);
  return bad < 0 ? undefined : { where: "data", offset: bad, expected: srcData[bad]!, got: dstData[bad]! };
}
