// One level-triggered interrupt output of a device model. It remembers the level it last drove, so the IrqSink hears
// about every change exactly once (and nothing when the level did not move), however often the model re-evaluates.
import type { IrqSink } from "./device-model.ts";

/** A level interrupt line driven into an IrqSink. */
export class LevelLine {
  #level = false;

  constructor(
    private readonly sink: IrqSink,
    private readonly index: number,
  ) {}

  /** The level last driven. */
  get asserted(): boolean {
    return this.#level;
  }

  /** Drive the line; calls `sink.setLevel` only when the level changes. */
  drive(asserted: boolean): void {
    if (asserted === this.#level) return;
    this.#level = asserted;
    this.sink.setLevel(this.index, asserted);
  }
}
