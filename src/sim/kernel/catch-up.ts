// The host-time bound on catching up (issue 12, item 5): every kernel entry (a register access, an ioctl, an event
// timer tick) lets the open devices' models work for at most ACCESS_BUDGET_MS of host time to reach the board clock's
// now, so a register read costs well under 0.1 ms whatever a device is doing. A poll() wait lets them use the time
// the program is willing to wait. Work beyond the bound waits for the next entry, up to a model's hold-over (the
// PL330's HOLD_OVER_MS), and beyond that is dropped: the model's virtual time falls behind the wall
// clock, and the kernel log says so (once per open, then a total at release). See docs/clock.md.
import type { CatchUpBudget } from "../devices/device-model.ts";

/** Host time the models may spend catching up within one register access, ioctl or timer tick. */
export const ACCESS_BUDGET_MS = 0.05;

/** A device falls "visibly" behind (a kernel log line) once it dropped this much of its clock's time. */
export const REPORT_LAG_MS = 1;

/** Host time in ms (monotonic). */
export const HOST_NOW_MS = (): number => performance.now();

/** How far one open device fell behind its clock, and whether the kernel log has said so yet. */
export interface LagRecord {
  totalMs: number;
  reported: boolean;
}

/** The catch-up window of the current kernel entry, shared by every open device. */
export class CatchUpWindow {
  #deadline: number | undefined;

  constructor(
    readonly hostNowMs: () => number = HOST_NOW_MS,
    readonly accessMs = ACCESS_BUDGET_MS,
  ) {}

  /** Open the window of a kernel entry lasting `ms` of host time (does nothing while one is open). */
  open(ms = this.accessMs): void {
    if (this.#deadline === undefined) this.#deadline = this.hostNowMs() + ms;
  }

  /** The entry is over. */
  close(): void {
    this.#deadline = undefined;
  }

  /** The open window's deadline; a device accessed outside any entry gets a window of its own. */
  deadline(): number {
    return this.#deadline ?? this.hostNowMs() + this.accessMs;
  }

  /** The budget handed to one device's model: this window, and where its lag is counted. */
  budgetFor(lag: LagRecord, onLag: (lag: LagRecord) => void): CatchUpBudget {
    return {
      deadline: () => this.deadline(),
      hostNowMs: this.hostNowMs,
      fellBehind: (ms) => {
        if (!(ms > 0)) return;
        lag.totalMs += ms;
        onLag(lag);
      },
    };
  }
}

/** Clock time as the kernel log words it: "0.42 ms", "1234 ms". */
export function lagText(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toPrecision(2)} ms`;
}
