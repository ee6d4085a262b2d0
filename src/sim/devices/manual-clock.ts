// A clock that moves only when told to: tests and deterministic demos inject it so that time-driven device behaviour
// (RTC counting, alarms, DMA progress) is exact and repeatable instead of depending on the host's timing.
import type { Clock } from "./device-model.ts";

/** A Clock whose time (ms) is set by hand. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}

  nowMs(): number {
    return this.ms;
  }

  /** Move forward by `ms` (negative moves back, as a wall clock can). */
  advance(ms: number): void {
    this.ms += ms;
  }

  /** Jump to an absolute time. */
  set(ms: number): void {
    this.ms = ms;
  }
}
