// `vfio-plat blk-test DEVICE --sector N`: a virtio-blk disk on a virtio-mmio transport, driven from user space
// through VFIO (IOMMU or noiommu). Writes a seeded pattern to the sectors the user named (destructive: there is no
// default sector), reads it back, verifies every byte (a mismatch is exit 8 with the first differing offset), and
// reports bytes, requests and time. The parts live in src/cli/blk-test/: options and run, pattern, words.
import { VirtioBlk } from "../../drivers/virtio/blk.ts";
import { SECTOR_SIZE } from "../../spec/virtio-blk.ts";
import { UnsupportedError, VerifyError } from "../../vfio/errors.ts";
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { CliContext } from "../context.ts";
import type { VfioSession } from "../../vfio/session.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { jsonDocument, jsonHex } from "../output/json.ts";
import { pinningNotice } from "../output/notices.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { virtioInWords } from "../blk-test/blk-words.ts";
import { checkBlkTestOptions, checkRange, optionalSerial, runBlkTest, type BlkTestOptions, type BlkTestResult } from "../blk-test/run.ts";
import type { VirtioBlkInfo } from "../../drivers/virtio/blk.ts";

/** The device-tree compatible of a virtio-mmio transport. */
const VIRTIO_MMIO_COMPATIBLE = "virtio,mmio";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"blk-test">): Promise<number> {
  try {
    return await blkTest(ctx, args, options);
  } catch (e) {
    throw virtioInWords(e);
  }
}

async function blkTest(ctx: CliContext, args: string[], options: OptionsOf<"blk-test">): Promise<number> {
  const o = checkBlkTestOptions(args, options);
  const { dev } = await findDevice(ctx, o.deviceSpec);
  if (dev.compatible.length > 0 && !dev.compatible.includes(VIRTIO_MMIO_COMPATIBLE)) {
    throw new UnsupportedError(
      `${dev.name} is not a virtio-mmio transport (compatible: ${dev.compatible.join(", ")})`,
      "blk-test drives a virtio-blk disk on a virtio,mmio transport; see vfio-plat list",
    );
  }
  const { b, session } = await openCliDevice(ctx, o.deviceSpec);
  const device = session.device;
  const blk = new VirtioBlk({ b, space: session.dma, regs: device.region(0), irq: device.irq(0), name: device.name });
  // Reset the device (it stops all DMA) before its rings are freed; runBlkTest's cleanup does the same before the data.
  ctx.onCleanup(() => blk.remove());
  const info = blk.init();
  let code: number;
  try {
    code = await testDisk(ctx, b, session, blk, info, o);
  } catch (e) {
    // The reset comes first whatever ended the run; a reset that fails is the worse news and is what gets reported.
    blk.remove();
    throw e;
  }
  // Reset now, not only in the cleanups (which cannot report): a reset not confirmed is a failed run (exit 1), and the
  // device's memory (rings and data) is then kept, not freed.
  blk.remove();
  return code;
}

async function testDisk(ctx: CliContext, b: KernelBoundary, session: VfioSession, blk: VirtioBlk, info: VirtioBlkInfo, o: BlkTestOptions): Promise<number> {
  const device = session.device;
  checkRange(device.name, info, o);
  const serial = await optionalSerial(blk.id({ timeoutMs: o.timeoutMs, signal: ctx.abort.signal }));
  if (!ctx.json) writeStdout(`${device.name}: ${describeDisk(info, serial)}${session.noiommu ? " (noiommu: physical addresses)" : ""}\n`);
  const r = await runBlkTest(b, session.dma, blk, o, (fn) => ctx.onCleanup(fn), ctx.abort.signal, (line) => writeStderr(pinningNotice(line, ctx.json)));
  const last = o.sector + o.count - 1;
  if (ctx.json) writeStdout(jsonDocument(jsonBody(device.name, info, serial, o, r, session.noiommu)));
  if (r.mismatch) {
    const m = r.mismatch;
    throw new VerifyError(
      `${device.name}: sector ${m.sector} byte ${m.byteInSector} (offset ${m.offset} of sectors ${o.sector}..${last}) reads 0x${hex2(m.got)}, ` +
        `0x${hex2(m.expected)} was written (seed ${o.seed})`,
    );
  }
  if (!ctx.json) {
    writeStdout(`wrote ${r.bytes} bytes to sectors ${o.sector}..${last} in ${r.writes} request${r.writes === 1 ? "" : "s"}${r.flushed ? " + flush" : ""}: ${ms(r.writeNs)} (${rate(r.bytes, r.writeNs)})\n`);
    writeStdout(`read back in ${r.reads} request${r.reads === 1 ? "" : "s"}: ${ms(r.readNs)} (${rate(r.bytes, r.readNs)}); verified ${r.bytes} bytes (seed ${o.seed})\n`);
  }
  return 0;
}

const hex2 = (v: number) => v.toString(16).padStart(2, "0");
const ms = (ns: bigint) => `${(Number(ns) / 1e6).toFixed(3)} ms`;
const rate = (bytes: number, ns: bigint) => (ns > 0n ? `${(bytes / (Number(ns) / 1e9) / (1 << 20)).toFixed(1)} MiB/s` : "-");

function describeDisk(info: VirtioBlkInfo, serial: string | undefined): string {
  const transport = info.version === 1 ? "legacy transport (Version 1)" : "modern transport (Version 2)";
  const size = Number(info.capacity) * SECTOR_SIZE;
  const human = size >= 1 << 20 ? `${(size / (1 << 20)).toFixed(size % (1 << 20) ? 1 : 0)} MiB` : `${size} bytes`;
  return `virtio-blk on a ${transport}, ${info.capacity} sectors (${human}), block size ${info.blkSize}${info.readOnly ? ", read-only" : ""}${serial ? `, serial "${serial}"` : ""}, queue of ${info.queueSize}`;
}

function jsonBody(name: string, info: VirtioBlkInfo, serial: string | undefined, o: { sector: number; count: number; seed: number }, r: BlkTestResult, noiommu: boolean) {
  return {
    device: name,
    transport: { version: info.version, vendor_id: jsonHex(info.vendorId), noiommu },
    disk: { capacity_sectors: Number(info.capacity), block_size: info.blkSize, read_only: info.readOnly, flush: info.flush, serial: serial ?? null, queue_size: info.queueSize },
    range: { first_sector: o.sector, sectors: o.count, seed: o.seed },
    bytes: r.bytes,
    requests: { write: r.writes, read: r.reads, flush: r.flushed ? 1 : 0 },
    write_ns: Number(r.writeNs),
    read_ns: Number(r.readNs),
    verified: r.mismatch === undefined,
    mismatch: r.mismatch ? { offset: r.mismatch.offset, sector: r.mismatch.sector, byte: r.mismatch.byteInSector, expected: jsonHex(r.mismatch.expected), got: jsonHex(r.mismatch.got) } : null,
  };
}
