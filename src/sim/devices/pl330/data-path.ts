// How DMALD, DMAST and DMASTZ move data (pl330-smmu.md §1.6, §2.4): the burst's byte count from CCR and the address,
// SAR/DAR advanced at issue, one bus transaction per (burst ∩ 4 KiB page) chunk with all-or-nothing per chunk (an
// erroring read delivers no data, an erroring write writes nothing; earlier chunks stay), loaded bytes queued in the
// channel's MFIFO share (endian swap applied once, on the way in), stores draining it.
import type { BusAccess } from "../device-model.ts";
import type { Pl330Core } from "./core.ts";
import { abortThread, mfifoFreed } from "./faults.ts";
import { burstBytes, ccrAsksSecure, ccrDestination, ccrSource, ccrSwapBytes, FAULT } from "./registers.ts";
import type { BurstSide } from "./registers.ts";
import type { ChannelThread } from "./thread.ts";

const PAGE = 4096;
/** Largest burst: 16 beats of the largest (reserved) beat size 128. */
const MAX_BURST = 16 * 128;
const buffer = new Uint8Array(MAX_BURST);

/** What a data instruction did: cycles used, STALL (no MFIFO room yet), or PRECISE (aborted, PC stays). */
export const STALL = 0;
export const PRECISE = -1;

/** Bus cycles of a burst moving `bytes`: one per bus-width beat, at least one. */
export function burstCycles(core: Pl330Core, bytes: number): number {
  return Math.max(1, Math.ceil(bytes / core.cfg.busBytes));
}

/** The bus transaction of one burst side of channel `ch`: its address, length, direction, AXI attributes and stream ID. */
export function txn(core: Pl330Core, ch: ChannelThread, side: BurstSide, address: number, length: number, write: boolean): BusAccess {
  return {
    address: BigInt(address),
    length,
    write,
    instruction: side.instruction,
    privileged: side.privileged,
    nonSecure: side.nonSecure,
    streamId: core.streamId(ch),
  };
}

/**
 * Read `length` bytes at `address` into `out` in page chunks; returns the bytes delivered (a multiple of whole chunks)
 * and whether a chunk got an error response.
 */
function readChunks(
  core: Pl330Core,
  ch: ChannelThread,
  side: BurstSide,
  address: number,
  out: Uint8Array,
): { got: number; error: boolean } {
  let got = 0;
  let addr = address;
  while (got < out.length) {
    const len = Math.min(out.length - got, PAGE - (addr % PAGE));
    const r = core.bus.access(txn(core, ch, side, addr, len, false));
    if (r.fault) return { got, error: true };
    let off = got;
    for (const v of r.views) {
      out.set(v.subarray(0, got + len - off), off);
      off += v.length;
    }
    got += len;
    addr = (addr + len) >>> 0;
  }
  return { got, error: false };
}

/** Write `data` at `address` in page chunks; true when a chunk got an error response (later chunks not written). */
function writeChunks(core: Pl330Core, ch: ChannelThread, side: BurstSide, address: number, data: Uint8Array): boolean {
  let done = 0;
  let addr = address;
  while (done < data.length) {
    const len = Math.min(data.length - done, PAGE - (addr % PAGE));
    const r = core.bus.access(txn(core, ch, side, addr, len, true));
    if (r.fault) return true;
    let off = done;
    for (const v of r.views) {
      const n = Math.min(v.length, done + len - off);
      v.set(data.subarray(off, off + n));
      off += n;
    }
    done += len;
    addr = (addr + len) >>> 0;
  }
  return false;
}

/** Reverse bytes within each whole, naturally aligned `unit` of `data` (whose first byte sits at `address`). */
function swapUnits(data: Uint8Array, address: number, unit: number): void {
  let i = (unit - (address % unit)) % unit;
  for (; i + unit <= data.length; i += unit) data.subarray(i, i + unit).reverse();
}

/** DMALD / DMALDP: one read burst at SAR into the channel's MFIFO share. */
export function load(core: Pl330Core, ch: ChannelThread): number {
  if (ch.ns && ccrAsksSecure(ch.ccr)) {
    abortThread(core, ch, FAULT.CH_RDWR_ERR, true);
    return PRECISE;
  }
  const side = ccrSource(ch.ccr);
  const n = burstBytes(side, ch.sar);
  const room = core.mfifo.room(ch.id, n);
  if (room === "wait") {
    ch.stalled = true;
    return STALL;
  }
  core.dirty = true;
  const cycles = burstCycles(core, n);
  const address = ch.sar;
  if (side.increment) ch.sar = (ch.sar + n) >>> 0;
  if (room === "never") {
    // Issued, but its data can never fit beside the channel's own unstored bytes.
    abortThread(core, ch, FAULT.MFIFO_ERR, false);
    return cycles;
  }
  const data = buffer.subarray(0, n);
  let got: number;
  let error: boolean;
  const swap = ccrSwapBytes(ch.ccr);
  if (side.increment) {
    ({ got, error } = readChunks(core, ch, side, address, data));
    if (swap > 1) swapUnits(data.subarray(0, got), address, swap);
  } else {
    // Every beat reads the same bytes (an aligned beat never crosses a page).
    const each = side.beat - (address % side.beat);
    ({ got, error } = readChunks(core, ch, side, address, data.subarray(0, each)));
    if (!error) {
      if (swap > 1) swapUnits(data.subarray(0, each), address, swap);
      for (let off = each; off < n; off += each) data.copyWithin(off, 0, each);
      got = n;
    }
  }
  if (got > 0) core.mfifo.push(ch.id, data.subarray(0, got));
  if (error) abortThread(core, ch, FAULT.DATA_READ_ERR, false);
  return cycles;
}

/** DMAST / DMASTP (zero = false) or DMASTZ (zero = true): one write burst at DAR. */
export function store(core: Pl330Core, ch: ChannelThread, zero: boolean): number {
  if (ch.ns && ccrAsksSecure(ch.ccr)) {
    abortThread(core, ch, FAULT.CH_RDWR_ERR, true);
    return PRECISE;
  }
  const side = ccrDestination(ch.ccr);
  const n = burstBytes(side, ch.dar);
  core.dirty = true;
  const cycles = burstCycles(core, n);
  const data = buffer.subarray(0, n);
  if (zero) {
    data.fill(0);
  } else if (core.mfifo.exceedsCapacity(n)) {
    // No sequence of loads can ever hold this store's data.
    if (side.increment) ch.dar = (ch.dar + n) >>> 0;
    abortThread(core, ch, FAULT.MFIFO_ERR, false);
    return cycles;
  } else if (core.mfifo.bytes(ch.id) < n) {
    abortThread(core, ch, FAULT.ST_DATA_UNAVAILABLE, true);
    return PRECISE;
  } else {
    core.mfifo.pop(ch.id, data);
    mfifoFreed(core);
  }
  const address = ch.dar;
  let error: boolean;
  if (side.increment) {
    ch.dar = (ch.dar + n) >>> 0;
    error = writeChunks(core, ch, side, address, data);
  } else {
    // Every beat writes the same address: what stays there is the last beat's bytes.
    const each = side.beat - (address % side.beat);
    error = writeChunks(core, ch, side, address, data.subarray(n - each, n));
  }
  if (error) abortThread(core, ch, FAULT.DATA_WRITE_ERR, false);
  return cycles;
}
