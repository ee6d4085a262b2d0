// Events, interrupts and the abort line (pl330-smmu.md §1.9): one raw bit per event/interrupt resource (RIS); INTEN
// decides whether DMASEV N is an event for DMAWFE or interrupt irq[N]; INTMIS = RIS & INTEN; irq[N] = INTMIS[N],
// re-evaluated whenever RIS or INTEN changes. The lines reach the board split (abort, irq[0..]) or combined (one OR).
import type { IrqSink } from "../device-model.ts";
import { LevelLine } from "../level-line.ts";
import type { Pl330Config } from "./config.ts";

export class EventUnit {
  inten = 0;
  ris = 0;
  readonly #mask: number;
  readonly #lines: LevelLine[];
  readonly #split: boolean;
  readonly #eventLines: number;

  constructor(cfg: Pl330Config, sink: IrqSink) {
    this.#mask = cfg.events >= 32 ? 0xffffffff : (1 << cfg.events) - 1;
    this.#split = cfg.irqLayout === "split";
    this.#eventLines = this.#split ? cfg.eventIrqLines : 0;
    this.#lines = Array.from({ length: 1 + this.#eventLines }, (_, i) => new LevelLine(sink, i));
  }

  get intmis(): number {
    return (this.ris & this.inten) >>> 0;
  }

  /** INTEN write: bits beyond the configured events read as zero. */
  setInten(value: number): void {
    this.inten = (value & this.#mask) >>> 0;
  }

  /** INTCLR write: clears RIS only for bits whose INTEN is 1 (event-mode bits are untouched). */
  clear(value: number): void {
    this.ris = (this.ris & ~(value & this.inten)) >>> 0;
  }

  isInterrupt(event: number): boolean {
    return ((this.inten >>> event) & 1) !== 0;
  }

  /** An event-mode bit that is set: a DMAWFE on it proceeds at once and consumes it. */
  pendingEvent(event: number): boolean {
    return (((this.ris & ~this.inten) >>> event) & 1) !== 0;
  }

  set(event: number): void {
    this.ris = (this.ris | (1 << event)) >>> 0;
  }

  consume(event: number): void {
    this.ris = (this.ris & ~(1 << event)) >>> 0;
  }

  /** Drive every line from RIS/INTEN and the abort condition. */
  drive(abort: boolean): void {
    const mis = this.intmis;
    if (!this.#split) {
      this.#lines[0]!.drive(abort || mis !== 0);
      return;
    }
    this.#lines[0]!.drive(abort);
    for (let n = 0; n < this.#eventLines; n++) this.#lines[1 + n]!.drive(((mis >>> n) & 1) !== 0);
  }

  asserted(index: number): boolean {
    return this.#lines[index]?.asserted ?? false;
  }

  /** Silicon reset: everything clear (lines follow at the next drive). */
  reset(): void {
    this.inten = 0;
    this.ris = 0;
  }
}
