// blk-test's run: bring the disk up, refuse a range it does not have before anything is written, write the seeded
// pattern request by request, flush the device's cache when it has one, read everything back and compare it byte for
// byte with the pattern recomputed. The data buffers are DMA buffers the driver may scatter (noiommu) or not (IOMMU).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { VirtioBlk, VirtioBlkInfo } from "../../drivers/virtio/blk.ts";
import { BLK_S } from "../../drivers/virtio/blk-layout.ts";
import { VirtioError } from "../../drivers/virtio/errors.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import type { DmaSpace } from "../../vfio/dma-space.ts";
import { UsageError } from "../usage-error.ts";
import { checkpoint } from "../interrupt.ts";
import { pinningWarning } from "../output/library-words.ts";
import { SECTOR_SIZE } from "../../spec/virtio-blk.ts";
import { fillSectors } from "./pattern.ts";

export interface BlkTestOptions {
  deviceSpec: string;
  sector: number;
  count: number;
  seed: number;
  requestSize: number;
  timeoutMs: number;
}

/** What a run measured. */
export interface BlkTestResult {
  bytes: number;
  /** Requests of each kind. */
  writes: number;
  reads: number;
  flushed: boolean;
  writeNs: bigint;
  readNs: bigint;
  /** The first byte that differs from the pattern (offset from the range's first byte), when one does. */
  mismatch?: { offset: number; sector: number; byteInSector: number; expected: number; got: number };
}

/** The options, checked: --sector is required (blk-test overwrites it), the request size a multiple of 512. */
export function checkBlkTestOptions(args: string[], o: { sector?: number; count: number; seed: number; requestSize: number; timeout: number }): BlkTestOptions {
  const [deviceSpec] = args;
  if (!deviceSpec) throw new UsageError("blk-test needs a device", "vfio-plat blk-test DEVICE --sector N [--count N]");
  if (o.sector === undefined) {
    throw new UsageError(
      "blk-test overwrites the sectors it tests and has no default: name them with --sector",
      "pick sectors whose data you can lose, e.g. --sector 2048 --count 128",
    );
  }
  if (o.requestSize % SECTOR_SIZE !== 0) throw new UsageError(`invalid --request-size '${o.requestSize}': not a multiple of 512`, "use 4k, 64k, 128k ...");
  return { deviceSpec, sector: o.sector, count: o.count, seed: o.seed, requestSize: o.requestSize, timeoutMs: o.timeout };
}

/**
 * The range must lie on the disk: refused before anything is written.
 * @throws UsageError naming the disk's size
 */
export function checkRange(name: string, info: VirtioBlkInfo, o: BlkTestOptions): void {
  const end = BigInt(o.sector) + BigInt(o.count);
  if (end > info.capacity) {
    throw new UsageError(
      `sectors ${o.sector}..${end - 1n} are not all on ${name}: it has ${info.capacity} sectors (0..${info.capacity - 1n})`,
      info.capacity >= BigInt(o.count) ? `use --sector 0..${info.capacity - BigInt(o.count)} for --count ${o.count}` : `use --count ${info.capacity} or less`,
    );
  }
}

/**
 * Write, flush, read back and verify. `onCleanup` gets one cleanup, registered before the first allocation: reset the
 * device (blk.remove, idempotent) and only then release the two data buffers, whatever ended the run; when the reset
 * is not confirmed the cleanup throws VirtioError reset-failed and releases nothing.
 * @throws VirtioError, VirtioTimeoutError, AbortedError from the driver
 */
export async function runBlkTest(
  b: KernelBoundary,
  space: DmaSpace,
  blk: VirtioBlk,
  o: BlkTestOptions,
  onCleanup: (fn: () => void) => void,
  signal: AbortSignal,
  /** Told once when the data buffers are in memory the kernel may still move (noiommu, locked small pages). */
  warn: (line: string) => void,
): Promise<BlkTestResult> {
  const info = blk.info!;
  const perRequest = Math.min(o.requestSize, o.count * SECTOR_SIZE);
  const buffers: DmaBuffer[] = [];
  onCleanup(() => {
    // The device first (reset: it stops all DMA), then the memory it could still reach. A reset not confirmed
    // throws here, and the data buffers are kept (leaked until exit) rather than handed back while the device runs.
    blk.remove();
    while (buffers.length) buffers.pop()!.release();
  });
  // Data may scatter over pages (noiommu): the driver gives the device one descriptor per physically contiguous run.
  const out = DmaBuffer.allocate(b, space, perRequest, { read: true, write: false }, undefined, { contiguous: false });
  buffers.push(out);
  const back = DmaBuffer.allocate(b, space, perRequest, { read: true, write: true }, undefined, { contiguous: false });
  buffers.push(back);
  const warning = pinningWarning(out.pinning);
  if (warning) warn(warning);
  const expected = new Uint8Array(perRequest);
  const req = { timeoutMs: o.timeoutMs, signal };
  const total = o.count * SECTOR_SIZE;
  const result: BlkTestResult = { bytes: total, writes: 0, reads: 0, flushed: false, writeNs: 0n, readNs: 0n };

  let t0 = process.hrtime.bigint();
  for (let done = 0; done < total; done += perRequest) {
    const n = Math.min(perRequest, total - done);
    const first = o.sector + done / SECTOR_SIZE;
    fillSectors(out.bytes, o.seed, first, n / SECTOR_SIZE);
    await checkpoint(signal);
    await blk.write(BigInt(first), out, 0, n, req);
    result.writes++;
  }
  if (info.flush) {
    await blk.flush(req);
    result.flushed = true;
  }
  result.writeNs = process.hrtime.bigint() - t0;

  t0 = process.hrtime.bigint();
  let readNs = 0n;
  for (let done = 0; done < total; done += perRequest) {
    const n = Math.min(perRequest, total - done);
    const first = o.sector + done / SECTOR_SIZE;
    back.bytes.fill(0, 0, n);
    await checkpoint(signal);
    const r0 = process.hrtime.bigint();
    await blk.read(BigInt(first), back, 0, n, req);
    readNs += process.hrtime.bigint() - r0;
    result.reads++;
    fillSectors(expected, o.seed, first, n / SECTOR_SIZE);
    const at = firstDifference(back.bytes.subarray(0, n), expected.subarray(0, n));
    if (at >= 0) {
      const offset = done + at;
      result.mismatch = { offset, sector: o.sector + Math.floor(offset / SECTOR_SIZE), byteInSector: offset % SECTOR_SIZE, expected: expected[at]!, got: back.bytes[at]! };
      break;
    }
  }
  result.readNs = readNs;
  return result;
}

/**
 * The disk's serial, or undefined when the device does not implement GET_ID (it answers UNSUPP). Anything else (a
 * timeout, which leaves the request in flight sharing the status byte; an abort; a device asking for a reset) is
 * rethrown: the run must not go on.
 */
export async function optionalSerial(id: Promise<string>): Promise<string | undefined> {
  try {
    return await id;
  } catch (e) {
    if (e instanceof VirtioError && e.refusal.reason === "request-failed" && e.refusal.status === BLK_S.UNSUPP) return undefined;
    throw e;
  }
}

/** Index of the first byte where `a` and `b` differ, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
