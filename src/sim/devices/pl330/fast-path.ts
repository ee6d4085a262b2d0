// The steady-state memcpy loop run many iterations at a time: page runs translated with one DmaPort call per
// direction and copied with TypedArray.set, leaving cycles, registers, MFIFO and faults exactly where the slow path
// would (test/sim/pl330-fastpath.test.ts runs both and compares). See `tryFastPath` for the conditions.
import type { BusAccess, BusFault } from "../device-model.ts";
import { viewBytes } from "./bus.ts";
import { channelCanProgress } from "./channel-exec.ts";
import type { Pl330Core } from "./core.ts";
import { burstCycles, txn } from "./data-path.ts";
import { lineFill, readLine } from "./icache.ts";
import { managerCanProgress } from "./manager-exec.ts";
import { findOuterLoop, sweep, type OuterLoop } from "./outer-loop.ts";
import { ccrAsksSecure, ccrDestination, ccrSource, ccrSwapBytes, STATE } from "./registers.ts";
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

/**
 * The program bytes the channel fetches from its PC on, as its first pass would see them: a cached line as cached, a
 * line not cached read from the bus once (kept here, cached only if the loop runs: see commitLines). Lines are read
 * only as far as the slow path would reach on the cycles and steps this advance has left (`reach`), so a fill that
 * faults is one the slow path meets in this advance, and is handed over to it.
 */
class ProgramReader {
  /** Lines read from the bus, by address: their bytes and the memory they came from. */
  readonly fetched = new Map<number, { data: Uint8Array; views: Uint8Array[] }>();
  /** The first line fill that faulted. */
  fault: { a: BusAccess; fault: BusFault } | undefined;
  /** A byte was not read (a fill beyond reach or after a fault): "not a loop" is then no verdict. */
  incomplete = false;

  constructor(
    private readonly core: Pl330Core,
    private readonly ch: ChannelThread,
    private readonly reach: (address: number) => boolean,
  ) {}

  /** The byte at `address`, or -1 when it could not be read. */
  byte(address: number): number {
    const addr = address >>> 0;
    const line = this.lineOf(addr);
    const cached = this.ch.icache.peek(line);
    if (cached) return cached[addr - line]!;
    const got = this.fresh(line, addr);
    return got ? got.data[addr - line]! : -1;
  }

  /** Line `line` read from the bus (once), or undefined when beyond reach or its fill faulted. */
  fresh(line: number, address = line): { data: Uint8Array; views: Uint8Array[] } | undefined {
    const known = this.fetched.get(line);
    if (known) return known;
    if (this.fault || !this.reach(address)) {
      this.incomplete = true;
      return undefined;
    }
    const r = readLine(this.ch, this.core.streamId(this.ch), this.core.bus, line);
    if ("fault" in r) {
      this.fault = { a: lineFill(this.ch, this.core.streamId(this.ch), line), fault: r.fault };
      this.incomplete = true;
      return undefined;
    }
    this.fetched.set(line, r);
    return r;
  }

  /** The first line fill that faulted, if any. */
  faulted(): { a: BusAccess; fault: BusFault } | undefined {
    return this.fault;
  }

  get lineBytes(): number {
    return this.ch.icache.lineBytes;
  }

  lineOf(address: number): number {
    const n = this.ch.icache.lineBytes;
    return (address - (address % n)) >>> 0;
  }
}

/** Recognise the loop at ch.pc: u x (DMALD; DMAST) or the r0p0 form, closed by a DMALPEND / DMALPFE end jumping back. */
function findLoop(r: ProgramReader, start: number): Loop | undefined {
  let pc = start;
  let pairs = 0;
  let barriers: boolean | undefined;
  for (;;) {
    const op = r.byte(pc);
    if (op !== LD) break;
    const withBarrier = r.byte(pc + 1) === RMB;
    if (barriers !== undefined && barriers !== withBarrier) return undefined;
    barriers = withBarrier;
    const body = withBarrier ? [RMB, ST, WMB] : [ST];
    for (let i = 0; i < body.length; i++) if (r.byte(pc + 1 + i) !== body[i]) return undefined;
    pc += 1 + body.length;
    pairs++;
    if (pairs > 127) return undefined;
  }
  if (pairs === 0) return undefined;
  const op = r.byte(pc);
  const jump = r.byte(pc + 1);
  // 0x38/0x3C counted loop end, 0x28/0x2C forever end (all two bytes); unconditional only.
  if (op < 0 || jump < 0 || (op & 0xeb) !== 0x28) return undefined;
  if (jump !== pc - start) return undefined;
  const lc = (op & 4) !== 0 ? 1 : 0;
  return { pairs, barriers: barriers ?? false, lpendAddr: pc >>> 0, lc, forever: (op & 0x10) === 0 };
}

/** Every other thread idle or waiting on something this loop cannot cause. */
export function aloneInEngine(core: Pl330Core, ch: ChannelThread): boolean {
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

/** Where a channel's PC was found not to start a loop, per i-cache generation (no rescan until the program may differ). */
const notALoop = new WeakMap<ChannelThread, { pc: number; generation: number }>();

/**
 * Run as many whole loop iterations as the cycle credit and `stepsLeft` allow; returns the instructions executed
 * (0: not applicable here, the slow path takes this step). Applies when the channel is alone in the engine (every
 * other thread stopped, faulting or waiting on something the loop cannot cause), its MFIFO share is empty, its PC is
 * on a body of u x (DMALD; DMAST) — or the r0p0 form DMALD; DMARMB; DMAST; DMAWMB — closed by an unconditional
 * DMALPEND / DMALPFE end jumping back to it, and both sides move equal, incrementing, power-of-two bursts aligned to
 * their size with no endian swap (so no burst crosses a page). Cycles, steps, SAR/DAR, the loop counter, CPC, the
 * MFIFO, the round robin and the instruction cache end as the slow path leaves them after the same whole iterations; a
 * partial iteration is left to the slow path, which meets a failed translation at its exact burst: the fault taken
 * here is handed over (bus.ts) so the IOMMU records it once.
 *
 * A loop larger than the instruction cache (Linux's unrolled body for a copy of 2^23 bursts or more is 246 bytes, more
 * than the default 8 x 32-byte cache) refills its lines on every pass: those line fills are made here once per batch
 * (translation, faults), and the batch is refused when the lines' fresh bytes differ from the cached ones the first
 * pass would use, or when the destination overlaps a line the loop reads afresh (the slow path would fetch what the
 * copy wrote).
 *
 * Known divergences (a DmaPort has no side-effect-free probe): when both directions fail in one batch and the
 * destination fails first, the IOMMU has also recorded the source fault beyond it; and a line fill that faults is
 * recorded even when the slow path then stops on a data fault before reaching that line.
 *
 * When the batch runs the loop out and a counted loop around it reloads it (Linux's LC0 x LC1 shape, outer-loop.ts)
 * with every line of that outer loop cached, whole outer iterations follow in the same batch (one translation per
 * side, one memcpy), ending at the outer DMALPEND, or mid inner loop where a translation failed.
 *
 * `maxBytes` bounds one batch (the engine's host-time budget: a batch is a memcpy that cannot stop half-way).
 */
export function tryFastPath(core: Pl330Core, ch: ChannelThread, stepsLeft: number, maxBytes = Infinity): number {
  if (ch.state !== STATE.EXECUTING || ch.stalled || core.mfifo.bytes(ch.id) !== 0) return 0;
  // A fault handed over is met by the slow path first (asking again would record it twice).
  if (core.bus.holdsHandover) return 0;
  // Cheapest test first: a cached line at the PC must hold a DMALD.
  const pcLine = ch.icache.peek(ch.pc - (ch.pc % ch.icache.lineBytes));
  if (pcLine && pcLine[ch.pc % ch.icache.lineBytes] !== LD) return 0;
  const ccr = ch.ccr;
  if (ccrSwapBytes(ccr) !== 0 || (ch.ns && ccrAsksSecure(ccr))) return 0;
  const src = ccrSource(ccr), dst = ccrDestination(ccr);
  const burst = src.beat * src.beats;
  if (!src.increment || !dst.increment || burst !== dst.beat * dst.beats || !isPow2(burst) || burst > 4096) return 0;
  if (ch.sar % burst !== 0 || ch.dar % burst !== 0) return 0;
  if (core.mfifo.room(ch.id, burst) !== "ok") return 0;
  const cycles = burstCycles(core, burst);
  // Two passes of the smallest loop (one pair) must fit, or there is nothing to batch.
  if (core.credit < 2 * (2 * cycles + 1) || stepsLeft < 6) return 0;
  if (!aloneInEngine(core, ch)) return 0;
  const memo = notALoop.get(ch);
  if (memo && memo.pc === ch.pc && memo.generation === ch.icache.generation) return 0;
  // The slow path reaches the byte `d` past the PC when d + 1 one-byte instructions of at most max(cycles, 2) cycles
  // and two turns each (a barrier's second turn) fit what is left of this advance. Reading stops at half that: a loop
  // whose bytes could not be read at twice their cost could not run the two passes a batch needs anyway.
  const perByte = Math.max(cycles, 2);
  const pc0 = ch.pc;
  const reader = new ProgramReader(core, ch, (address) => {
    const d = ((address - pc0) >>> 0) + 1;
    return core.credit >= 2 * d * perByte && stepsLeft >= 4 * d;
  });
  const loop = findLoop(reader, ch.pc);
  if (reader.fault) {
    core.bus.handOver(reader.fault.a, reader.fault.fault);
    return 0;
  }
  if (!loop) {
    if (!reader.incomplete) notALoop.set(ch, { pc: ch.pc, generation: ch.icache.generation });
    return 0;
  }
  const counter = loop.lc === 0 ? ch.lc0 : ch.lc1;
  const passes = loop.forever ? Infinity : counter + 1;
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
    Math.floor(maxBytes / iterBytes),
  );
  if (k < 2) return 0;
  const lines = loopLines(reader, ch.pc, loop.lpendAddr + 1);
  const cache = sweep(ch.icache.order(), lines, ch.icache.capacity);
  // Every line a pass fills from the bus is read fresh now; where the loop was read from a cached copy of such a line,
  // the fresh bytes must be the same (else the passes would run different programs).
  for (const line of lines) {
    if (!cache.first.has(line) && !cache.later.has(line)) continue;
    const got = reader.fresh(line);
    const fault = reader.faulted();
    if (fault) {
      core.bus.handOver(fault.a, fault.fault);
      return 0;
    }
    const cached = ch.icache.peek(line);
    if (!got || (cached && Buffer.compare(cached, got.data) !== 0)) return 0;
  }
  // The inner loop runs out within the batch: whole iterations of a loop around it may follow (outer-loop.ts).
  const outer = k === passes && !loop.forever ? outerOf(reader, ch, loop, cache.after, cache.later.size) : undefined;
  let extra = 0;
  if (outer) {
    const n = outer.innerPasses;
    const done = k * iterBytes;
    // One outer iteration: the outer DMALPEND and the DMALP (one cycle and one instruction each), then n passes.
    extra = Math.min(
      outer.lc === 0 ? ch.lc0 : ch.lc1,
      Math.floor((core.credit - k * perIter) / (2 + n * perIter)),
      Math.floor((stepsLeft - k * instrPerIter) / (2 + n * instrPerIter)),
      Math.floor((TWO_32 - ch.sar - done) / (n * iterBytes)),
      Math.floor((TWO_32 - ch.dar - done) / (n * iterBytes)),
      Math.floor((maxBytes - done) / (n * iterBytes)),
    );
  }
  // Translate: source first, then the destination for the bursts whose loads succeed (program order).
  const bursts = (k + extra * (outer?.innerPasses ?? 0)) * loop.pairs;
  const sa = txn(core, ch, src, ch.sar, bursts * burst, false);
  const s = core.bus.access(sa);
  const goodS = s.fault ? Math.floor(viewBytes(s.views) / burst) : bursts;
  let goodD = 0;
  let d: ReturnType<typeof core.bus.access> | undefined;
  let da: BusAccess | undefined;
  if (goodS > 0) {
    da = txn(core, ch, dst, ch.dar, goodS * burst, true);
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
    if (reader.fetched.size > 0 && overlaps([...reader.fetched.values()].flatMap((f) => f.views), d.views)) return 0;
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
  // With outer iterations too, the cache still ends as after the inner passes: every line the outer loop touches is
  // cached (nothing filled or evicted), and its DMALPEND and DMALP were fetched before those passes in every iteration,
  // as in the one before the batch (the outer DMALPEND's line is only cached once it ran).
  commitLines(ch, cache.after, reader);
  // Outer iterations started: each ran the outer DMALPEND and the DMALP before its inner passes.
  let started = 0;
  if (outer && iters > k) {
    const n = outer.innerPasses;
    const beyond = iters - k;
    const partial = beyond % n;
    started = Math.ceil(beyond / n);
    // Stopped after whole outer iterations: at the outer DMALPEND, inner counter run out; else mid inner loop.
    setCounter(ch, loop.lc, partial === 0 ? 0 : n - 1 - partial);
    setCounter(ch, outer.lc, (outer.lc === 0 ? ch.lc0 : ch.lc1) - started);
    ch.pc = partial === 0 ? outer.endAddr : (outer.lpAddr + 2) >>> 0;
  } else if (!loop.forever) {
    if (iters === passes) ch.pc = (loop.lpendAddr + 2) >>> 0;
    setCounter(ch, loop.lc, iters === passes ? 0 : counter - iters);
  }
  core.credit -= iters * perIter + 2 * started;
  core.rrChannel = ch.id;
  core.lastWasManager = false;
  core.dirty = true;
  return iters * instrPerIter + 2 * started;
}

function setCounter(ch: ChannelThread, lc: 0 | 1, value: number): void {
  if (lc === 0) ch.lc0 = value;
  else ch.lc1 = value;
}

/**
 * The outer loop around `loop` when every line it touches is cached once the inner passes ran (`after`) and those
 * passes fill nothing (`laterMisses` 0): its bytes then come from the cache alone, never from the bus.
 */
function outerOf(r: ProgramReader, ch: ChannelThread, loop: Loop, after: number[], laterMisses: number): OuterLoop | undefined {
  if (laterMisses !== 0) return undefined;
  const cachedByte = (address: number): number => {
    const a = address >>> 0;
    const line = r.lineOf(a);
    if (!after.includes(line)) return -1;
    const data = r.fetched.get(line)?.data ?? ch.icache.peek(line);
    return data ? data[a - line]! : -1;
  };
  const outer = findOuterLoop(cachedByte, ch.pc, loop.lc, loop.lpendAddr);
  if (!outer) return undefined;
  for (const line of loopLines(r, outer.lpAddr, outer.endAddr + 1)) if (!after.includes(line)) return undefined;
  return outer;
}

/** The aligned line addresses covering [first, last], in fetch order. */
function loopLines(r: ProgramReader, first: number, last: number): number[] {
  const out: number[] = [];
  const n = (r.lineOf(last >>> 0) - r.lineOf(first >>> 0)) >>> 0;
  for (let off = 0; off <= n; off += r.lineBytes) out.push((r.lineOf(first >>> 0) + off) >>> 0);
  return out;
}

/** Leave the cache as the passes did: `after` in use order, a line filled during them with its fresh bytes. */
function commitLines(ch: ChannelThread, after: number[], r: ProgramReader): void {
  ch.icache.restore(after.map((line) => [line, r.fetched.get(line)?.data ?? ch.icache.peek(line)!] as const));
}
