// The steady-state memcpy loop run many iterations at a time: page runs translated with one DmaPort call per
// direction and copied with TypedArray.set, leaving cycles, registers, MFIFO and faults exactly where the slow path
// would (test/sim/pl330-fastpath.test.ts runs both and compares). See `tryFastPath` for the conditions.
import type { BusAccess } from "../device-model.ts";
import { viewBytes } from "./bus.ts";
import { channelCanProgress } from "./channel-exec.ts";
import type { Pl330Core } from "./core.ts";
import { burstCycles } from "./data-path.ts";
import { fetchInsn } from "./icache.ts";
import { managerCanProgress } from "./manager-exec.ts";
import { ccrAsksSecure, ccrDestination, ccrSource, ccrSwapBytes, STATE, type BurstSide } from "./registers.ts";
import type { ChannelThread } from "./thread.ts";

const TWO_32 = 2 ** 32;
const LD = 0x04, ST = 0x08, RMB = 0x12, WMB = 0x13;

interface Loop {
  /** Load/store pairs in the body. */
  pairs: number;
  barriers: boolean;
  lpendAddr: number;
  lc: 0 | 1;
  forever: boolean;
}

/** Recognise the loop at ch.pc from cached instruction lines only (no bus traffic). */
function findLoop(core: Pl330Core, ch: ChannelThread): Loop | undefined {
  const b = core.scratch;
  const byteAt = (addr: number): number => (fetchInsn(ch, ch.id, core.bus, addr >>> 0, b, true) < 0 ? -1 : b[0]!);
  let pc = ch.pc;
  let pairs = 0;
  let barriers: boolean | undefined;
  for (;;) {
    const op = byteAt(pc);
    if (op !== LD) break;
    const withBarrier = byteAt(pc + 1) === RMB;
    if (barriers !== undefined && barriers !== withBarrier) return undefined;
    barriers = withBarrier;
    const body = withBarrier ? [RMB, ST, WMB] : [ST];
    for (let i = 0; i < body.length; i++) if (byteAt(pc + 1 + i) !== body[i]) return undefined;
    pc += 1 + body.length;
    pairs++;
    if (pairs > 127) return undefined;
  }
  if (pairs === 0) return undefined;
  if (fetchInsn(ch, ch.id, core.bus, pc >>> 0, b, true) !== 2) return undefined;
  const op = b[0]!;
  // 0x38/0x3C counted loop end, 0x28/0x2C forever end; unconditional only.
  if ((op & 0xeb) !== 0x28) return undefined;
  if (b[1] !== pc - ch.pc) return undefined;
  const lc = (op & 4) !== 0 ? 1 : 0;
  return { pairs, barriers: barriers ?? false, lpendAddr: pc >>> 0, lc, forever: (op & 0x10) === 0 };
}

/** Every other thread idle or waiting on something this loop cannot cause. */
function aloneInEngine(core: Pl330Core, ch: ChannelThread): boolean {
  if (core.debug.busy || managerCanProgress(core)) return false;
  for (const other of core.channels) {
    if (other === ch) continue;
    if (other.state === STATE.EXECUTING || channelCanProgress(core, other)) return false;
  }
  return true;
}

function isPow2(n: number): boolean {
  return (n & (n - 1)) === 0;
}

function txn(ch: ChannelThread, side: BurstSide, address: number, length: number, write: boolean): BusAccess {
  return {
    address: BigInt(address),
    length,
    write,
    instruction: side.instruction,
    privileged: side.privileged,
    nonSecure: side.nonSecure,
    streamId: ch.id,
  };
}

function overlaps(a: Uint8Array[], b: Uint8Array[]): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x.buffer !== y.buffer) continue;
      if (x.byteOffset < y.byteOffset + y.length && y.byteOffset < x.byteOffset + x.length) return true;
    }
  }
  return false;
}

/** Copy `total` bytes from the source views to the destination views, in one sweep. */
function copyViews(src: Uint8Array[], dst: Uint8Array[], total: number): void {
  let si = 0, so = 0, di = 0, doff = 0, left = total;
  while (left > 0) {
    const s = src[si]!, d = dst[di]!;
    const n = Math.min(left, s.length - so, d.length - doff);
    d.set(s.subarray(so, so + n), doff);
    so += n;
    doff += n;
    left -= n;
    if (so === s.length) (si++, (so = 0));
    if (doff === d.length) (di++, (doff = 0));
  }
}

/** Gather `n` bytes at `offset` of a view list into `out`, or scatter `out` there (write). */
function moveAt(views: Uint8Array[], offset: number, out: Uint8Array, write: boolean): void {
  let off = offset;
  let done = 0;
  for (const v of views) {
    if (off >= v.length) {
      off -= v.length;
      continue;
    }
    const n = Math.min(v.length - off, out.length - done);
    if (write) v.set(out.subarray(done, done + n), off);
    else out.set(v.subarray(off, off + n), done);
    done += n;
    off = 0;
    if (done === out.length) return;
  }
}

/**
 * Run as many whole loop iterations as the cycle credit and `stepsLeft` allow; returns the instructions executed
 * (0: not applicable here, the slow path takes this step). Applies when the channel is alone in the engine (every
 * other thread stopped, faulting or waiting on something the loop cannot cause), its MFIFO share is empty, its PC is
 * on a cached body of u x (DMALD; DMAST) — or the r0p0 form DMALD; DMARMB; DMAST; DMAWMB — closed by an
 * unconditional DMALPEND / DMALPFE end jumping back to it, and both sides move equal, incrementing, power-of-two
 * bursts aligned to their size with no endian swap (so no burst crosses a page). Cycles, steps, SAR/DAR, the loop
 * counter, CPC, the MFIFO and the round robin end as the slow path leaves them after the same whole iterations; a
 * partial iteration is left to the slow path, which meets a failed translation at its exact burst: the fault taken
 * here is handed over (bus.ts) so the IOMMU records it once. Known divergence: when both directions fail in one batch
 * and the destination fails first, the IOMMU has also recorded the source fault beyond it, which the slow path would
 * never reach (a DmaPort has no side-effect-free probe).
 */
export function tryFastPath(core: Pl330Core, ch: ChannelThread, stepsLeft: number): number {
  if (ch.state !== STATE.EXECUTING || ch.stalled || core.mfifo.bytes(ch.id) !== 0) return 0;
  // A fault handed over is met by the slow path first (asking again would record it twice).
  if (core.bus.holdsHandover) return 0;
  // Cheapest test first: the PC must sit on a cached DMALD.
  if (fetchInsn(ch, ch.id, core.bus, ch.pc, core.scratch, true) !== 1 || core.scratch[0] !== LD) return 0;
  const ccr = ch.ccr;
  if (ccrSwapBytes(ccr) !== 0 || (ch.ns && ccrAsksSecure(ccr))) return 0;
  const src = ccrSource(ccr), dst = ccrDestination(ccr);
  const burst = src.beat * src.beats;
  if (!src.increment || !dst.increment || burst !== dst.beat * dst.beats || !isPow2(burst) || burst > 4096) return 0;
  if (ch.sar % burst !== 0 || ch.dar % burst !== 0) return 0;
  if (core.mfifo.room(ch.id, burst) !== "ok") return 0;
  const loop = findLoop(core, ch);
  if (!loop || !aloneInEngine(core, ch)) return 0;
  const counter = loop.lc === 0 ? ch.lc0 : ch.lc1;
  const passes = loop.forever ? Infinity : counter + 1;
  const cycles = burstCycles(core, burst);
  // Each barrier is two turns of one cycle: issue, then leaving At barrier.
  const perIter = loop.pairs * (2 * cycles + (loop.barriers ? 4 : 0)) + 1;
  const instrPerIter = loop.pairs * (loop.barriers ? 6 : 2) + 1;
  const iterBytes = loop.pairs * burst;
  const k = Math.min(
    passes,
    Math.floor(core.credit / perIter),
    Math.floor(stepsLeft / instrPerIter),
    Math.floor((TWO_32 - ch.sar) / iterBytes),
    Math.floor((TWO_32 - ch.dar) / iterBytes),
  );
  if (k < 2) return 0;
  // Translate: source first, then the destination for the bursts whose loads succeed (program order).
  const bursts = k * loop.pairs;
  const sa = txn(ch, src, ch.sar, bursts * burst, false);
  const s = core.bus.access(sa);
  const goodS = s.fault ? Math.floor(viewBytes(s.views) / burst) : bursts;
  let goodD = 0;
  let d: ReturnType<typeof core.bus.access> | undefined;
  let da: BusAccess | undefined;
  if (goodS > 0) {
    da = txn(ch, dst, ch.dar, goodS * burst, true);
    d = core.bus.access(da);
    goodD = d.fault ? Math.floor(viewBytes(d.views) / burst) : goodS;
  }
  // Hand the first fault in program order to the slow path, which meets it within this advance.
  const at = (a: BusAccess, bursts: number): BusAccess => ({ ...a, address: a.address + BigInt(bursts * burst) });
  if (d?.fault && da && goodD < goodS) core.bus.handOver(at(da, goodD), d.fault);
  else if (s.fault) core.bus.handOver(at(sa, goodS), s.fault);
  const iters = Math.floor(Math.min(goodS, goodD) / loop.pairs);
  if (iters === 0) return 0;
  const bytes = iters * iterBytes;
  if (d) {
    if (overlaps(s.views, d.views)) {
      // Source and destination share memory: keep the slow path's burst order (each load before its store).
      const tmp = new Uint8Array(burst);
      for (let off = 0; off < bytes; off += burst) {
        moveAt(s.views, off, tmp, false);
        moveAt(d.views, off, tmp, true);
      }
    } else {
      copyViews(s.views, d.views, bytes);
    }
  }
  ch.sar = (ch.sar + bytes) >>> 0;
  ch.dar = (ch.dar + bytes) >>> 0;
  if (!loop.forever) {
    if (iters === passes) ch.pc = (loop.lpendAddr + 2) >>> 0;
    const left = iters === passes ? 0 : counter - iters;
    if (loop.lc === 0) ch.lc0 = left;
    else ch.lc1 = left;
  }
  core.credit -= iters * perIter;
  core.rrChannel = ch.id;
  core.lastWasManager = false;
  core.dirty = true;
  return iters * instrPerIter;
}
