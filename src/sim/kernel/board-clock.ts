// The board clock and the scheduling of device events: the default time source of the device models, how long until
// the next event of the open devices, and the unref'd timer that runs that event while the program waits in its own
// event loop (an async sleep) instead of in a kernel call, so a DMA finishing during a script's `sleep` lands in
// memory the program then reads without calling the kernel, as on real hardware.
import type { Clock } from "../devices/device-model.ts";
import type { DeviceRuntime } from "./device-runtime.ts";

/**
 * Epoch milliseconds with sub-millisecond resolution. Date.now() ticks once per ms, so a device that needs a few
 * cycles (a debug instruction on the PL330) looked busy until the next tick: ~1 ms per DMA start at a 1 GHz clock.
 */
export const SYSTEM_CLOCK: Clock = { nowMs: () => performance.timeOrigin + performance.now() };

/** poll() and the event timer re-check the board at least this often (a guard against far-future or missed deadlines). */
export const MAX_POLL_SLICE_MS = 1000;

/** Milliseconds until the next device event of `open` (0 when one is due, Infinity when none is pending). */
export function nextEventDelayMs(clock: Clock, open: Iterable<DeviceRuntime>): number {
  const now = clock.nowMs();
  let next = Infinity;
  for (const rt of open) {
    const t = rt.model.nextEventAtMs();
    if (t !== undefined) next = Math.min(next, Math.max(0, t - now));
  }
  return next;
}

/** The one timer that brings the board up to its next device event. */
export class EventTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Milliseconds until the next event (Infinity: none). */
    private readonly nextDelayMs: () => number,
    /** Run when the timer fires: bring the devices up to now. */
    private readonly tick: () => void,
  ) {}

  /** (Re-)arm for the next event. Unref'd: it never keeps the process alive. */
  arm(): void {
    this.cancel();
    const delay = this.nextDelayMs();
    if (!Number.isFinite(delay)) return;
    // At least 1 ms (a due event that a manual clock keeps due must not spin), at most a poll slice.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, Math.min(MAX_POLL_SLICE_MS, Math.max(1, Math.ceil(delay))));
    (this.timer as { unref?: () => void }).unref?.();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
