// The accesses of a range, one at a time: a fill, a file loaded into a range, several values in a row, or a dump.
// Before every access pending signal handlers get a turn (interrupt.ts checkpoint), so a signal between two accesses
// stops the range before the next one; the accesses the caller skips (registers a bulk access must not touch) are
// never made. A stop is reported with how far the range got (RangeStoppedError wraps the InterruptedError).
import type { Region } from "../../vfio/region.ts";
import { checkpoint } from "../interrupt.ts";
import type { Width } from "../parse/access.ts";
import { checkRegister, readRegister, writeRegister } from "../register-io.ts";
import { InterruptedError } from "../usage-error.ts";
import { rangePauser } from "./pause-hook.ts";

/** A range stopped by a signal: `done` of `total` accesses made (skipped ones not counted), the last at `lastOffset`. */
export class RangeStoppedError extends Error {
  override readonly name = "RangeStoppedError";
  constructor(
    override readonly cause: InterruptedError,
    readonly done: number,
    readonly total: number,
    readonly lastOffset: number | undefined,
  ) {
    super(cause.message);
  }
}

/** Where a range is: its region, first offset and access width. */
export interface RangeAt {
  region: Region;
  offset: number;
  width: Width;
}

/** Check the whole range (count accesses) before the first one is made. @throws as Region.checkAccess */
export function checkRange(at: RangeAt, count: number): void {
  checkRegister(at.region, at.offset, at.width);
  checkRegister(at.region, at.offset + (count - 1) * at.width, at.width);
}

/** Run `step(i, offset)` for every access not in `skip`, with a checkpoint before each. @throws RangeStoppedError */
async function eachAccess(at: RangeAt, count: number, skip: ReadonlySet<number>, signal: AbortSignal, step: (i: number, offset: number) => void): Promise<number> {
  checkRange(at, count);
  const pause = rangePauser();
  const total = count - [...skip].filter((i) => i < count).length;
  let done = 0;
  let last: number | undefined;
  for (let i = 0; i < count; i++) {
    if (skip.has(i)) continue;
    const offset = at.offset + i * at.width;
    try {
      await checkpoint(signal);
    } catch (e) {
      if (e instanceof InterruptedError) throw new RangeStoppedError(e, done, total, last);
      throw e;
    }
    step(i, offset);
    done++;
    last = offset;
    await pause(done, signal);
  }
  return done;
}

/**
 * Write `values[i]` at `offset + i * width` for every i not in `skip`, in order, one access each.
 * @returns the number of writes made
 * @throws UsageError/region errors before the first access when the range does not fit, RangeStoppedError on a signal
 */
export function writeRange(at: RangeAt, values: readonly bigint[], skip: ReadonlySet<number>, signal: AbortSignal): Promise<number> {
  return eachAccess(at, values.length, skip, signal, (i, offset) => writeRegister(at.region, offset, at.width, values[i]!));
}

/**
 * Read `count` registers from `offset`, one access each, except those in `skip` (their values are 0n).
 * @throws as writeRange
 */
export async function readRange(at: RangeAt, count: number, skip: ReadonlySet<number>, signal: AbortSignal): Promise<bigint[]> {
  const values = new Array<bigint>(count).fill(0n);
  await eachAccess(at, count, skip, signal, (i, offset) => {
    values[i] = readRegister(at.region, offset, at.width);
  });
  return values;
}
