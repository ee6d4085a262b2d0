// ARM PrimeCell PL031 real-time clock (ARM DDI 0224), as QEMU's `virt` board has it at 9010000.pl031: a 32-bit
// seconds counter driven by a 1 Hz clock, a match register that latches the alarm interrupt, and the PrimeCell ID.
// Time comes from the injected Clock; the state file keeps the value loaded and the clock time of the load, so a later
// process finds the counter still running and an alarm that fell due while no process ran already latched.
import type { AccessWidth, Clock, DeviceContext, DeviceModel } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import { LevelLine } from "./level-line.ts";
import { primeCellIdWord } from "./primecell-id.ts";
import { readLanes, writeLanes } from "./register-lanes.ts";
import { savedNumber, savedObject, savedU32 } from "./saved-state.ts";

/** Register offsets (DDI 0224, "Summary of RTC registers"). */
export const PL031_REG = {
  DR: 0x00,
  MR: 0x04,
  LR: 0x08,
  CR: 0x0c,
  IMSC: 0x10,
  RIS: 0x14,
  MIS: 0x18,
  ICR: 0x1c,
} as const;

/** PeriphID0..3: part 0x031, designer 0x41 (ARM), revision 1. */
const PL031_PERIPH_ID = [0x31, 0x10, 0x14, 0x00] as const;

const TWO_32 = 2 ** 32;
const MODEL = "pl031";

/** Reduce any integer to 0..2^32-1 (the counter and the match comparison wrap at 32 bits). */
function u32(x: number): number {
  const r = x % TWO_32;
  return r < 0 ? r + TWO_32 : r;
}

/** The 1 Hz clock's edge count at a clock time: edges fall on whole seconds of the clock. */
function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The PL031's saved state (plain JSON). */
interface Pl031State {
  version: 1;
  /** RTCCR bit 0 (RTC start). */
  cr: number;
  /** The RTC value at `loadAtMs` (from RTCLR, the start bit, or the board's boot). */
  loadValue: number;
  loadAtMs: number;
  /** RTCLR as last written (reads back; 0 after reset). */
  lr: number;
  mr: number;
  imsc: number;
  ris: number;
  /** Clock time up to which matches have been looked for (so a match is latched once, even across processes). */
  checkedAtMs: number;
}

/**
 * PL031 model. Behaviour, by register:
 * - DR (RO): the RTC value, loadValue + the 1 Hz edges (whole clock seconds) since the load. As in DDI 0224 the load
 *   only offsets the free-running counter, so the next increment comes at the next 1 Hz edge, not one second after the
 *   load (QEMU behaves the same: its count ticks on whole seconds of its RTC clock). Writes ignored.
 * - MR: the match value. RIS bit 0 latches on the 1 Hz edge at which DR becomes MR, and at once when MR or LR is
 *   written so that DR already equals MR (QEMU does the same). It latches whether or not IMSC masks it.
 * - LR: writing loads the counter (reads back the value last written).
 * - CR: bit 0 starts the RTC; once set, writes have no effect until reset (DDI 0224). Reads 1 on the board, as
 *   rtc-pl031 leaves it and as QEMU always answers; after `reset()` it reads 0 and the counter holds until it is set.
 * - IMSC bit 0 masks, RIS (RO) raw status, MIS (RO) = RIS & IMSC, ICR (WO, reads 0): writing bit 0 = 1 clears RIS.
 * - 0xFE0..0xFFC: PeriphID 31 10 14 00, PCellID 0d f0 05 b1. Other offsets read 0 and ignore writes.
 * Accesses: registers are 32-bit words on APB. A narrow read returns the addressed bytes of the register; a narrow
 * write reaches the register as a full-word write with the unaddressed bytes zero (APB has no byte strobes); a 64-bit
 * access is two word accesses, low word first. Interrupt line 0 (level) is asserted while RIS & IMSC. Every access
 * first runs `advance()`, so a read never shows stale time-driven state (the line may change during the access).
 */
export class Pl031 implements DeviceModel {
  readonly #clock: Clock;
  readonly #line: LevelLine;
  #cr = 1;
  #loadValue = 0;
  #loadAtMs = 0;
  #lr = 0;
  #mr = 0;
  #imsc = 0;
  #ris = 0;
  #checkedAtMs = 0;
  // Never saved yet: the board should write the boot state out.
  #dirty = true;

  /**
   * The board's boot state: started, counting wall-clock seconds since the epoch (the Clock is taken as epoch
   * milliseconds), or `spec.modelOptions.rtcSeconds` when given. Throws TypeError for a non-numeric rtcSeconds.
   */
  constructor(spec: DeviceSpec, ctx: DeviceContext) {
    this.#clock = ctx.clock;
    this.#line = new LevelLine(ctx.irq, 0);
    const now = this.#clock.nowMs();
    const seconds = spec.modelOptions?.["rtcSeconds"];
    if (seconds !== undefined && (typeof seconds !== "number" || !Number.isInteger(seconds))) {
      throw new TypeError(`${MODEL}: modelOptions.rtcSeconds must be an integer`);
    }
    this.#loadValue = u32(seconds ?? secondOf(now));
    this.#loadAtMs = now;
    this.#checkedAtMs = now;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    if (region !== 0) return 0n;
    this.advance();
    return readLanes(offset, width, (word) => this.#readWord(word));
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    if (region !== 0) return;
    this.advance();
    writeLanes(offset, width, value, (word, v) => this.#writeWord(word, v));
    this.#updateLine();
  }

  advance(): void {
    const now = this.#clock.nowMs();
    if (this.#started && this.#ris === 0 && this.#matchDueMs() <= now) {
      this.#ris = 1;
      this.#dirty = true;
    }
    this.#checkedAtMs = now;
    this.#updateLine();
  }

  /** The clock time of the 1 Hz edge at which DR becomes MR, while the RTC runs and RIS is not latched. */
  nextEventAtMs(): number | undefined {
    if (!this.#started || this.#ris !== 0) return undefined;
    return this.#matchDueMs();
  }

  irqAsserted(index: number): boolean {
    return index === 0 && this.#line.asserted;
  }

  /** Silicon reset: RTC stopped at 0, every register 0, line deasserted. */
  reset(): void {
    const now = this.#clock.nowMs();
    this.#cr = 0;
    this.#loadValue = 0;
    this.#loadAtMs = now;
    this.#lr = 0;
    this.#mr = 0;
    this.#imsc = 0;
    this.#ris = 0;
    this.#checkedAtMs = now;
    this.#dirty = true;
    this.#updateLine();
  }

  save(): Pl031State {
    return {
      version: 1,
      cr: this.#cr,
      loadValue: this.#loadValue,
      loadAtMs: this.#loadAtMs,
      lr: this.#lr,
      mr: this.#mr,
      imsc: this.#imsc,
      ris: this.#ris,
      checkedAtMs: this.#checkedAtMs,
    };
  }

  /** Restores `save()` output and drives the line to the restored level. Throws TypeError for anything else. */
  restore(state: unknown): void {
    const s = savedObject(state, MODEL);
    if (s["version"] !== 1) throw new TypeError(`${MODEL}: unsupported saved state version`);
    const cr = savedU32(s, "cr", MODEL);
    const loadValue = savedU32(s, "loadValue", MODEL);
    const loadAtMs = savedNumber(s, "loadAtMs", MODEL);
    const lr = savedU32(s, "lr", MODEL);
    const mr = savedU32(s, "mr", MODEL);
    const imsc = savedU32(s, "imsc", MODEL);
    const ris = savedU32(s, "ris", MODEL);
    const checkedAtMs = savedNumber(s, "checkedAtMs", MODEL);
    this.#cr = cr & 1;
    this.#loadValue = loadValue;
    this.#loadAtMs = loadAtMs;
    this.#lr = lr;
    this.#mr = mr;
    this.#imsc = imsc & 1;
    this.#ris = ris & 1;
    this.#checkedAtMs = checkedAtMs;
    this.#dirty = false;
    this.#updateLine();
  }

  get #started(): boolean {
    return (this.#cr & 1) !== 0;
  }

  /** The RTC value at a clock time. */
  #valueAt(ms: number): number {
    if (!this.#started) return this.#loadValue;
    return u32(this.#loadValue + secondOf(ms) - secondOf(this.#loadAtMs));
  }

  /** First 1 Hz edge after `checkedAtMs` at which the value equals MR (2^32 s on when it equals MR now). */
  #matchDueMs(): number {
    const distance = u32(this.#mr - this.#valueAt(this.#checkedAtMs)) || TWO_32;
    return (secondOf(this.#checkedAtMs) + distance) * 1000;
  }

  /** The comparator sees DR == MR right after a write to MR or LR. */
  #latchIfEqual(): void {
    if (this.#started && this.#ris === 0 && this.#valueAt(this.#clock.nowMs()) === this.#mr) this.#ris = 1;
  }

  #updateLine(): void {
    this.#line.drive((this.#ris & this.#imsc) !== 0);
  }

  #readWord(offset: number): number {
    switch (offset) {
      case PL031_REG.DR:
        return this.#valueAt(this.#clock.nowMs());
      case PL031_REG.MR:
        return this.#mr;
      case PL031_REG.LR:
        return this.#lr;
      case PL031_REG.CR:
        return this.#cr;
      case PL031_REG.IMSC:
        return this.#imsc;
      case PL031_REG.RIS:
        return this.#ris;
      case PL031_REG.MIS:
        return this.#ris & this.#imsc;
      default:
        // ICR is write-only and reads 0, like every unassigned offset.
        return primeCellIdWord(offset, PL031_PERIPH_ID) ?? 0;
    }
  }

  #writeWord(offset: number, value: number): void {
    const now = this.#clock.nowMs();
    switch (offset) {
      case PL031_REG.MR:
        this.#mr = value;
        this.#dirty = true;
        this.#latchIfEqual();
        return;
      case PL031_REG.LR:
        this.#lr = value;
        this.#loadValue = value;
        this.#loadAtMs = now;
        this.#checkedAtMs = now;
        this.#dirty = true;
        this.#latchIfEqual();
        return;
      case PL031_REG.CR:
        if ((value & 1) !== 0 && !this.#started) {
          this.#cr = 1;
          this.#loadAtMs = now;
          this.#checkedAtMs = now;
          this.#dirty = true;
        }
        return;
      case PL031_REG.IMSC:
        this.#imsc = value & 1;
        this.#dirty = true;
        return;
      case PL031_REG.ICR:
        if ((value & 1) !== 0 && this.#ris !== 0) {
          this.#ris = 0;
          this.#dirty = true;
        }
        return;
      default:
        // DR, RIS, MIS are read-only; ID and unassigned offsets ignore writes.
        return;
    }
  }
}
