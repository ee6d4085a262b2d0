// The memcpy fast path's reach over a nested loop: Linux's memcpy program wraps its burst loop in a second counted
// loop (DMALP lcA; body; DMALPEND lcA; DMALPEND lcB back to the DMALP), so a batch that stopped at every end of the
// inner loop paid the batch set-up 256 times per 64 MiB. Here: recognising that shape from cached program bytes, and
// the instruction cache's use order over a loop's passes (sweep), which both loops' batches rely on.

/** The loop around the fast path's inner loop, as found at the inner loop's end. */
export interface OuterLoop {
  /** Address of the DMALP that reloads the inner loop's counter (where the outer DMALPEND jumps back to). */
  lpAddr: number;
  /** Address of the outer DMALPEND (right after the inner loop's DMALPEND). */
  endAddr: number;
  /** The outer loop's counter. */
  lc: 0 | 1;
  /** Inner passes per outer iteration: the DMALP's count + 1. */
  innerPasses: number;
}

/** DMALP lc0 / lc1 opcodes; counted, unconditional DMALPEND lc0 / lc1. */
const LP = [0x20, 0x22] as const;
const LPEND_COUNTED = 0x38;

/**
 * The outer loop around an inner loop whose body starts at `bodyStart`, counts on `innerLc` and ends with the DMALPEND
 * at `innerEnd`: the next instruction is an unconditional counted DMALPEND on the other counter whose jump lands on a
 * DMALP of the inner counter placed right before the body. `byteAt` gives a program byte as the thread sees it, or -1
 * when it cannot tell without a bus access (then there is no outer loop to batch).
 */
export function findOuterLoop(byteAt: (address: number) => number, bodyStart: number, innerLc: 0 | 1, innerEnd: number): OuterLoop | undefined {
  const endAddr = (innerEnd + 2) >>> 0;
  const op = byteAt(endAddr);
  const jump = byteAt(endAddr + 1);
  if (op < 0 || jump < 0 || (op & 0xfb) !== LPEND_COUNTED) return undefined;
  const lc = (op & 4) !== 0 ? 1 : 0;
  if (lc === innerLc) return undefined;
  const lpAddr = (endAddr - jump) >>> 0;
  if (((lpAddr + 2) >>> 0) !== bodyStart) return undefined;
  const count = byteAt(lpAddr + 1);
  if (byteAt(lpAddr) !== LP[innerLc] || count < 0) return undefined;
  return { lpAddr, endAddr, lc, innerPasses: count + 1 };
}

/**
 * The loop's instruction lines through the cache over its passes (LRU, as icache.ts evicts): the lines the first pass
 * and every later pass fill from the bus, and the cache's use order after any number of whole passes (the same after
 * one as after many: a cyclic sweep leaves the last `capacity` lines it touched, oldest first).
 */
export function sweep(order: number[], lines: number[], capacity: number): { first: Set<number>; later: Set<number>; after: number[] } {
  const cache = [...order];
  const pass = (): Set<number> => {
    const missed = new Set<number>();
    for (const line of lines) {
      const i = cache.indexOf(line);
      if (i >= 0) cache.splice(i, 1);
      else missed.add(line);
      cache.push(line);
      if (cache.length > capacity) cache.shift();
    }
    return missed;
  };
  const first = pass();
  const after = [...cache];
  return { first, later: pass(), after };
}
