// The byte patterns `dma fill` writes and `dma expect` checks. Every pattern is a pure function of the byte's position
// in the filled or compared range, so a check needs no copy of what was written: incrementing is the position's low
// byte, random:SEED is a xorshift32 stream started from the seed (the same bytes on every machine and run). Big
// buffers are filled and checked in chunks, so a signal stops `dma fill`/`dma expect` between two of them.
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

/**
 * A pattern's bytes in order, handed out in pieces of any length: `fill` continues where the last call stopped, so a
 * big buffer can be filled or checked chunk by chunk (with a signal checkpoint between chunks) and without a copy.
 */
export class PatternStream {
  private pos = 0;
  private x: number;

  constructor(private readonly p: DmaPattern) {
    // xorshift32 (Marsaglia); a zero state would stay zero, so seed 0 starts from a fixed odd constant.
    this.x = p.kind === "random" ? p.seed >>> 0 || 0x9e3779b9 : 0;
  }

  /** Write the next `out.length` bytes of the pattern into `out`. */
  fill(out: Uint8Array): void {
    const p = this.p;
    const start = this.pos;
    this.pos += out.length;
    switch (p.kind) {
      case "zeros":
        out.fill(0);
        return;
      case "ones":
        out.fill(0xff);
        return;
      case "byte":
        out.fill(p.value);
        return;
      case "incrementing":
        for (let i = 0; i < out.length; i++) out[i] = (start + i) & 0xff;
        return;
      case "random": {
        // Each step of the generator gives 4 bytes, low byte first; a piece may start or end inside a step.
        let x = this.x;
        for (let i = 0; i < out.length; i++) {
          const k = (start + i) & 3;
          if (k === 0) {
            x ^= x << 13;
            x >>>= 0;
            x ^= x >>> 17;
            x ^= x << 5;
            x >>>= 0;
          }
          out[i] = (x >>> (8 * k)) & 0xff;
        }
        this.x = x;
        return;
      }
    }
  }
}

/** `length` bytes of pattern `p`, from its first byte. */
export function patternBytes(p: DmaPattern, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  new PatternStream(p).fill(out);
  return out;
}

/** The first position where `got` differs from the pattern, or -1. */
export function firstMismatch(got: Uint8Array, p: DmaPattern): number {
  const want = patternBytes(p, got.length);
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

/** Bytes filled or checked between two checkpoints in the chunked forms below (about a millisecond of work). */
export const PATTERN_CHUNK = 1 << 20;

/**
 * Fill `dst` with pattern `p` chunk by chunk, awaiting `between()` before every chunk after the first (a signal
 * checkpoint: it throws to stop, leaving the rest unfilled).
 */
export async function fillPattern(dst: Uint8Array, p: DmaPattern, between: () => Promise<void>): Promise<void> {
  const stream = new PatternStream(p);
  for (let off = 0; off < dst.length; off += PATTERN_CHUNK) {
    if (off > 0) await between();
    stream.fill(dst.subarray(off, Math.min(off + PATTERN_CHUNK, dst.length)));
  }
}

/**
 * The first position where `got` differs from pattern `p` and the byte expected there, or undefined when all match;
 * checked chunk by chunk with `between()` awaited between chunks, as fillPattern.
 */
export async function findMismatch(
  got: Uint8Array,
  p: DmaPattern,
  between: () => Promise<void>,
): Promise<{ at: number; want: number } | undefined> {
  const stream = new PatternStream(p);
  const want = new Uint8Array(Math.min(PATTERN_CHUNK, got.length));
  for (let off = 0; off < got.length; off += PATTERN_CHUNK) {
    if (off > 0) await between();
    const piece = got.subarray(off, Math.min(off + PATTERN_CHUNK, got.length));
    const w = want.subarray(0, piece.length);
    stream.fill(w);
    for (let i = 0; i < piece.length; i++) if (piece[i] !== w[i]) return { at: off + i, want: w[i]! };
  }
  return undefined;
}
