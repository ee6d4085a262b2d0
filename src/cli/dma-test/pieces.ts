// dma-test's copy, cut into the PL330 jobs that do it. Behind an IOMMU the source and destination are each one run of
// IOVAs: one job. On noiommu they are physical runs (pinned pages, merged where adjacent), and a memcpy program moves
// one contiguous range to another: one job per stretch where both sides stay contiguous.
import type { DmaBuffer, DmaSegment } from "../../vfio/dma-buffer.ts";

/** One PL330 memcpy: `size` bytes from bus address `src` to bus address `dst`. */
export interface CopyPiece {
  src: bigint;
  dst: bigint;
  size: number;
}

/** The run of `segments` holding byte `offset`, and the bus address of that byte. */
function locate(segments: readonly DmaSegment[], offset: number): { address: bigint; left: number } {
  const s = segments.find((x) => offset >= x.offset && offset < x.offset + x.length);
  if (!s) throw new RangeError(`offset ${offset} is outside the buffer`);
  return { address: s.address + BigInt(offset - s.offset), left: s.offset + s.length - offset };
}

/**
 * The jobs copying `size` bytes from byte `srcAt` of `src` to byte `dstAt` of `dst`, each as long as both sides stay
 * in one run. `src` absent (nothing mapped there: --inject unmapped-src): one job from `srcAddress`.
 */
export function copyPieces(src: DmaBuffer | { address: bigint }, srcAt: number, dst: DmaBuffer, dstAt: number, size: number): CopyPiece[] {
  const srcSegments: readonly DmaSegment[] = "segments" in src ? src.segments : [{ offset: 0, address: src.address, length: srcAt + size }];
  const pieces: CopyPiece[] = [];
  for (let done = 0; done < size; ) {
    const s = locate(srcSegments, srcAt + done);
    const d = locate(dst.segments, dstAt + done);
    const n = Math.min(s.left, d.left, size - done);
    pieces.push({ src: s.address, dst: d.address, size: n });
    done += n;
  }
  return pieces;
}

/**
 * `pieces` shaped by an injection that changes the program: the first job starts `shift` bytes early (into the guard
 * before the destination, physically adjacent: the guard shares the destination's first page), and the copy ends
 * `size - copySize` bytes short (jobs trimmed, or dropped, from the end).
 */
export function shapePieces(pieces: CopyPiece[], copySize: number, shift: number): CopyPiece[] {
  const out = pieces.map((p) => ({ ...p }));
  if (shift > 0 && out[0]) out[0].dst -= BigInt(shift);
  let total = out.reduce((n, p) => n + p.size, 0);
  while (total > copySize && out.length > 0) {
    const last = out[out.length - 1]!;
    const cut = Math.min(last.size, total - copySize);
    last.size -= cut;
    total -= cut;
    if (last.size === 0) out.pop();
  }
  return out;
}
