// Policy: on a noiommu container a DmaBuffer is pinned memory at its physical address: huge pages when a pool has
// enough free (one pagemap entry read per huge page), else locked small pages with the facts of why; `segments` are the
// physical runs (adjacent pages merged); a buffer required contiguous that is not, a hidden PFN (no CAP_SYS_ADMIN) and
// a page not resident are refused with their classes and the memory freed; an explicit IOVA is refused. The kernel's
// side (pagemap, meminfo, the hugetlb pools, pinned memory) is the test's script.
import { describe, expect, test } from "bun:test";
import type { BoundaryFs, ProcessMemory } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import {
  DmaBuffer,
  InvalidArgumentError,
  PageNotResidentError,
  PagemapHiddenError,
  PhysicallyDiscontiguousError,
  type DmaSpace,
} from "../../src/index.ts";
import { ScriptedBoundary } from "../helpers/scripted-boundary.ts";

const PAGE = 4096;
const HUGE = 2 << 20;
const VBASE = 0x7f00_0000_0000n;

interface Kernel {
  /** Hugepagesize in /proc/meminfo (kB); undefined: no hugetlb line at all. */
  hugeKb?: number;
  /** free_hugepages per pool size in kB; undefined: no /sys/kernel/mm/hugepages. */
  pools?: Record<number, number>;
  /** PFN of the page at vaddr page index i (relative to VBASE): what pagemap says. */
  pfn: (i: number) => bigint;
  /** The raw entry instead of a present PFN. */
  entry?: (i: number) => bigint;
  hugeMmap?: "ENOMEM";
}

class NoiommuKernel extends ScriptedBoundary {
  readonly allocs: { length: number; huge?: number; freed: boolean }[] = [];
  constructor(private readonly k: Kernel) {
    super();
    this.on("pread", (buf) => {
      const last = this.callsOf("pread").at(-1)!;
      const i = Number(BigInt(last.offset / 8) - VBASE / BigInt(PAGE));
      const v = k.entry ? k.entry(i) : (1n << 63n) | k.pfn(i);
      new DataView(buf.buffer, buf.byteOffset).setBigUint64(0, v, true);
      return 8;
    });
  }
  override allocPinnedMemory(length: number, huge?: number): ProcessMemory {
    if (huge !== undefined && this.k.hugeMmap) throw SyscallError.of("ENOMEM", { syscall: "mmap" });
    const unit = huge ?? PAGE;
    const rounded = Math.ceil(length / unit) * unit;
    const rec: { length: number; huge?: number; freed: boolean } = { length: rounded, freed: false, ...(huge !== undefined ? { huge } : {}) };
    this.allocs.push(rec);
    return { address: VBASE, length: rounded, bytes: new Uint8Array(rounded), free: () => void (rec.freed = true) };
  }
  override allocMemory(length: number): ProcessMemory {
    return this.allocPinnedMemory(length);
  }
  override readonly fs = {
    readFile: (p: string) => {
      if (p === "/proc/meminfo") return `MemTotal: 2000000 kB\n${this.k.hugeKb !== undefined ? `Hugepagesize:    ${this.k.hugeKb} kB\n` : ""}`;
      const m = /^\/sys\/kernel\/mm\/hugepages\/hugepages-(\d+)kB\/free_hugepages$/.exec(p);
      if (m && this.k.pools?.[Number(m[1])] !== undefined) return `${this.k.pools[Number(m[1])]}\n`;
      throw SyscallError.of("ENOENT", { syscall: "readFile", path: p });
    },
    readdir: (p: string) => {
      if (p === "/sys/kernel/mm/hugepages" && this.k.pools) return Object.keys(this.k.pools).map((kb) => `hugepages-${kb}kB`);
      throw SyscallError.of("ENOENT", { syscall: "readdir", path: p });
    },
  } as unknown as BoundaryFs;
}

function space(noiommu: boolean): DmaSpace & { unmaps: bigint[] } {
  const unmaps: bigint[] = [];
  return {
    kind: "type1",
    noiommu,
    unmaps,
    mappings: [],
    dmaWindow: () => ({ pageSize: BigInt(PAGE), iovaRanges: [{ start: 0x10000n, end: 0xffffffffn }] }),
    mapMemory: (mem, iova, perm) => ({ vaddr: mem.address, iova, size: BigInt(mem.length), ...perm }),
    unmapDma: (iova, size) => (unmaps.push(iova), size),
  };
}

const RW = { read: true, write: true };
/** PFNs of a run starting at physical page `first`. */
const run = (first: number) => (i: number) => BigInt(first + i);

describe("huge pages when a pool has enough free", () => {
  test("consecutive huge pages merge into one segment; iova is the physical address; one pagemap read per huge page", () => {
    const b = new NoiommuKernel({ hugeKb: 2048, pools: { 2048: 8, 1048576: 0 }, pfn: run(0x40000) });
    const buf = DmaBuffer.allocate(b, space(true), 3 * HUGE - 5, RW);
    expect(b.allocs).toEqual([{ length: 3 * HUGE, huge: HUGE, freed: false }]);
    expect(buf.iova).toBe(0x40000n * 4096n);
    expect(buf.segments).toEqual([{ offset: 0, address: 0x4000_0000n, length: 3 * HUGE }]);
    expect(buf.pinning).toEqual({ pages: "huge", pageSize: HUGE });
    expect(buf.physical).toBe(true);
    expect(b.callsOf("pread").map((c) => c.offset)).toEqual([0, 1, 2].map((h) => Number((VBASE / 4096n) * 8n) + (h * HUGE) / 4096 * 8));
    expect(b.callsOf("open").map((c) => c.path)).toEqual(["/proc/self/pagemap"]);
    expect(b.callsOf("close").length).toBe(1);
  });

  test("huge pages apart: one segment per run with its offset when not required contiguous; refused when required", () => {
    // Huge page h sits at physical page 0x40000 + h * 0x1000 (2 MiB apart: adjacent) except the third, elsewhere.
    const pfn = (i: number) => (i < 1024 ? BigInt(0x40000 + i) : BigInt(0x80000 + i));
    const b = new NoiommuKernel({ hugeKb: 2048, pools: { 2048: 8 }, pfn });
    const buf = DmaBuffer.allocate(b, space(true), 3 * HUGE, RW, undefined, { contiguous: false });
    expect(buf.segments).toEqual([
      { offset: 0, address: 0x4000_0000n, length: 2 * HUGE },
      { offset: 2 * HUGE, address: BigInt(0x80000 + 1024) * 4096n, length: HUGE },
    ]);
    const b2 = new NoiommuKernel({ hugeKb: 2048, pools: { 2048: 8 }, pfn });
    let caught: unknown;
    try {
      DmaBuffer.allocate(b2, space(true), 3 * HUGE, RW);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PhysicallyDiscontiguousError);
    expect((caught as PhysicallyDiscontiguousError).refusal).toEqual({ size: 3 * HUGE, runs: 2, longestRun: 2 * HUGE, hugePageSize: HUGE });
    expect(b2.allocs[0]!.freed).toBe(true);
  });

  test("a pool that empties before the mmap (ENOMEM) falls back to locked small pages", () => {
    const b = new NoiommuKernel({ hugeKb: 2048, pools: { 2048: 8 }, pfn: run(0x50000), hugeMmap: "ENOMEM" });
    const buf = DmaBuffer.allocate(b, space(true), 2 * PAGE, RW);
    expect(b.allocs).toEqual([{ length: 2 * PAGE, freed: false }]);
    expect(buf.pinning).toEqual({ pages: "locked", pageSize: PAGE, why: { reason: "pool-short", hugePageSize: HUGE } });
  });
});

describe("locked small pages otherwise, with the facts of why", () => {
  test("pool short: the default size, pages needed and free", () => {
    const b = new NoiommuKernel({ hugeKb: 2048, pools: { 2048: 1 }, pfn: run(0x60000) });
    const buf = DmaBuffer.allocate(b, space(true), 3 * HUGE, RW);
    expect(b.allocs[0]).toEqual({ length: 3 * HUGE, freed: false });
    expect(buf.pinning).toEqual({ pages: "locked", pageSize: PAGE, why: { reason: "pool-short", hugePageSize: HUGE, needed: 3, free: 1 } });
    expect(buf.segments).toEqual([{ offset: 0, address: 0x6000_0000n, length: 3 * HUGE }]);
    expect(b.callsOf("pread").length).toBe((3 * HUGE) / PAGE); // small pages: one entry each
  });

  test("no hugetlb at all", () => {
    const b = new NoiommuKernel({ pfn: run(0x60000) });
    expect(DmaBuffer.allocate(b, space(true), PAGE, RW).pinning).toEqual({ pages: "locked", pageSize: PAGE, why: { reason: "no-hugetlb" } });
  });

  test("scattered small pages: refused by default, one segment per run with contiguous: false", () => {
    const pfn = (i: number) => BigInt([0x100, 0x101, 0x300, 0x200][i]!);
    const b = new NoiommuKernel({ pfn });
    expect(() => DmaBuffer.allocate(b, space(true), 4 * PAGE, RW)).toThrow(PhysicallyDiscontiguousError);
    expect(b.allocs[0]!.freed).toBe(true);
    const buf = DmaBuffer.allocate(new NoiommuKernel({ pfn }), space(true), 4 * PAGE, RW, undefined, { contiguous: false });
    expect(buf.iova).toBe(0x100000n);
    expect(buf.segments).toEqual([
      { offset: 0, address: 0x100000n, length: 2 * PAGE },
      { offset: 2 * PAGE, address: 0x300000n, length: PAGE },
      { offset: 3 * PAGE, address: 0x200000n, length: PAGE },
    ]);
  });
});

describe("refusals", () => {
  test("PFN 0 (pagemap without CAP_SYS_ADMIN): PagemapHiddenError naming the address; memory freed", () => {
    const b = new NoiommuKernel({ pfn: () => 0n });
    let caught: unknown;
    try {
      DmaBuffer.allocate(b, space(true), PAGE, RW);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PagemapHiddenError);
    expect((caught as PagemapHiddenError).address).toBe(VBASE);
    expect(b.allocs[0]!.freed).toBe(true);
  });

  test("a page not present or swapped: PageNotResidentError with the reason", () => {
    for (const [entry, reason] of [[0n, "not-present"], [1n << 62n, "swapped"]] as const) {
      const b = new NoiommuKernel({ pfn: run(1), entry: () => entry });
      let caught: unknown;
      try {
        DmaBuffer.allocate(b, space(true), PAGE, RW);
      } catch (e) {
        caught = e;
      }
      expect((caught as PageNotResidentError).refusal).toEqual({ address: VBASE, reason });
    }
  });

  test("an explicit IOVA is refused before anything is allocated", () => {
    const b = new NoiommuKernel({ pfn: run(1) });
    expect(() => DmaBuffer.allocate(b, space(true), PAGE, RW, 0x1000n)).toThrow(InvalidArgumentError);
    expect(b.allocs.length).toBe(0);
  });
});

describe("release and the IOMMU kind", () => {
  test("a noiommu buffer's release frees the memory and unmaps nothing", () => {
    const b = new NoiommuKernel({ pfn: run(1) });
    const s = space(true);
    const buf = DmaBuffer.allocate(b, s, PAGE, RW);
    buf.release();
    buf.release();
    expect(b.allocs[0]!.freed).toBe(true);
    expect(s.unmaps).toEqual([]);
  });

  test("an IOMMU buffer is one segment at its IOVA, unmapped on release", () => {
    const b = new NoiommuKernel({ pfn: run(1) });
    const s = space(false);
    const buf = DmaBuffer.allocate(b, s, PAGE + 1, RW);
    expect(buf.segments).toEqual([{ offset: 0, address: 0x10000n, length: 2 * PAGE }]);
    expect(buf.physical).toBe(false);
    buf.release();
    expect(s.unmaps).toEqual([0x10000n]);
  });
});
