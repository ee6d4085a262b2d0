// The byte patterns `dma fill` writes and `dma expect` checks. Every pattern is a pure function of the byte's position
// in the filled or compared range, so a check needs no copy of what was written: incrementing is the position's low
// byte, random:SEED is a xorshift32 stream started from the seed (the same bytes on every machine and run).
import type { DmaPattern } from "./parse-script.ts";

/** The pattern's text form, as the script writes it. */
export function patternName(p: DmaPattern): string {
  switch (p.kind) {
    case "byte":
      return `0x${p.value.toString(16).padStart(2, "0")}`;
    case "random":
      return `random:${p.seed}`;
    default:
      return p.kind;
  }
}

/** `length` bytes of pattern `p`, from its first byte. */
export function patternBytes(p: DmaPattern, length: number): Uint8Array {
  const out = new Uint8Array(length);
  switch (p.kind) {
    case "zeros":
      return out;
    case "ones":
      return out.fill(0xff);
    case "byte":
      return out.fill(p.value);
    case "incrementing":
      for (let i = 0; i < length; i++) out[i] = i & 0xff;
      return out;
    case "random": {
      // xorshift32 (Marsaglia); a zero state would stay zero, so seed 0 starts from a fixed odd constant.
      let x = p.seed >>> 0 || 0x9e3779b9;
      for (let i = 0; i < length; i += 4) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
      }
      return out;
    }
  }
}

/** The first position where `got` differs from the pattern, or -1. */
export function firstMismatch(got: Uint8Array, p: DmaPattern): number {
  const want = patternBytes(p, got.length);
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}
