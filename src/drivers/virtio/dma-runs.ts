// The device-visible address runs behind a byte range of a DmaBuffer: one run through an IOMMU (the buffer is
// contiguous in IOVA space), one per physically contiguous stretch on noiommu (DmaBuffer.segments). A virtio request
// describes its data with one descriptor per run, so a buffer of scattered pages needs no copying.
import type { DmaBuffer } from "../../vfio/dma-buffer.ts";

/** `length` bytes the device reaches at `address`. */
export interface DmaRun {
  address: bigint;
  length: number;
}

/**
 * The runs covering [offset, offset+length) of `buf`, in order, each at most `maxRun` bytes when given (a device's
 * size_max). @throws RangeError when the range is not inside the buffer
 */
export function dmaRuns(buf: DmaBuffer, offset: number, length: number, maxRun?: number): DmaRun[] {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > buf.size) {
    throw new RangeError(`bytes [${offset}, ${offset + length}) are not inside the ${buf.size}-byte buffer`);
  }
  const out: DmaRun[] = [];
  const end = offset + length;
  for (const s of buf.segments) {
    const from = Math.max(offset, s.offset);
    const to = Math.min(end, s.offset + s.length);
    for (let at = from; at < to; ) {
      const n = Math.min(to - at, maxRun ?? Infinity);
      out.push({ address: s.address + BigInt(at - s.offset), length: n });
      at += n;
    }
  }
  return out;
}
