// QEMU's educational PCI device `edu` (docs/specs/edu.rst; behaviour as QEMU 7.2, the lab's, runs it): ID and
// liveness registers, a factorial unit, an interrupt status register set by a raise register and cleared by an ack
// register (INTx, or MSI once enabled), and a DMA engine that copies between RAM and a 4 KiB buffer at 0x40000,
// finishing on the device's clock 100 ms after the command (not inside the register write). The engine drives
// addresses masked to 28 bits through its PCI function's bus-master port, so IOMMU faults and bus-mastering apply.
import type { AccessWidth, BusAccess, Clock, DeviceContext, DeviceModel, DmaPort, PciFunctionPort } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import { LevelLine } from "./level-line.ts";
import { savedObject, savedString, savedU32 } from "./saved-state.ts";

/** Register offsets in BAR0. */
export const EDU_REG = {
  ID: 0x00,
  LIVENESS: 0x04,
  FACTORIAL: 0x08,
  STATUS: 0x20,
  IRQ_STATUS: 0x24,
  IRQ_RAISE: 0x60,
  IRQ_ACK: 0x64,
  DMA_SRC: 0x80,
  DMA_DST: 0x88,
  DMA_COUNT: 0x90,
  DMA_CMD: 0x98,
} as const;

/** Identification: 0xRRrr00ed, version 1.0. */
const EDU_ID = 0x010000ed;
const EDU_STATUS_COMPUTING = 0x01;
const EDU_STATUS_IRQFACT = 0x80;
const EDU_DMA_RUN = 0x1;
/** Direction bit: 0 = RAM to the device buffer, 1 = device buffer to RAM. */
const EDU_DMA_TO_RAM = 0x2;
const EDU_DMA_IRQ = 0x4;
/** Interrupt status values the device raises itself. */
const EDU_FACT_IRQ = 0x001;
const EDU_DMA_DONE_IRQ = 0x100;
/** The device's DMA buffer: 4 KiB at BAR offset 0x40000 (a DMA address; it is not visible through the BAR). */
const EDU_DMA_BUFFER = 0x40000;
const EDU_DMA_BUFFER_SIZE = 4096;
/** QEMU arms its DMA timer 100 ms (virtual clock) after the command write. */
export const EDU_DMA_DELAY_MS = 100;
/** Default dma_mask: 28 bits (256 MiB). */
const EDU_DEFAULT_DMA_MASK = (1n << 28n) - 1n;

const MODEL = "edu";
const PAGE = 4096;
const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** n! modulo 2^32, as the device's 32-bit multiply loop computes it (0 from 34! on: 2^32 divides it). */
function factorial32(n: number): number {
  if (n >= 34) return 0;
  let r = 1;
  for (let v = n; v > 0; v--) r = Math.imul(r, v) >>> 0;
  return r;
}

/**
 * QEMU 7.2's check of a transfer against the buffer: the start inside it and the end strictly before the buffer's
 * end (its off-by-one: a 4096-byte transfer at 0x40000 fails), and a non-empty count.
 */
function eduDmaInBounds(addr: bigint, count: bigint): boolean {
  const start = BigInt(EDU_DMA_BUFFER);
  const end = start + BigInt(EDU_DMA_BUFFER_SIZE);
  const xferEnd = addr + count;
  return start <= addr && addr < end && xferEnd > addr && xferEnd < end;
}

interface EduState {
  version: 1;
  liveness: number;
  factorial: number;
  status: number;
  irqStatus: number;
  /** Level of the INTx line (kept so a restore drives it as it was). */
  intx: boolean;
  /** DMA registers as hex strings (64-bit). */
  src: string;
  dst: string;
  count: string;
  cmd: string;
  /** Clock time the running transfer completes (-1 when idle). */
  dmaDueMs: number;
  /** The DMA buffer, base64. */
  buffer: string;
}

/**
 * edu model. Registers (BAR0; QEMU's rules):
 * - Accesses below 0x80 must be 32-bit, from 0x80 on 32- or 64-bit; anything else reads all-ones and writes are
 *   ignored (edu's own check). QEMU 7.2's memory core rejects 8- and 16-bit accesses before edu sees them (a decode
 *   error: on the lab's arm64 guest the kernel takes an external abort), so programs must not make them at all.
 * - 0x00 ID (RO) 0x010000ed; 0x04 liveness: reads the inverse of the last value written; 0x08 factorial: a write
 *   (ignored while computing) starts the computation, which finishes at once here (QEMU's worker thread takes
 *   microseconds) and raises FACT_IRQ (0x1) when STATUS bit 7 is set; 0x20 STATUS: bit 0 computing (RO), bit 7
 *   raise-on-factorial (RW).
 * - 0x24 interrupt status (RO); 0x60 raise (WO): ORs the value in and signals; 0x64 ack (WO): clears the bits and
 *   lowers INTx when none remain. With MSI enabled each raise sends an MSI message instead of driving INTx.
 * - 0x80 source, 0x88 destination, 0x90 count, 0x98 command (64-bit registers; a 32-bit write sets the whole value,
 *   upper half zero; their upper words at 0x84.. read all-ones, as every unassigned offset). Writes to them are
 *   ignored while a transfer runs. Command bit 0 starts, bit 1 picks the direction (0 RAM -> buffer, 1 buffer -> RAM),
 *   bit 2 raises 0x100 on completion; reads show bit 0 until the transfer is done.
 * - The transfer happens EDU_DMA_DELAY_MS after the start, when `advance()` reaches that time: the RAM side address
 *   is masked with the DMA mask (28 bits unless modelOptions.dmaMask says otherwise) and moved page by page through
 *   ctx.dma. A page the port refuses (IOMMU fault, bus mastering off) reads as zeros and takes no writes, as in QEMU.
 *   A transfer outside the buffer (QEMU 7.2's check, see eduDmaInBounds) stops QEMU 7.2 altogether (hw_error); here
 *   it moves nothing and raises nothing, and the run bit clears.
 */
export class Edu implements DeviceModel {
  readonly #clock: Clock;
  readonly #line: LevelLine;
  readonly #dma: DmaPort | undefined;
  readonly #pci: PciFunctionPort | undefined;
  readonly #mask: bigint;
  #liveness = 0;
  #factorial = 0;
  #status = 0;
  #irqStatus = 0;
  #src = 0n;
  #dst = 0n;
  #count = 0n;
  #cmd = 0n;
  #dmaDueMs: number | undefined;
  readonly #buffer = new Uint8Array(EDU_DMA_BUFFER_SIZE);
  #dirty = true;

  /** Throws TypeError when modelOptions.dmaMask is not a hex string or a non-negative integer. */
  constructor(spec: DeviceSpec, ctx: DeviceContext) {
    this.#clock = ctx.clock;
    this.#line = new LevelLine(ctx.irq, 0);
    this.#dma = ctx.dma;
    this.#pci = ctx.pci;
    const m = spec.modelOptions?.["dmaMask"];
    if (m === undefined) this.#mask = EDU_DEFAULT_DMA_MASK;
    else if (typeof m === "string" && /^0x[0-9a-f]+$/i.test(m)) this.#mask = BigInt(m);
    else if (typeof m === "number" && Number.isSafeInteger(m) && m >= 0) this.#mask = BigInt(m);
    else throw new TypeError(`${MODEL}: modelOptions.dmaMask must be a hex string or a non-negative integer`);
  }

  get dirty(): boolean {
    return this.#dirty;
  }
  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    const ones = width === 8 ? ALL_ONES : (1n << BigInt(width * 8)) - 1n;
    if (region !== 0 || !this.#validSize(offset, width)) return ones;
    this.advance();
    let v: bigint;
    switch (offset) {
      case EDU_REG.ID:
        v = BigInt(EDU_ID);
        break;
      case EDU_REG.LIVENESS:
        v = BigInt(this.#liveness);
        break;
      case EDU_REG.FACTORIAL:
        v = BigInt(this.#factorial);
        break;
      case EDU_REG.STATUS:
        v = BigInt(this.#status);
        break;
      case EDU_REG.IRQ_STATUS:
        v = BigInt(this.#irqStatus);
        break;
      case EDU_REG.DMA_SRC:
        v = this.#src;
        break;
      case EDU_REG.DMA_DST:
        v = this.#dst;
        break;
      case EDU_REG.DMA_COUNT:
        v = this.#count;
        break;
      case EDU_REG.DMA_CMD:
        v = this.#cmd;
        break;
      default:
        v = ALL_ONES;
    }
    return v & ones;
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    if (region !== 0 || !this.#validSize(offset, width)) return;
    this.advance();
    const u32 = Number(value & 0xffff_ffffn);
    switch (offset) {
      case EDU_REG.LIVENESS:
        this.#liveness = ~u32 >>> 0;
        break;
      case EDU_REG.FACTORIAL:
        if (this.#status & EDU_STATUS_COMPUTING) return;
        this.#factorial = factorial32(u32);
        if (this.#status & EDU_STATUS_IRQFACT) this.#raise(EDU_FACT_IRQ);
        break;
      case EDU_REG.STATUS:
        this.#status = u32 & EDU_STATUS_IRQFACT ? this.#status | EDU_STATUS_IRQFACT : this.#status & ~EDU_STATUS_IRQFACT;
        break;
      case EDU_REG.IRQ_RAISE:
        this.#raise(u32);
        break;
      case EDU_REG.IRQ_ACK:
        this.#lower(u32);
        break;
      case EDU_REG.DMA_SRC:
        if (!this.#running) this.#src = value;
        break;
      case EDU_REG.DMA_DST:
        if (!this.#running) this.#dst = value;
        break;
      case EDU_REG.DMA_COUNT:
        if (!this.#running) this.#count = value;
        break;
      case EDU_REG.DMA_CMD:
        if ((value & BigInt(EDU_DMA_RUN)) === 0n || this.#running) return;
        this.#cmd = value;
        this.#dmaDueMs = this.#clock.nowMs() + EDU_DMA_DELAY_MS;
        break;
      default:
        return; // read-only and unassigned offsets
    }
    this.#dirty = true;
  }

  advance(): void {
    if (this.#dmaDueMs !== undefined && this.#clock.nowMs() >= this.#dmaDueMs) this.#runDma();
  }

  nextEventAtMs(): number | undefined {
    return this.#dmaDueMs;
  }

  irqAsserted(index: number): boolean {
    return index === 0 && this.#line.asserted;
  }

  /** Power-on state (QEMU's edu has no reset handler; only called for a board that gives it one). */
  reset(): void {
    this.#liveness = 0;
    this.#factorial = 0;
    this.#status = 0;
    this.#irqStatus = 0;
    this.#src = this.#dst = this.#count = this.#cmd = 0n;
    this.#dmaDueMs = undefined;
    this.#buffer.fill(0);
    this.#line.drive(false);
    this.#dirty = true;
  }

  save(): EduState {
    return {
      version: 1,
      liveness: this.#liveness,
      factorial: this.#factorial,
      status: this.#status,
      irqStatus: this.#irqStatus,
      intx: this.#line.asserted,
      src: this.#src.toString(16),
      dst: this.#dst.toString(16),
      count: this.#count.toString(16),
      cmd: this.#cmd.toString(16),
      dmaDueMs: this.#dmaDueMs ?? -1,
      buffer: Buffer.from(this.#buffer).toString("base64"),
    };
  }

  /** Restores `save()` output and drives INTx as it was. Throws TypeError for anything else. */
  restore(state: unknown): void {
    const s = savedObject(state, MODEL);
    if (s["version"] !== 1) throw new TypeError(`${MODEL}: unsupported saved state version`);
    const big = (k: string) => {
      const t = savedString(s, k, MODEL);
      if (!/^[0-9a-f]{1,16}$/.test(t)) throw new TypeError(`${MODEL}: saved state field '${k}' is not a 64-bit hex value`);
      return BigInt(`0x${t}`);
    };
    const buffer = Buffer.from(savedString(s, "buffer", MODEL), "base64");
    if (buffer.length !== EDU_DMA_BUFFER_SIZE) throw new TypeError(`${MODEL}: saved DMA buffer is not 4096 bytes`);
    const due = s["dmaDueMs"];
    if (typeof due !== "number" || !Number.isFinite(due)) throw new TypeError(`${MODEL}: saved state field 'dmaDueMs' is not a number`);
    this.#liveness = savedU32(s, "liveness", MODEL);
    this.#factorial = savedU32(s, "factorial", MODEL);
    this.#status = savedU32(s, "status", MODEL) & (EDU_STATUS_COMPUTING | EDU_STATUS_IRQFACT);
    this.#irqStatus = savedU32(s, "irqStatus", MODEL);
    this.#src = big("src");
    this.#dst = big("dst");
    this.#count = big("count");
    this.#cmd = big("cmd");
    this.#dmaDueMs = due < 0 ? undefined : due;
    this.#buffer.set(buffer);
    this.#dirty = false;
    this.#line.drive(s["intx"] === true);
  }

  get #running(): boolean {
    return (this.#cmd & BigInt(EDU_DMA_RUN)) !== 0n;
  }

  #validSize(offset: number, width: AccessWidth): boolean {
    return offset < 0x80 ? width === 4 : width === 4 || width === 8;
  }

  get #msi(): boolean {
    return this.#pci?.msiEnabled() ?? false;
  }

  #raise(value: number): void {
    this.#irqStatus = (this.#irqStatus | value) >>> 0;
    if (this.#irqStatus === 0) return;
    if (this.#msi) this.#pci!.msiNotify(0);
    else this.#line.drive(true);
  }

  #lower(value: number): void {
    this.#irqStatus = (this.#irqStatus & ~value) >>> 0;
    if (this.#irqStatus === 0 && !this.#msi) this.#line.drive(false);
  }

  #runDma(): void {
    this.#dmaDueMs = undefined;
    this.#dirty = true;
    const toRam = (this.#cmd & BigInt(EDU_DMA_TO_RAM)) !== 0n;
    const local = toRam ? this.#src : this.#dst;
    if (eduDmaInBounds(local, this.#count)) {
      const at = Number(local) - EDU_DMA_BUFFER;
      const length = Number(this.#count);
      const bus = (toRam ? this.#dst : this.#src) & this.#mask;
      this.#transfer(bus, this.#buffer.subarray(at, at + length), toRam);
      this.#cmd &= ~BigInt(EDU_DMA_RUN);
      if (this.#cmd & BigInt(EDU_DMA_IRQ)) this.#raise(EDU_DMA_DONE_IRQ);
    } else {
      this.#cmd &= ~BigInt(EDU_DMA_RUN);
    }
  }

  /** Move `local` to (write) or from RAM at `bus`, one IOMMU page at a time; refused pages read zeros. */
  #transfer(bus: bigint, local: Uint8Array, write: boolean): void {
    let done = 0;
    while (done < local.length) {
      const address = bus + BigInt(done);
      const chunk = Math.min(local.length - done, PAGE - Number(address % BigInt(PAGE)));
      const part = local.subarray(done, done + chunk);
      const access: BusAccess = { address, length: chunk, write, instruction: false, privileged: false, nonSecure: true, streamId: 0 };
      const r = this.#dma?.access(access) ?? { views: [] };
      let at = 0;
      for (const v of r.views) {
        if (write) v.set(part.subarray(at, at + v.length));
        else part.set(v, at);
        at += v.length;
      }
      if (!write) part.fill(0, at);
      done += chunk;
    }
  }
}
