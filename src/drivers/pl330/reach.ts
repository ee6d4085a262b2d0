// The PL330's 32-bit reach: it is a 32-bit AXI master (DMA-330 TRM: SAR, DAR, CPC and DMAMOV immediates are 32 bits),
// so every byte it fetches or moves must lie below 4 GiB of the address space it sees (IOVAs behind an IOMMU, physical
// addresses without one). The one home of that limit and its check: the driver, dma-test and pl330 exec all use it.
import type { DmaBuffer } from "../../vfio/dma-buffer.ts";
import { Pl330Error } from "./errors.ts";

/** The first address a PL330 cannot reach (4 GiB). */
export const PL330_REACH = 1n << 32n;

/** True when [address, address + length) lies wholly below PL330_REACH. */
export function withinReach(address: bigint, length: number | bigint): boolean {
  return address >= 0n && address + BigInt(length) <= PL330_REACH;
}

/**
 * Why [start, start+length) is out of the PL330's reach (`what` names the range: "program", "source"), or undefined
 * when the channel can address all of it. A number `start` must be a safe integer.
 */
export function rangeProblem(what: string, start: bigint | number, length: number): string | undefined {
  const ok = typeof start === "bigint" ? withinReach(start, length) : Number.isSafeInteger(start) && withinReach(BigInt(start), length);
  return ok ? undefined : `${what} range 0x${start.toString(16)}+${length} does not fit the PL330's 32-bit address space`;
}

/**
 * The address a PL330 register holds for the first `length` bytes of `buffer` (its IOVA, or on noiommu its physical
 * address), refused when any run of those bytes ends beyond 4 GiB. `what` names the buffer in the refusal ("source").
 * @throws Pl330Error `out-of-reach` with the run's address and whether it is physical
 */
export function pl330BufferAddress(device: string, what: string, buffer: Pick<DmaBuffer, "iova" | "segments" | "physical">, length: number): number {
  for (const s of buffer.segments) {
    if (s.offset >= length) continue;
    const bytes = Math.min(s.length, length - s.offset);
    if (!withinReach(s.address, bytes)) {
      const kind = buffer.physical ? "physical address" : "IOVA";
      throw new Pl330Error(
        { reason: "out-of-reach", what, address: s.address, end: s.address + BigInt(bytes), physical: buffer.physical },
        device,
        `the ${what} buffer landed at ${kind} 0x${s.address.toString(16)}, beyond the PL330's 32-bit reach`,
      );
    }
  }
  return Number(buffer.iova);
}
