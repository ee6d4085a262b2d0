// When `watch` takes its next sample: on a fixed grid of ticks from the first sample (start + k * interval), so the
// time a sample takes does not add up over a long watch; a sample that overran whole intervals skips their ticks
// instead of firing a burst to catch up.

/** The next tick after `lastTick` that is not already past at `now`, and how long to sleep until it (ms, >= 0). */
export function nextTick(startMs: number, intervalMs: number, lastTick: number, nowMs: number): { tick: number; delayMs: number } {
  const due = Math.ceil((nowMs - startMs) / intervalMs); // the first tick not yet past (due now, or ahead)
  const tick = Math.max(lastTick + 1, due);
  return { tick, delayMs: Math.max(0, startMs + tick * intervalMs - nowMs) };
}
