// Reading many registers as the CLI does it, for `read DEVICE ADDR COUNT` and a script's `read ADDR COUNT`: each
// register exactly once, the whole range checked first, in chunks with a signal checkpoint between them so Ctrl-C
// stops a long dump (on a slow bus, a million registers take seconds) instead of waiting for its end. A dump may skip
// given accesses (read-to-clear registers a dump must not clear).
import type { Region } from "../vfio/region.ts";
import { checkpoint } from "./interrupt.ts";
import type { Width } from "./parse/access.ts";
import { checkRegister, readRegisterRange } from "./register-io.ts";

/** Registers read between two checkpoints: small enough to stop promptly, large enough that checking costs nothing. */
export const READ_CHUNK = 4096;

/**
 * Read `count` registers of `width` from `offset`, each exactly once. Before each chunk, pending signal handlers get a
 * turn (see interrupt.ts); `onChunk(done)` is called after each.
 * @throws UsageError when the range does not fit the region (before any access), InterruptedError on a signal
 */
export async function readRegisters(
  region: Region,
  offset: number,
  width: Width,
  count: number,
  signal: AbortSignal,
  onChunk?: (done: number) => void,
): Promise<bigint[]> {
  // The whole range is checked before the first access: never half a dump and then an error.
  checkRegister(region, offset + (count - 1) * width, width);
  const values: bigint[] = [];
  for (let done = 0; done < count; ) {
    await checkpoint(signal);
    const n = Math.min(READ_CHUNK, count - done);
    for (const v of readRegisterRange(region, offset + done * width, width, n)) values.push(v);
    done += n;
    onChunk?.(done);
  }
  return values;
}

/**
 * As readRegisters, but the accesses whose indexes are in `skip` are not made (their values are 0n): a dump that
 * must not read read-to-clear registers. The rest is read in runs between them; `onChunk(done)` counts every access.
 * @throws UsageError when the range does not fit the region (before any access), InterruptedError on a signal
 */
export async function readRegistersSkipping(
  region: Region,
  offset: number,
  width: Width,
  count: number,
  skip: ReadonlyMap<number, unknown>,
  signal: AbortSignal,
  onChunk?: (done: number) => void,
): Promise<bigint[]> {
  if (skip.size === 0) return readRegisters(region, offset, width, count, signal, onChunk);
  checkRegister(region, offset + (count - 1) * width, width);
  const values: bigint[] = [];
  for (let i = 0; i < count; ) {
    if (skip.has(i)) {
      values.push(0n);
      i++;
      continue;
    }
    let j = i;
    while (j < count && !skip.has(j)) j++;
    const base = values.length;
    values.push(...(await readRegisters(region, offset + i * width, width, j - i, signal, (done) => onChunk?.(base + done))));
    i = j;
  }
  return values;
}
