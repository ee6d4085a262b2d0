// dma-test's plan: the buffers (source, destination with guards, microcode), their IOVAs below the PL330's 4 GiB
// reach, and the memcpy program, shaped by `--inject` (a buffer left unmapped or device-read-only, a program that
// stops short or starts early). On noiommu the buffers are pinned memory at physical addresses and the copy is one
// PL330 job per physically contiguous piece (pieces.ts). Nothing runs here: the run, the verify and the report read it.
import { PL330_REACH, pl330BufferAddress, withinReach } from "../../drivers/pl330/reach.ts";
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { Pl330Info } from "../../drivers/pl330/driver.ts";
import { buildMemcpyProgram, type MemcpyProgram } from "../../drivers/pl330/program-builder.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import { UnsupportedError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import { findFreeIova, type IovaRange } from "../../vfio/iommu-info.ts";
import type { VfioSession } from "../../vfio/session.ts";
import type { DmaTestOptions } from "./options.ts";
import { copyPieces, shapePieces, type CopyPiece } from "./pieces.ts";

/** Bytes of guard before and after the destination, inside its mapping; the copy must leave them untouched. */
export const GUARD = 256;

export interface CopyPlan {
  /** Bytes the copy should move (`size` of the options). */
  size: number;
  /** Bytes the program really copies: less than `size` for --inject short-copy. */
  copySize: number;
  /** Bytes the program starts before the destination: one beat for --inject shifted-dst, else 0. */
  shift: number;
  /** The source buffer (absent for --inject unmapped-src), the destination with its guards, the program buffer. */
  srcBuffer: DmaBuffer | undefined;
  dstBuffer: DmaBuffer;
  programBuffer: DmaBuffer | undefined;
  /** The source's bytes and the destination's bytes between the guards. */
  srcData: Uint8Array | undefined;
  dstData: Uint8Array;
  /** Where the driver writes the program (a throwaway copy when the program buffer is left unmapped). */
  programView: Uint8Array;
  /** Bus addresses: the destination's is its first byte after the front guard. */
  srcIova: number;
  dstIova: number;
  programIova: number;
  /** The program the run uses (the full one unless an injection changed it); on noiommu, the first piece's. */
  program: MemcpyProgram;
  /** The PL330 jobs one copy takes: one behind an IOMMU, one per physically contiguous piece on noiommu. */
  pieces: CopyPiece[];
  /** True when the bus addresses are physical addresses (a noiommu container). */
  physical: boolean;
  /** What an injection that changes the program does, and why the verify then fails. */
  injected: { what: string; why: string } | undefined;
  /** Unmap and free every buffer (idempotent; also registered as a cleanup). */
  release(): void;
}

/** A free IOVA of `length` bytes that nothing maps (for the unmapped injections), below 4 GiB. */
function unmappedIova(ranges: IovaRange[], length: number, page: number, mapped: readonly { iova: bigint; size: bigint }[]): number {
  const at = findFreeIova(ranges, BigInt(length), BigInt(page), mapped);
  if (at === undefined || !withinReach(at, length)) throw new UnsupportedError("no unmapped IOVA below 4 GiB to aim the DMA at");
  return Number(at);
}

const plural = (n: number) => `${n} byte${n === 1 ? "" : "s"}`;

/**
 * Allocate and map the buffers and build the program for `opts` on a DMAC described by `info`. The buffers are
 * released by `onCleanup` (registered before the first allocation), so a refusal half-way leaves nothing mapped;
 * `beforeRelease` runs once right before they are freed (dma-test's stopBeforeFree on noiommu).
 * @throws UsageError (--inject short-copy of 1 byte), UnsupportedError (a buffer beyond 4 GiB, no free IOVA),
 *   VfioError/SyscallError when a mapping fails
 */
export function planCopy(
  b: KernelBoundary,
  session: VfioSession,
  onCleanup: (fn: () => void) => void,
  opts: DmaTestOptions,
  info: Pl330Info,
  beforeRelease?: () => void,
): CopyPlan {
  const { size, channel, inject } = opts;
  const physical = session.dma.noiommu;
  // noiommu has no IOMMU to ask (VFIO_IOMMU_GET_INFO is ENOTTY there) and no unmapped injections (refused before).
  const window = physical ? undefined : session.dma.dmaWindow();
  const page = window ? Number(window.pageSize) : b.pageSize;
  const ranges = window?.iovaRanges ?? [{ start: 0n, end: PL330_REACH - 1n }];

  // Cleanups run in reverse: the caller registers the driver's (kill a running channel, disable interrupts) after
  // this, so it goes first, before any buffer is unmapped under a DMA that might still be running.
  const buffers: DmaBuffer[] = [];
  const release = () => {
    // noiommu: the caller's last check that the DMAC stopped (else a reset, or a warning) before the pages go back.
    if (buffers.length) beforeRelease?.();
    while (buffers.length) buffers.pop()!.release();
  };
  onCleanup(release);
  // noiommu: source and destination may lie in several physical runs (one job each); the program must be one run.
  const allocate = (length: number, perm: { read: boolean; write: boolean }, contiguous = false) => {
    const buf = DmaBuffer.allocate(b, session.dma, length, perm, undefined, { contiguous });
    buffers.push(buf);
    return buf;
  };
  // Memory: the source and the destination, nothing else per byte (the source is what the destination must equal).
  // Source: the device only reads it.
  const src = inject === "unmapped-src" ? undefined : allocate(size, { read: true, write: false });
  // Destination with guards, inside one mapping; device read+write (write withheld for --inject readonly-dst).
  const dst = allocate(size + 2 * GUARD, { read: true, write: inject !== "readonly-dst" });
  // Microcode: mapped device-READ-only on purpose. PL330 instruction fetches are privileged instruction reads, and on a
  // stage-1 SMMU (VMSAv8) a page writable at EL0 — every VFIO READ|WRITE mapping — is implicitly privileged-execute-
  // never (PXN): fetching the program from a read/write mapping takes a permission fault (pl330-smmu.md §2.3).
  const target = { ...info, revision: info.identity.revision };
  const fullProgram = buildMemcpyProgram({ src: 0, dst: GUARD, size, event: channel }, target);
  // --inject short-copy: the program leaves the last beat (a lone byte when the copy is one beat) uncopied;
  // --inject shifted-dst: it writes from one beat before the destination, into the guard there.
  const beat = fullProgram.burstSize;
  const copySize = inject === "short-copy" ? size - (size > beat ? beat : 1) : size;
  const shift = inject === "shifted-dst" ? beat : 0;
  if (copySize < 1) throw new UsageError("--inject short-copy needs at least 2 bytes to copy (it leaves the last beat uncopied)", "use --size 2 or more");
  const memcpy =
    copySize === size && shift === 0 ? fullProgram : buildMemcpyProgram({ src: 0, dst: GUARD - shift, size: copySize, event: channel }, target);
  const injected =
    inject === "short-copy"
      ? { what: `copies ${copySize} of ${size} bytes`, why: `left the last ${plural(size - copySize)} uncopied` }
      : inject === "shifted-dst"
        ? { what: `starts ${plural(shift)} before the destination`, why: `started the copy ${plural(shift)} before the destination` }
        : undefined;
  const programLength = Math.ceil(memcpy.bytes.length / page) * page;
  const program = inject === "unmapped-program" ? undefined : allocate(programLength, { read: true, write: false }, true);
  const programView = program ? program.bytes : new Uint8Array(programLength);
  const reach = (what: string, buf: DmaBuffer, length: number) => pl330BufferAddress(session.device.name, what, buf, length);
  const srcIova = src ? reach("source", src, size) : unmappedIova(ranges, size, page, session.dma.mappings);
  const dstIova = reach("destination", dst, dst.size) + GUARD;
  const programIova = program ? reach("program", program, programLength) : unmappedIova(ranges, programLength, page, session.dma.mappings);
  const pieces = shapePieces(copyPieces(src ?? { address: BigInt(srcIova) }, 0, dst, GUARD, size), copySize, shift);
  return {
    size,
    copySize,
    shift,
    srcBuffer: src,
    dstBuffer: dst,
    programBuffer: program,
    srcData: src?.bytes.subarray(0, size),
    dstData: dst.bytes.subarray(GUARD, GUARD + size),
    programView,
    srcIova,
    dstIova,
    programIova,
    program: memcpy,
    pieces,
    physical,
    injected,
    release,
  };
}
