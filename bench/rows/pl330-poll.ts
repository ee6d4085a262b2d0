// Row pl330-poll-while-looping (issue 12, item 5): what one register read costs while a PL330 channel runs a program
// that never ends. In process, on the simulated board with its real-time clock: channel 0 runs a forever loop that
// moves data between two fixed addresses (a FIFO-style loop the memcpy fast path cannot take), and the bench reads the
// channel's CSR through Region.read32. The reference is the same read with the channel stopped. The board is the
// default one, or --sim-board's (e.g. the real juno-r2.dtb, whose PL330 sits behind an MMU-401): its first PL330.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CSR } from "../../src/drivers/pl330/registers.ts";
import { debugGo, debugKill, channelTarget } from "../../src/drivers/pl330/debug.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import type { Region } from "../../src/vfio/region.ts";
import { openDevice } from "../../src/vfio/session.ts";
import type { BenchContext, RowGroup } from "../lib/context.ts";
import type { RowOutcome } from "../lib/row.ts";

/** The first PL330 of the board (2c0a0000.dma on the default board). */
function pl330Of(board: string | undefined): string | undefined {
  return boardSpecOf(board).devices.find((d) => d.model === "pl330")?.name;
}
/** A sample reads until it has this many reads or this much host time, whichever comes first. */
const READS = 2000;
const SAMPLE_MS = 1500;

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/**
 * DMAMOV CCR (8-byte beats x 16, fixed source and destination); DMAMOV SAR src; DMAMOV DAR dst; then forever:
 * DMALD; DMAST; DMALPEND (nf = 0, jump back 2 bytes).
 */
export function fifoLoopProgram(src: number, dst: number): number[] {
  const ccr = (3 << 1) | (15 << 4) | (3 << 15) | (15 << 18) | (1 << 9) | (1 << 23);
  return [0xbc, 1, ...le32(ccr), 0xbc, 0, ...le32(src), 0xbc, 2, ...le32(dst), 0x04, 0x08, 0x28, 2];
}

/**
 * One sample: the median of the reads' own times (µs), which a preemption of this process on a shared machine does not
 * move, and their mean (which also carries the write-behind of the running DMAC's registers and any preemption).
 */
function readLoop(region: Region): { median: number; mean: number } {
  const times: number[] = [];
  const t0 = performance.now();
  let acc = 0;
  while (times.length < READS && performance.now() - t0 < SAMPLE_MS) {
    const t = performance.now();
    acc ^= region.read32(CSR(0));
    times.push((performance.now() - t) * 1000);
  }
  sink ^= acc;
  const mean = ((performance.now() - t0) * 1000) / times.length;
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1]!, mean };
}

let sink = 0;

export const pl330PollRows: RowGroup = {
  name: "pl330 poll",
  rows: [
    {
      id: "pl330-poll-while-looping",
      what: "PL330 CSR read while a channel loops forever",
      vfioSide: "Region.read32(CSR0) on the simulated PL330 (real-time clock) while channel 0 runs DMALD; DMAST forever",
      referenceSide: "the same read with the channel stopped",
      unit: "us",
      goal: { kind: "delta-max", value: 100, unit: "µs" },
    },
  ],
  async run(ctx: BenchContext): Promise<Record<string, RowOutcome>> {
    const dir = join(ctx.tmp, "pl330-poll");
    mkdirSync(dir, { recursive: true });
    const device = pl330Of(ctx.simBoard);
    const boardName = ctx.simBoard ?? "the default board";
    if (!device) return { "pl330-poll-while-looping": { kind: "skipped", reason: `no PL330 on ${boardName}` } };
    const b = createSimBoundary({ stateDir: dir, os: ctx.b, ...(ctx.simBoard ? { board: ctx.simBoard } : {}) });
    try {
      const dev = listDevices(b).find((d) => d.name === device);
      if (!dev) return { "pl330-poll-while-looping": { kind: "skipped", reason: `no ${device} listed on ${boardName}` } };
      bindDevice(b, dev, { stateDir: join(dir, "host") });
      const bound = listDevices(b).find((d) => d.name === device)!;
      const session = openDevice(b, { sysfsPath: bound.sysfsPath, name: bound.name });
      // The program page is device-read-only: a page the device may write is never fetchable (the SMMU's PXN rule).
      const program = DmaBuffer.allocate(b, session.dma, 4096, { read: true, write: false });
      const data = DmaBuffer.allocate(b, session.dma, 8192, { read: true, write: true });
      try {
        const base = Number(program.iova);
        program.bytes.set(fifoLoopProgram(Number(data.iova), Number(data.iova) + 4096), 0);
        const region = session.device.region(0);
        const vfio: number[] = [];
        const reference: number[] = [];
        const means: number[] = [];
        for (let s = 0; s < ctx.samples; s++) {
          debugGo(region, 0, base, true);
          const looping = readLoop(region);
          debugKill(region, channelTarget(0), 5000);
          vfio.push(looping.median);
          means.push(looping.mean);
          reference.push(readLoop(region).median);
        }
        means.sort((a, b) => a - b);
        const note = `${device}${ctx.simBoard ? ` on ${ctx.simBoard}` : ""}: median read of up to ${READS} reads or ${SAMPLE_MS} ms per sample; mean per read while looping ${means[means.length >> 1]!.toFixed(1)} µs (median of samples)`;
        return { "pl330-poll-while-looping": { kind: "measured", vfio, reference, note } };
      } finally {
        program.release();
        data.release();
        session.close();
      }
    } finally {
      b.dispose();
    }
  },
};
