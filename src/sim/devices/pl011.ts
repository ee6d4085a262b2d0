// ARM PrimeCell PL011 UART (ARM DDI 0183), the console on QEMU's `virt` board (9000000.pl011): the register file with
// its reset values, an always-empty receiver and a transmitter that sends each byte at once (the bytes are kept in a
// `console` string), one combined level interrupt. Enough to read honestly; not a serial line.
import type { AccessWidth, DeviceContext, DeviceModel } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import { LevelLine } from "./level-line.ts";
import { primeCellIdWord } from "./primecell-id.ts";
import { readLanes, writeLanes } from "./register-lanes.ts";
import { savedObject, savedString, savedU32 } from "./saved-state.ts";

/** Register offsets (DDI 0183, "Summary of registers"). */
export const PL011_REG = {
  DR: 0x00,
  RSR: 0x04,
  FR: 0x18,
  ILPR: 0x20,
  IBRD: 0x24,
  FBRD: 0x28,
  LCR_H: 0x2c,
  CR: 0x30,
  IFLS: 0x34,
  IMSC: 0x38,
  RIS: 0x3c,
  MIS: 0x40,
  ICR: 0x44,
  DMACR: 0x48,
} as const;

/** UARTFR bits. */
const PL011_FR = { BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7 } as const;

/** UARTRIS/MIS/IMSC/ICR bit of the transmit interrupt. */
const PL011_INT_TX = 1 << 5;

/** PeriphID0..3: part 0x011, designer 0x41 (ARM), revision 1. */
const PL011_PERIPH_ID = [0x11, 0x10, 0x14, 0x00] as const;

/** Reset values that are not 0 (DDI 0183): UARTCR TXE|RXE, UARTIFLS half-full triggers. */
const PL011_RESET = { CR: 0x0300, IFLS: 0x12 } as const;

const MODEL = "pl011";
const INT_MASK = 0x7ff;
/** Bits 6:3 of UARTCR are reserved. */
const CR_MASK = 0xff87;
/** The console log keeps its last 64 KiB so the state file stays small. */
const CONSOLE_LIMIT = 64 * 1024;

/** The PL011's saved state (plain JSON). */
interface Pl011State {
  version: 1;
  rsr: number;
  ilpr: number;
  ibrd: number;
  fbrd: number;
  lcrh: number;
  cr: number;
  ifls: number;
  imsc: number;
  ris: number;
  dmacr: number;
  /** Bytes transmitted through UARTDR, one char per byte (latin1). */
  console: string;
}

type Pl011Registers = Omit<Pl011State, "version" | "console">;

/**
 * PL011 model. Reads: DR returns 0 (the receive FIFO is always empty: no input is modelled); FR = TXFE|RXFE (0x90, the
 * reset value; modem inputs read inactive, BUSY never set because transmission is instant); the other registers read
 * back what was written, masked to their width, with the TRM reset values (CR 0x300, IFLS 0x12, the rest 0). ID
 * registers: PeriphID 11 10 14 00, PCellID 0d f0 05 b1; unassigned offsets read 0, writes there are ignored.
 * Writes: a byte written to DR is transmitted at once (whatever CR's enable bits say, as QEMU does) and appended to
 * `console`; the transmit FIFO is then empty, at or below any trigger level, so TXRIS (bit 5) is set, as in the TRM and
 * QEMU; ICR clears the written bits; writing RSR/ECR clears the error bits. Interrupt line 0 (UARTINTR, level) is
 * asserted while RIS & IMSC. Access widths behave as on APB (see register-lanes.ts). No time-driven behaviour.
 */
export class Pl011 implements DeviceModel {
  readonly #line: LevelLine;
  #regs = Pl011.#resetRegs();
  #console = "";
  #dirty = true;

  /** Starts in the reset state. */
  constructor(_spec: DeviceSpec, ctx: DeviceContext) {
    this.#line = new LevelLine(ctx.irq, 0);
  }

  static #resetRegs(): Pl011Registers {
    const { CR: cr, IFLS: ifls } = PL011_RESET;
    return { rsr: 0, ilpr: 0, ibrd: 0, fbrd: 0, lcrh: 0, cr, ifls, imsc: 0, ris: 0, dmacr: 0 };
  }

  /** Everything transmitted so far (the last 64 KiB). */
  get console(): string {
    return this.#console;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    if (region !== 0) return 0n;
    return readLanes(offset, width, (word) => this.#readWord(word));
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    if (region !== 0) return;
    writeLanes(offset, width, value, (word, v) => this.#writeWord(word, v));
    this.#line.drive((this.#regs.ris & this.#regs.imsc) !== 0);
  }

  advance(): void {}

  nextEventAtMs(): number | undefined {
    return undefined;
  }

  irqAsserted(index: number): boolean {
    return index === 0 && this.#line.asserted;
  }

  /** Registers to their reset values; the console log (what already went out on the wire) is kept. */
  reset(): void {
    this.#regs = Pl011.#resetRegs();
    this.#dirty = true;
    this.#line.drive(false);
  }

  save(): Pl011State {
    return { version: 1, ...this.#regs, console: this.#console };
  }

  /** Restores `save()` output and drives the line to the restored level. Throws TypeError for anything else. */
  restore(state: unknown): void {
    const s = savedObject(state, MODEL);
    if (s["version"] !== 1) throw new TypeError(`${MODEL}: unsupported saved state version`);
    const regs = Pl011.#resetRegs();
    for (const key of Object.keys(regs) as (keyof Pl011Registers)[]) regs[key] = savedU32(s, key, MODEL);
    this.#console = savedString(s, "console", MODEL);
    this.#regs = regs;
    this.#dirty = false;
    this.#line.drive((regs.ris & regs.imsc) !== 0);
  }

  #readWord(offset: number): number {
    const r = this.#regs;
    switch (offset) {
      case PL011_REG.DR:
        return 0;
      case PL011_REG.RSR:
        return r.rsr;
      case PL011_REG.FR:
        return PL011_FR.TXFE | PL011_FR.RXFE;
      case PL011_REG.ILPR:
        return r.ilpr;
      case PL011_REG.IBRD:
        return r.ibrd;
      case PL011_REG.FBRD:
        return r.fbrd;
      case PL011_REG.LCR_H:
        return r.lcrh;
      case PL011_REG.CR:
        return r.cr;
      case PL011_REG.IFLS:
        return r.ifls;
      case PL011_REG.IMSC:
        return r.imsc;
      case PL011_REG.RIS:
        return r.ris;
      case PL011_REG.MIS:
        return r.ris & r.imsc;
      case PL011_REG.DMACR:
        return r.dmacr;
      default:
        // ICR is write-only and reads 0, like every unassigned offset.
        return primeCellIdWord(offset, PL011_PERIPH_ID) ?? 0;
    }
  }

  #writeWord(offset: number, value: number): void {
    const r = this.#regs;
    switch (offset) {
      case PL011_REG.DR:
        this.#console = (this.#console + String.fromCharCode(value & 0xff)).slice(-CONSOLE_LIMIT);
        r.ris |= PL011_INT_TX;
        break;
      case PL011_REG.RSR:
        r.rsr = 0;
        break;
      case PL011_REG.ILPR:
        r.ilpr = value & 0xff;
        break;
      case PL011_REG.IBRD:
        r.ibrd = value & 0xffff;
        break;
      case PL011_REG.FBRD:
        r.fbrd = value & 0x3f;
        break;
      case PL011_REG.LCR_H:
        r.lcrh = value & 0xff;
        break;
      case PL011_REG.CR:
        r.cr = value & CR_MASK;
        break;
      case PL011_REG.IFLS:
        r.ifls = value & 0x3f;
        break;
      case PL011_REG.IMSC:
        r.imsc = value & INT_MASK;
        break;
      case PL011_REG.ICR:
        r.ris &= ~value & INT_MASK;
        break;
      case PL011_REG.DMACR:
        r.dmacr = value & 0x7;
        break;
      default:
        // FR, MIS, RIS are read-only; ID and unassigned offsets ignore writes.
        return;
    }
    this.#dirty = true;
  }
}
