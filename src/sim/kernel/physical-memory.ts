// The simulated kernel's model of physical memory, for DMA without an IOMMU: the board's RAM, its huge page pool, and
// the frames this process's pinned memory (allocPinnedMemory) occupies. A device with no translation in front of it
// drives physical addresses; access() finds the process pages behind them, and an address no pinned page of this
// process backs (outside RAM, or RAM the kernel or nobody gave this process) is a decode error (BusFault "decode").
//
// Frame choice, stated once: huge pages come from the pool in ascending address order, lowest free first, so a fresh
// pool gives one allocation physically consecutive huge pages, and a fragmented pool does not. Small pages of one
// allocation take every other frame of the small-page area, so no two of them are adjacent (as on a machine whose
// buddy allocator has been running a while): a buffer of small pages is never physically contiguous beyond a page.
// Everything here belongs to this process and dies with it (pinned memory is freed at exit); only the pool's size
// (nr_hugepages) is board state, kept by the caller.
import type { OsPrimitives, ProcessMemory } from "../../boundary/kernel-boundary.ts";
import type { BusAccess, BusFault } from "../devices/device-model.ts";
import { fail } from "./errno.ts";
import type { MemoryLayout } from "./memory-layout.ts";

/** One pinned allocation: its process memory and the physical address of each of its pages. */
interface PinnedRegion {
  readonly mem: ProcessMemory;
  /** Page size of the mapping (the CPU page size, or the huge page size). */
  readonly pageSize: number;
  /** Physical address of page i of the mapping. */
  readonly frames: bigint[];
  /** Pool slots (huge) or frame numbers (small) this region holds. */
  readonly slots: number[] | bigint[];
  readonly huge: boolean;
}

/** The page at a physical address: its region and the byte offset of the address in the region. */
interface Backing {
  region: PinnedRegion;
  offset: number;
  /** Bytes from the address to the end of its page. */
  pageLeft: number;
}

export class PhysicalMemory {
  readonly #regions = new Set<PinnedRegion>();
  /** Small frames in use, by frame number (physical address / page size). */
  readonly #small = new Map<bigint, { region: PinnedRegion; index: number }>();
  /** Pool slots in use, by slot. */
  readonly #huge = new Map<number, { region: PinnedRegion; index: number }>();
  /** The next small frame number to try (moves by two). */
  #cursor: bigint;
  readonly #firstSmall: bigint;
  readonly #endSmall: bigint;

  constructor(
    readonly layout: MemoryLayout,
    private readonly os: OsPrimitives,
    /** nr_hugepages now (board state: `echo N > .../nr_hugepages` changes it). */
    private readonly poolSize: () => number,
  ) {
    const ps = BigInt(layout.pageSize);
    this.#firstSmall = layout.smallBase / ps;
    this.#endSmall = layout.hugeBase / ps;
    this.#cursor = this.#firstSmall;
  }

  /** Huge pages this process holds. */
  get hugePagesHeld(): number {
    return this.#huge.size;
  }

  /** Huge pages of the pool nobody in this process holds (free_hugepages, HugePages_Free). */
  hugePagesFree(): number {
    let held = 0;
    const total = this.total();
    for (const slot of this.#huge.keys()) if (slot < total) held++;
    return total - held;
  }

  /** The pool's size, cut to what fits in RAM. */
  total(): number {
    return Math.max(0, Math.min(this.layout.maxHugePages, this.poolSize()));
  }

  /**
   * Pinned, zero-filled memory of `length` bytes (rounded up to whole pages): huge pages of `hugePageSize` from the
   * pool, or small pages.
   * @throws Errno EINVAL for a huge page size the board has no pool of (MAP_HUGETLB); ENOMEM when the pool or RAM is
   *   short; EINVAL for a length that is not a positive integer
   */
  allocate(length: number, hugePageSize?: number): ProcessMemory {
    if (!Number.isSafeInteger(length) || length <= 0) fail("EINVAL");
    if (hugePageSize !== undefined) return this.#allocateHuge(length, hugePageSize);
    const ps = this.layout.pageSize;
    const pages = Math.ceil(length / ps);
    const frames = this.#takeSmall(pages);
    return this.#install(pages * ps, ps, frames.map((f) => f * BigInt(ps)), frames, false);
  }

  #allocateHuge(length: number, size: number): ProcessMemory {
    if (size !== this.layout.hugePageSize) fail("EINVAL");
    const pages = Math.ceil(length / size);
    const total = this.total();
    const slots: number[] = [];
    for (let i = 0; i < total && slots.length < pages; i++) if (!this.#huge.has(i)) slots.push(i);
    if (slots.length < pages) fail("ENOMEM");
    const frames = slots.map((s) => this.layout.hugeBase + BigInt(s) * BigInt(size));
    return this.#install(pages * size, size, frames, slots, true);
  }

  /** `count` free small frames, every other frame from the cursor on (wrapping once through the area). */
  #takeSmall(count: number): bigint[] {
    const out: bigint[] = [];
    const span = this.#endSmall - this.#firstSmall;
    let f = this.#cursor;
    for (let tried = 0n; out.length < count && tried < span; tried++) {
      if (!this.#small.has(f)) out.push(f);
      f += 2n;
      if (f >= this.#endSmall) f = this.#firstSmall + ((f - this.#firstSmall) % 2n === 0n ? 1n : 0n);
    }
    if (out.length < count) fail("ENOMEM");
    this.#cursor = f;
    return out;
  }

  #install(length: number, pageSize: number, frames: bigint[], slots: number[] | bigint[], huge: boolean): ProcessMemory {
    const mem = this.os.allocMemory(length);
    const region: PinnedRegion = { mem, pageSize, frames, slots, huge };
    this.#regions.add(region);
    slots.forEach((s, index) => (huge ? this.#huge.set(s as number, { region, index }) : this.#small.set(s as bigint, { region, index })));
    let freed = false;
    return {
      address: mem.address,
      length: mem.length,
      bytes: mem.bytes,
      free: () => {
        if (freed) return;
        freed = true;
        this.#release(region);
      },
    };
  }

  #release(region: PinnedRegion): void {
    if (!this.#regions.delete(region)) return;
    for (const s of region.slots) region.huge ? this.#huge.delete(s as number) : this.#small.delete(s as bigint);
    region.mem.free();
  }

  /** Free every pinned allocation (the process exits: its mappings go, its huge pages return to the pool). */
  freeAll(): void {
    for (const r of [...this.#regions]) this.#release(r);
  }

  /** The physical address behind a process virtual address of pinned memory, undefined for any other address. */
  physicalOf(vaddr: bigint): bigint | undefined {
    for (const r of this.#regions) {
      const off = vaddr - r.mem.address;
      if (off < 0n || off >= BigInt(r.mem.length)) continue;
      const ps = BigInt(r.pageSize);
      return r.frames[Number(off / ps)]! + (off % ps);
    }
    return undefined;
  }

  /** Which pinned page holds physical address `pa`, if any. */
  #backing(pa: bigint): Backing | undefined {
    const l = this.layout;
    const ps = BigInt(l.pageSize);
    const small = this.#small.get(pa / ps);
    if (small) {
      const within = Number(pa % ps);
      return { region: small.region, offset: small.index * l.pageSize + within, pageLeft: l.pageSize - within };
    }
    if (pa < l.hugeBase) return undefined;
    const hps = BigInt(l.hugePageSize);
    const huge = this.#huge.get(Number((pa - l.hugeBase) / hps));
    if (!huge) return undefined;
    const within = Number((pa - l.hugeBase) % hps);
    return { region: huge.region, offset: huge.index * l.hugePageSize + within, pageLeft: l.hugePageSize - within };
  }

  /**
   * A bus master's access by physical address: views of the pinned process memory behind [address, address+length),
   * in order (runs that are contiguous in the process memory too come as one view); at the first byte no pinned page
   * of this process backs, the views stop and `fault` is a decode error there (the interconnect's DECERR).
   */
  access(a: BusAccess): { views: Uint8Array[]; fault?: BusFault } {
    const views: Uint8Array[] = [];
    let addr = a.address;
    let left = a.length;
    let last: { region: PinnedRegion; end: number } | undefined;
    while (left > 0) {
      const b = this.#backing(addr);
      if (!b) return { views, fault: { kind: "decode", address: addr } };
      const n = Math.min(left, b.pageLeft);
      if (last && last.region === b.region && last.end === b.offset) {
        const prev = views[views.length - 1]!;
        views[views.length - 1] = b.region.mem.bytes.subarray(prev.byteOffset - b.region.mem.bytes.byteOffset, b.offset + n);
      } else {
        views.push(b.region.mem.bytes.subarray(b.offset, b.offset + n));
      }
      last = { region: b.region, end: b.offset + n };
      addr += BigInt(n);
      left -= n;
    }
    return { views };
  }
}
