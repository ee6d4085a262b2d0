// The memcpy microcode Linux's pl330 driver generates (pl330-smmu.md §1.10), rebuilt from the documented facts so a
// user-space test drives the DMAC exactly as the kernel would: DMAMOV CCR/SAR/DAR, the bursts in LC1 / LC0xLC1 loops
// (unrolled when there are 65536 or more), the leftover beats ("dregs") as one short burst, DMASEV, DMAEND.
import { encodeCcr, PROT_NONSECURE } from "./ccr.ts";
import { encodeFields, encodingsOf, type Encoding, type FieldKind } from "./isa.ts";
import { rangeProblem } from "./reach.ts";

/** What of the DMAC's configuration shapes the program (see registers.ts decodeConfig / decodeIdentity). */
export interface MemcpyTarget {
  /** AXI data bus width in bits (32, 64, 128). */
  busWidthBits: number;
  /** MFIFO depth in lines. */
  dataBufDep: number;
  numChannels: number;
  /** periph_id revision: 0 = r0p0 gets the RMB/WMB body ("lock-up free version" check), r1p0+ gets LD;ST. */
  revision: number;
  /** Manager Non-secure: the CCR gets the NS prot bits (9 and 23). */
  managerNs: boolean;
}

export interface MemcpyRequest {
  /**
   * Source and destination bus addresses as the 32-bit operands of the program's DMAMOV SAR/DAR: numbers, like every
   * 32-bit value (Pl330Driver.memcpyStart takes the IOVAs as bigints and converts them after its range check).
   */
  src: number;
  dst: number;
  /** Bytes to copy, >= 1. */
  size: number;
  /** Event the program signals at the end (DMASEV). */
  event: number;
}

export interface MemcpyProgram {
  bytes: Uint8Array;
  /** The CCR of the full bursts. */
  ccr: number;
  /** Bytes per beat. */
  burstSize: number;
  /** Beats per full burst. */
  burstLen: number;
  /** Number of full bursts (burstSize x burstLen bytes each). */
  bursts: number;
  /** Beats in the final short burst (0 when none); its CCR is `dregCcr`. */
  dregBeats: number;
  dregCcr?: number;
}

/** Largest unrolled loop body: DMALPEND's 8-bit backward jump. */
const MAX_JUMP = 255;
const PL330_MAX_BURST = 16;

/**
 * Beat size Linux chooses: the bus width in bytes, halved until src, dst and size are all multiples of it (so no
 * burst straddles an MFIFO entry).
 */
export function memcpyBurstSize(src: number, dst: number, size: number, busWidthBits: number): number {
  let burst = busWidthBits / 8;
  while (burst > 1 && ((src % burst) | (dst % burst) | (size % burst)) !== 0) burst /= 2;
  return burst;
}

/**
 * Beats per burst Linux chooses: the channel's share of the MFIFO (bus bytes x lines / channels) in beats, at most 16,
 * forced to 1 when the beat is narrower than the bus. Never below 1 (a tiny MFIFO would otherwise give 0).
 */
export function memcpyBurstLen(burstSize: number, t: Pick<MemcpyTarget, "busWidthBits" | "dataBufDep" | "numChannels">): number {
  const busBytes = t.busWidthBits / 8;
  if (burstSize < busBytes) return 1;
  const share = Math.floor((busBytes * t.dataBufDep) / t.numChannels);
  const len = Math.floor(share / burstSize);
  return Math.max(1, Math.min(PL330_MAX_BURST, len));
}

/** The CCR Linux programs for a memcpy: incrementing both sides, same size/length, NS prot bits when the manager is NS. */
export function memcpyCcr(burstSize: number, burstLen: number, managerNs: boolean): number {
  const prot = managerNs ? PROT_NONSECURE : 0;
  return encodeCcr({
    srcInc: true,
    dstInc: true,
    srcBurstSize: burstSize,
    dstBurstSize: burstSize,
    srcBurstLen: burstLen,
    dstBurstLen: burstLen,
    srcProt: prot,
    dstProt: prot,
  });
}

/** Appends encoded instructions to a growing byte list. */
class Emitter {
  readonly out: number[] = [];
  private static readonly enc = new Map<string, Encoding>();

  private emit(mnemonic: string, values: Partial<Record<FieldKind, number>> = {}): void {
    let e = Emitter.enc.get(mnemonic);
    if (!e) {
      e = encodingsOf(mnemonic).find((x) => !x.forever)!;
      Emitter.enc.set(mnemonic, e);
    }
    for (const b of encodeFields(e, values)) this.out.push(b);
  }
  get offset(): number {
    return this.out.length;
  }
  mov(reg: "SAR" | "CCR" | "DAR", value: number): void {
    this.emit("DMAMOV", { "mov-reg": { SAR: 0, CCR: 1, DAR: 2 }[reg], imm32: value >>> 0 });
  }
  lp(lc: 0 | 1, iterations: number): void {
    this.emit("DMALP", { lc, iterations: iterations - 1 });
  }
  lpend(lc: 0 | 1, jump: number): void {
    if (jump < 1 || jump > MAX_JUMP) throw new RangeError(`loop jump ${jump} out of range`);
    this.emit("DMALPEND", { lc, jump });
  }
  body(r0p0: boolean, count: number): void {
    for (let i = 0; i < count; i++) {
      this.emit("DMALD");
      if (r0p0) this.emit("DMARMB");
      this.emit("DMAST");
      if (r0p0) this.emit("DMAWMB");
    }
  }
  sev(event: number): void {
    this.emit("DMASEV", { event });
  }
  end(): void {
    this.emit("DMAEND");
  }
}

/**
 * One loop block for up to `bursts` bursts (Linux's _loop): a single burst bare; up to 256 in an LC1 loop; up to
 * 65535 as LC0 x LC1(256); 65536 or more with both counters at 256 and the body unrolled as far as the 255-byte jump
 * allows. Returns how many bursts the block moves (the caller loops over the rest).
 */
function loopBlock(e: Emitter, bursts: number, r0p0: boolean): number {
  if (bursts === 1) {
    e.body(r0p0, 1);
    return 1;
  }
  let lc1: number;
  let lc0: number;
  let cyc: number;
  if (bursts >= 256 * 256) {
    lc1 = 256;
    lc0 = 256;
    cyc = Math.floor(bursts / (256 * 256));
  } else if (bursts > 256) {
    lc1 = 256;
    lc0 = Math.floor(bursts / 256);
    cyc = 1;
  } else {
    lc1 = bursts;
    lc0 = 0;
    cyc = 1;
  }
  const bodySize = r0p0 ? 4 : 2;
  const loopOverhead = lc0 ? 8 : 4; // DMALP + DMALPEND, two of each when nested
  const cycMax = Math.floor((MAX_JUMP - loopOverhead) / bodySize);
  cyc = Math.min(cyc, cycMax);
  let ljmp0 = 0;
  if (lc0) {
    e.lp(0, lc0);
    ljmp0 = e.offset;
  }
  e.lp(1, lc1);
  const ljmp1 = e.offset;
  e.body(r0p0, cyc);
  e.lpend(1, e.offset - ljmp1);
  if (lc0) e.lpend(0, e.offset - ljmp0);
  return lc1 * cyc * (lc0 || 1);
}

/**
 * Build the memcpy program for one request, byte for byte as Linux's driver lays it out.
 * @throws RangeError when size < 1, an address or the end of a range does not fit 32 bits (the PL330 is a 32-bit
 *   master), or the event is outside 0..31.
 */
export function buildMemcpyProgram(req: MemcpyRequest, target: MemcpyTarget): MemcpyProgram {
  const { src, dst, size, event } = req;
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`memcpy size ${size} must be at least 1 byte`);
  for (const [name, a] of [["source", src], ["destination", dst]] as const) {
    const problem = rangeProblem(name, a, size);
    if (problem) throw new RangeError(problem);
  }
  if (!Number.isInteger(event) || event < 0 || event > 31) throw new RangeError(`event ${event} is outside 0..31`);
  const burstSize = memcpyBurstSize(src, dst, size, target.busWidthBits);
  const burstLen = memcpyBurstLen(burstSize, target);
  const ccr = memcpyCcr(burstSize, burstLen, target.managerNs);
  const r0p0 = target.revision === 0;
  const e = new Emitter();
  e.mov("CCR", ccr);
  e.mov("SAR", src);
  e.mov("DAR", dst);
  const full = Math.floor(size / (burstSize * burstLen));
  let left = full;
  while (left > 0) left -= loopBlock(e, left, r0p0);
  const dregBeats = (size - full * burstSize * burstLen) / burstSize;
  const program: MemcpyProgram = { bytes: new Uint8Array(0), ccr, burstSize, burstLen, bursts: full, dregBeats };
  if (dregBeats > 0) {
    // The short last burst: same CCR with both burst lengths set to the remaining beats.
    const dregCcr = ((ccr & ~((0xf << 4) | (0xf << 18))) | ((dregBeats - 1) << 4) | ((dregBeats - 1) << 18)) >>> 0;
    e.mov("CCR", dregCcr);
    e.body(r0p0, 1);
    program.dregCcr = dregCcr;
  }
  e.sev(event);
  e.end();
  program.bytes = Uint8Array.from(e.out);
  return program;
}
