// Test rig for the PL330 model: a manual clock, a recording interrupt sink, a fake DmaPort over an in-test "IOVA
// space" (an ArrayBuffer with configurable unmapped, read-only and no-fetch pages, logging every transaction), and
// tiny hand-written instruction encoders straight from the encoding table (pl330-smmu.md §1.5) — not an assembler.
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { BusAccess, BusFault, CatchUpBudget, DmaPort, IrqSink } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { Pl330 } from "../../src/sim/devices/pl330/pl330.ts";
import { PL330_REG } from "../../src/sim/devices/pl330/registers.ts";

export const R = PL330_REG;
export const PAGE = 4096;

export class RecordingSink implements IrqSink {
  readonly levels: [number, boolean][] = [];
  readonly now = new Map<number, boolean>();
  setLevel(index: number, asserted: boolean): void {
    this.levels.push([index, asserted]);
    this.now.set(index, asserted);
  }
  pulse(): void {
    throw new Error("the PL330 has no edge lines");
  }
  level(index: number): boolean {
    return this.now.get(index) ?? false;
  }
}

/** A fake IOMMU stream: IOVA = offset into `mem`; per-page holes and permissions; records every transaction. */
export class FakePort implements DmaPort {
  readonly mem: Uint8Array;
  readonly unmapped = new Set<number>();
  readonly readOnly = new Set<number>();
  readonly noFetch = new Set<number>();
  readonly log: BusAccess[] = [];
  readonly faults: { a: BusAccess; fault: BusFault }[] = [];
  logging = false;

  constructor(size = 16 << 20, mem?: Uint8Array) {
    this.mem = mem ?? new Uint8Array(size);
  }

  access(a: BusAccess): { views: Uint8Array[]; fault?: BusFault } {
    if (this.logging) this.log.push({ ...a });
    const views: Uint8Array[] = [];
    let addr = Number(a.address);
    const end = addr + a.length;
    while (addr < end) {
      const page = Math.floor(addr / PAGE);
      const bad =
        addr + 1 > this.mem.length ||
        this.unmapped.has(page) ||
        (a.write && this.readOnly.has(page)) ||
        (a.instruction && this.noFetch.has(page));
      if (bad) {
        const fault: BusFault = { kind: a.write && this.readOnly.has(page) ? "permission" : "translation", address: BigInt(addr) };
        this.faults.push({ a: { ...a }, fault });
        return { views, fault };
      }
      const stop = Math.min(end, (page + 1) * PAGE);
      views.push(this.mem.subarray(addr, stop));
      addr = stop;
    }
    return { views };
  }
}

export const spec = (modelOptions?: Record<string, unknown>): DeviceSpec => ({
  name: "2c0a0000.dma",
  bus: "amba",
  compatible: ["arm,pl330", "arm,primecell"],
  regions: [{ base: 0x2c0a0000n, size: 0x1000 }],
  irqs: [],
  periphid: 0x00241330,
  model: "pl330",
  ...(modelOptions ? { modelOptions } : {}),
});

export interface Rig {
  clock: ManualClock;
  irq: RecordingSink;
  port: FakePort;
  dmac: Pl330;
  r(offset: number): number;
  w(offset: number, value: number): void;
  /** Move the clock by `ms` and bring the model up to it. */
  tick(ms: number): void;
  /** Copy bytes into the IOVA space. */
  put(iova: number, bytes: number[] | Uint8Array): void;
}

export function rig(options?: Record<string, unknown>, opts: { port?: FakePort | null; startMs?: number; catchUp?: CatchUpBudget } = {}): Rig {
  const clock = new ManualClock(opts.startMs ?? 1000);
  const irq = new RecordingSink();
  const port = opts.port === null ? new FakePort(PAGE) : (opts.port ?? new FakePort());
  const budget = opts.catchUp ? { catchUp: opts.catchUp } : {};
  const dmac = new Pl330(spec(options), opts.port === null ? { clock, irq, ...budget } : { clock, irq, dma: port, ...budget });
  return {
    clock,
    irq,
    port,
    dmac,
    r: (o) => Number(dmac.read(0, o, 4)),
    w: (o, v) => dmac.write(0, o, 4, BigInt(v >>> 0)),
    tick(ms) {
      clock.advance(ms);
      dmac.advance();
    },
    put(iova, bytes) {
      port.mem.set(bytes, iova);
    },
  };
}

/** One microsecond = 1000 cycles at the default 1 GHz. */
export const US = 0.001;

// ---- instruction encoders (byte strings per the encoding table) ----
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const I = {
  end: () => [0x00],
  kill: () => [0x01],
  ld: () => [0x04],
  lds: () => [0x05],
  ldb: () => [0x07],
  st: () => [0x08],
  sts: () => [0x09],
  stb: () => [0x0b],
  stz: () => [0x0c],
  rmb: () => [0x12],
  wmb: () => [0x13],
  nop: () => [0x18],
  /** DMALP lc, iterations (1..256). */
  lp: (lc: 0 | 1, iterations: number) => [0x20 | (lc << 1), iterations - 1],
  /** DMALPEND lc, backward jump in bytes. */
  lpend: (lc: 0 | 1, jump: number) => [0x38 | (lc << 2), jump],
  /** DMALPFE end (nf = 0): loop forever. */
  lpfe: (lc: 0 | 1, jump: number) => [0x28 | (lc << 2), jump],
  ldp: (burst: boolean, periph: number) => [burst ? 0x27 : 0x25, periph << 3],
  stp: (burst: boolean, periph: number) => [burst ? 0x2b : 0x29, periph << 3],
  wfp: (kind: "single" | "burst" | "periph", periph: number) => [kind === "single" ? 0x30 : kind === "burst" ? 0x32 : 0x31, periph << 3],
  flushp: (periph: number) => [0x35, periph << 3],
  sev: (event: number) => [0x34, event << 3],
  wfe: (event: number, invalidate = false) => [0x36, (event << 3) | (invalidate ? 2 : 0)],
  addh: (ra: 0 | 1, imm: number) => [0x54 | (ra << 1), imm & 0xff, (imm >>> 8) & 0xff],
  adnh: (ra: 0 | 1, imm: number) => [0x5c | (ra << 1), imm & 0xff, (imm >>> 8) & 0xff],
  movSar: (v: number) => [0xbc, 0, ...le32(v)],
  movCcr: (v: number) => [0xbc, 1, ...le32(v)],
  movDar: (v: number) => [0xbc, 2, ...le32(v)],
  go: (chan: number, pc: number, ns: boolean) => [ns ? 0xa2 : 0xa0, chan, ...le32(pc)],
};

/** CCR for incrementing bursts of `beats` x `beat` bytes both ways; NS prot bits 9/23 when `ns`. */
export function ccr(beat: number, beats: number, ns: boolean, extra = 0): number {
  const s = Math.log2(beat);
  return (1 | (s << 1) | ((beats - 1) << 4) | (1 << 14) | (s << 15) | ((beats - 1) << 18) | (ns ? (1 << 9) | (1 << 23) : 0) | extra) >>> 0;
}

// ---- debug interface ----
/** DBGINST0 for an instruction's first two bytes on the manager (channel undefined) or a channel. */
export function dbgInst0(b0: number, b1: number, channel?: number): number {
  return ((b0 << 16) | (b1 << 24) | (channel === undefined ? 0 : 1 | (channel << 8))) >>> 0;
}

export function debug(t: Rig, bytes: number[], channel?: number): void {
  t.w(R.DBGINST0, dbgInst0(bytes[0] ?? 0, bytes[1] ?? 0, channel));
  t.w(R.DBGINST1, ((bytes[2] ?? 0) | ((bytes[3] ?? 0) << 8) | ((bytes[4] ?? 0) << 16) | ((bytes[5] ?? 0) << 24)) >>> 0);
  t.w(R.DBGCMD, 0);
}

/** DMAGO channel at pc via the debug interface, then let the engine take it (1 us). */
export function start(t: Rig, channel: number, pc: number, ns = t.dmac.config.managerNonSecure): void {
  debug(t, I.go(channel, pc, ns));
  t.tick(US);
}

export function killChannel(t: Rig, channel: number): void {
  debug(t, I.kill(), channel);
  t.tick(US);
}

/** Channel status code (CSR[3:0]). */
export const chState = (t: Rig, ch: number) => t.r(R.CSR(ch)) & 0xf;

/** Tick in `stepMs` steps until `done()` or `maxMs` of board time; returns the board time used. */
export function runUntil(t: Rig, done: () => boolean, stepMs = 0.05, maxMs = 1000): number {
  let used = 0;
  while (!done()) {
    if (used >= maxMs) throw new Error(`not done after ${maxMs} ms`);
    t.tick(stepMs);
    used += stepMs;
  }
  return used;
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Linux-style memcpy program (pl330-smmu.md §1.10): beat = the widest of 8/4/2/1 bytes dividing src, dst and size,
 * 16-beat bursts in DMALP loops (LC1 inner, LC0 outer), leftover beats in one shorter burst, then DMASEV ev; DMAEND.
 * `unroll` repeats the loop body (as Linux does for huge copies); `barriers` uses the r0p0 body.
 */
export function memcpyProgram(src: number, dst: number, size: number, o: { ns?: boolean; event?: number; unroll?: number; barriers?: boolean } = {}): number[] {
  let beat = 8;
  while ((src | dst | size) % beat !== 0) beat /= 2;
  const ns = o.ns ?? true;
  const burst = beat * 16;
  const body: number[] = [];
  for (let i = 0; i < (o.unroll ?? 1); i++) body.push(...(o.barriers ? [0x04, 0x12, 0x08, 0x13] : [0x04, 0x08]));
  const p: number[] = [...I.movCcr(ccr(beat, 16, ns)), ...I.movSar(src), ...I.movDar(dst)];
  let n = Math.floor(size / burst / (o.unroll ?? 1));
  let leftover = size - n * burst * (o.unroll ?? 1);
  while (n > 0) {
    if (n >= 256) {
      const outer = Math.min(256, Math.floor(n / 256));
      p.push(...I.lp(0, outer));
      const outerStart = p.length;
      p.push(...I.lp(1, 256));
      const innerStart = p.length;
      p.push(...body);
      p.push(...I.lpend(1, p.length - innerStart));
      p.push(...I.lpend(0, p.length - outerStart));
      n -= outer * 256;
    } else {
      p.push(...I.lp(1, n));
      const innerStart = p.length;
      p.push(...body);
      p.push(...I.lpend(1, p.length - innerStart));
      n = 0;
    }
  }
  while (leftover > 0) {
    const beats = Math.min(16, leftover / beat);
    p.push(...I.movCcr(ccr(beat, beats, ns)), 0x04, 0x08);
    leftover -= beats * beat;
  }
  p.push(...I.sev(o.event ?? 0), ...I.end());
  return p;
}

/**
 * Everything of a DMAC a program could observe, for comparing two runs (the fast path against the slow path):
 * registers, MFIFO occupancy, interrupt lines, the IOMMU's fault records and the whole saved state.
 */
export function observable(t: Rig) {
  const regs: number[] = [];
  for (let off = 0; off < 0x1000; off += 4) regs.push(t.r(off));
  return {
    regs,
    mfifo: Array.from({ length: t.dmac.config.channels }, (_, i) => t.dmac.mfifoBytes(i)),
    lines: [...t.irq.now.entries()].sort(),
    // What an SMMU records of a fault: the faulting address, the kind and the transaction's attributes (its start and
    // length are not part of an SMMUv3 event or SMMUv2 syndrome, and differ when the fast path asks for a page run).
    faults: t.port.faults.map(({ a, fault }) => ({ ...a, address: String(fault.address), length: 0, kind: fault.kind })),
    state: JSON.stringify(t.dmac.save()),
  };
}

/** A byte pattern that differs from one 2 KiB block to the next, written at `at` in the fake port's memory. */
export function fillPattern(t: Rig, at: number, n: number): void {
  for (let i = 0; i < n; i++) t.port.mem[at + i] = (i * 7 + (i >>> 11)) & 0xff;
}
