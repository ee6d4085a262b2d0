// Instruction fetch: each thread reads its program through a small cache of aligned lines (CR1's line length and
// count), filled by privileged instruction reads on the AXI master. A line never crosses a 4 KiB page, so an IOMMU
// fault names the line's address as silicon's would. Like silicon's cache it is not coherent: DMAGO, DMAKILL and
// DMAWFE's invalidate flush it, but a program rewritten under a running thread may not be seen.
import type { BusAccess, BusFault } from "../device-model.ts";
import type { Bus } from "./bus.ts";
import { insnLength } from "./decoder.ts";

/** A thread's cache of instruction lines, least recently used evicted first. */
export class InstructionCache {
  // Map order = use order (oldest first).
  readonly #lines = new Map<number, Uint8Array>();
  #mruLine = -1;
  #mru: Uint8Array | undefined;
  #generation = 0;

  constructor(
    readonly lineBytes: number,
    readonly capacity: number,
  ) {}

  invalidate(): void {
    this.#lines.clear();
    this.#mru = undefined;
    this.#generation++;
  }

  /** Counts invalidations: a thread's program may have changed since a different generation was seen. */
  get generation(): number {
    return this.#generation;
  }

  /** The cached line at `line` (an aligned address) without touching the use order, or undefined. */
  peek(line: number): Uint8Array | undefined {
    return this.#lines.get(line);
  }

  /** The cached line, marked most recently used. */
  get(line: number): Uint8Array | undefined {
    if (line === this.#mruLine && this.#mru) return this.#mru; // already the newest: the order does not change
    const v = this.#lines.get(line);
    if (v !== undefined) {
      this.#lines.delete(line);
      this.#lines.set(line, v);
      this.#mruLine = line;
      this.#mru = v;
    }
    return v;
  }

  /** Cached line addresses, least recently used first. */
  order(): number[] {
    return [...this.#lines.keys()];
  }

  /**
   * Replace the contents with `entries` (least recently used first): the state a run of fetches leaves, set in one go
   * by the fast path. Not an invalidation (the generation stays).
   */
  restore(entries: readonly (readonly [number, Uint8Array])[]): void {
    this.#lines.clear();
    this.#mru = undefined;
    this.#mruLine = -1;
    for (const [line, data] of entries.slice(-this.capacity)) this.put(line, data);
  }

  put(line: number, data: Uint8Array): void {
    this.#mruLine = line;
    this.#mru = data;
    if (this.#lines.size >= this.capacity) {
      const oldest = this.#lines.keys().next().value;
      if (oldest !== undefined) this.#lines.delete(oldest);
    }
    this.#lines.set(line, data);
  }
}

/** Who is fetching: the thread's cache, its security (ARPROT[1]) and AXI ID. */
interface Fetcher {
  readonly icache: InstructionCache;
  readonly ns: boolean;
}

/** The bus transaction of a line fill: a privileged instruction read of the whole aligned line. */
export function lineFill(f: Fetcher, streamId: number, line: number): BusAccess {
  return { address: BigInt(line), length: f.icache.lineBytes, write: false, instruction: true, privileged: true, nonSecure: f.ns, streamId };
}

/** Read a line from the bus without caching it: its bytes and the views they came from, or the fault. */
export function readLine(f: Fetcher, streamId: number, bus: Bus, line: number): { data: Uint8Array; views: Uint8Array[] } | { fault: BusFault } {
  const n = f.icache.lineBytes;
  const r = bus.access(lineFill(f, streamId, line));
  if (r.fault) return { fault: r.fault };
  const data = new Uint8Array(n);
  let off = 0;
  for (const v of r.views) {
    data.set(v.subarray(0, n - off), off);
    off += v.length;
  }
  return { data, views: r.views };
}

function lineOf(f: Fetcher, streamId: number, bus: Bus, line: number): Uint8Array | undefined {
  const hit = f.icache.get(line);
  if (hit) return hit;
  const r = readLine(f, streamId, bus, line);
  if ("fault" in r) return undefined;
  f.icache.put(line, r.data);
  return r.data;
}

/**
 * Fetch the instruction at `pc` into `out` (6 bytes): its length, or -1 when a line fill got an error response
 * (instr_fetch_err). With `cachedOnly` the bus is never used: -1 also when a line is not cached.
 */
export function fetchInsn(
  f: Fetcher,
  streamId: number,
  bus: Bus,
  pc: number,
  out: Uint8Array,
  cachedOnly = false,
): number {
  const n = f.icache.lineBytes;
  let line = pc - (pc % n);
  let data = cachedOnly ? f.icache.peek(line) : lineOf(f, streamId, bus, line);
  if (!data) return -1;
  let at = pc - line;
  const len = insnLength(data[at]!);
  for (let i = 0; i < len; i++) {
    if (at === n) {
      line = (line + n) >>> 0;
      data = cachedOnly ? f.icache.peek(line) : lineOf(f, streamId, bus, line);
      if (!data) return -1;
      at = 0;
    }
    out[i] = data[at++]!;
  }
  return len;
}
