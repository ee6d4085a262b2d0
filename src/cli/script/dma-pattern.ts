// The one home of the DMA test patterns: what `run`'s `dma fill` writes and `dma expect` checks, and what `dma-test`
// copies. Every pattern is a pure function of the byte's position: incrementing is the position's low byte; random
// with seed S is Marsaglia's xorshift32 (shifts 13, 17, 5) started from S (0 starts from 0x9e3779b9), each step giving
// 4 bytes low byte first, so the same seed gives the same bytes on every machine and run. `run` names the seed
// (random:SEED); `bytes:36,00` repeats the bytes given, in order (a tiny PL330 program, a header); dma-test's plain `random` takes a fresh seed from the CSPRNG per copy. Big buffers are filled and
// checked in chunks, so a signal stops a fill or a check between two of them.
import type { DmaPattern } from "./parse-script.ts";

/** The pattern's text form, as the script writes it. */
export function patternName(p: DmaPattern): string {
  switch (p.kind) {
    case "byte":
      return `0x${p.value.toString(16).padStart(2, "0")}`;
    case "random":
      return `random:${p.seed}`;
    case "bytes":
      return `bytes:${p.bytes.map((b) => b.toString(16).padStart(2, "0")).join(",")}`;
    default:
      return p.kind;
  }
}

/**
 * The pattern's period in bytes (its bytes repeat with it from the first byte on), or undefined for random: a copy of
 * a periodic pattern, or of its complement, can be written one period at a time and doubled at memory speed.
 */
export function patternPeriod(p: DmaPattern): number | undefined {
  switch (p.kind) {
    case "random":
      return undefined;
    case "incrementing":
      return 256;
    case "bytes":
      return p.bytes.length;
    default:
      return 1;
  }
}

/** True on a little-endian host: a Uint32Array store then lays a word out low byte first, as the byte form does. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One step of Marsaglia's xorshift32 (13, 17, 5); the result as a signed 32-bit value (its bits are what count). */
const xorshift = (x: number): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  return x ^ (x << 5);
};

/**
 * A seed from the system's CSPRNG, for a random pattern nobody asked to reproduce (dma-test's `--pattern random`
 * takes a fresh one for every copy, so no stale destination can pass by accident).
 */
export function freshSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * A pattern's bytes in order, handed out in pieces of any length: `fill` continues where the last call stopped, so a
 * big buffer can be filled or checked chunk by chunk (with a signal checkpoint between chunks) and without a copy.
 * Fills run at memory speed: incrementing writes one 256-byte period and doubles it with copyWithin; random stores
 * whole 32-bit words where the piece is word-aligned (position and memory) and bytes only at its ends.
 */
export class PatternStream {
  private pos = 0;
  private x: number;

  constructor(private readonly p: DmaPattern) {
    // A zero xorshift state would stay zero, so seed 0 starts from a fixed odd constant.
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
      case "incrementing": {
        // One period, then doubling copies: a byte loop over 1 GiB takes seconds, copyWithin a fraction of one.
        const period = Math.min(out.length, 256);
        for (let i = 0; i < period; i++) out[i] = (start + i) & 0xff;
        for (let n = 256; n < out.length; n *= 2) out.copyWithin(n, 0, Math.min(n, out.length - n));
        return;
      }
      case "random":
        this.x = fillRandom(out, start, this.x);
        return;
      case "bytes":
        for (let i = 0; i < out.length; i++) out[i] = p.bytes[(start + i) % p.bytes.length]!;
        return;
    }
  }
}

/**
 * Bytes [start, start+out.length) of the xorshift32 stream whose state before byte `start`'s word is `x`: each step
 * gives 4 bytes, low byte first. Returns the state after the last byte written.
 */
function fillRandom(out: Uint8Array, start: number, x: number): number {
  let i = 0;
  const byteAt = (at: number): void => {
    const k = (start + at) & 3;
    if (k === 0) x = xorshift(x);
    out[at] = (x >>> (8 * k)) & 0xff;
  };
  for (; i < out.length && (start + i) & 3; i++) byteAt(i); // finish the word a previous piece started
  const words = (out.length - i) >>> 2;
  if (LITTLE_ENDIAN && words > 0 && (out.byteOffset + i) % 4 === 0) {
    const w32 = new Uint32Array(out.buffer, out.byteOffset + i, words);
    // The step written out (not xorshift()): this loop is the whole cost of a 1 GiB random fill.
    for (let j = 0; j < words; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      w32[j] = x;
    }
    i += words * 4;
  }
  for (; i < out.length; i++) byteAt(i);
  return x >>> 0;
}

/** `length` bytes of pattern `p`, from its first byte. */
export function patternBytes(p: DmaPattern, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  new PatternStream(p).fill(out);
  return out;
}

const asBuffer = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.length);

/**
 * The first index where `a` and `b` (same length) differ, or -1: memcmp over 16 MiB pieces (few enough that a 1 GiB
 * compare makes 64 calls, not 16 384), the piece that differs narrowed in 64 KiB pieces, and a byte loop only inside
 * the small piece that differs (a byte loop over a whole 1 GiB copy would take seconds).
 */
export function firstDifference(a: Uint8Array, b: Uint8Array, piece = 1 << 24): number {
  for (let at = 0; at < a.length; at += piece) {
    const end = Math.min(a.length, at + piece);
    if (asBuffer(a.subarray(at, end)).equals(asBuffer(b.subarray(at, end)))) continue;
    if (piece > 1 << 16) return at + firstDifference(a.subarray(at, end), b.subarray(at, end), 1 << 16);
    for (let i = at; i < end; i++) if (a[i] !== b[i]) return i;
  }
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
    const i = firstDifference(piece, w);
    if (i >= 0) return { at: off + i, want: w[i]! };
  }
  return undefined;
}
