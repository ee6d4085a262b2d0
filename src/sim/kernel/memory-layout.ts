// Where a simulated board's RAM is and how its huge page pool is laid out: the board's `memory` (QEMU virt's RAM at
// 0x40000000, a device tree's /memory node, a board file's own), or defaults. Kept apart from the allocator
// (physical-memory.ts) because sysfs, /proc/meminfo and the board builders need the layout without the allocator.
import type { BoardSpec } from "../boards/board-spec.ts";

const MiB = 1024 * 1024;

/** RAM of a board that says nothing about its memory: QEMU virt's base, 1 GiB. */
export const DEFAULT_MEMORY = { base: 0x4000_0000n, size: 1024 * MiB } as const;

/** Most default huge pages a board gets (its pool is also at most a quarter of its RAM). */
const DEFAULT_POOL_CAP = 128;

export interface MemoryLayout {
  /** Physical address of the first byte of RAM. */
  base: bigint;
  /** RAM size in bytes. */
  size: number;
  /** CPU page size (bytes). */
  pageSize: number;
  /** The default huge page size (PMD size: 2 MiB on 4 KiB pages, 32 MiB on 16 KiB, 512 MiB on 64 KiB). */
  hugePageSize: number;
  /** Huge pages the pool has at boot (nr_hugepages; `echo N > .../nr_hugepages` changes it at run time). */
  bootHugePages: number;
  /** Where huge page 0 of the pool starts: the upper half of RAM, aligned to the huge page size. */
  hugeBase: bigint;
  /** The most huge pages that fit above `hugeBase` (a larger nr_hugepages is cut to this, as the kernel gives what it can). */
  maxHugePages: number;
  /**
   * Small-page frames come from [smallBase, hugeBase): RAM below it is the kernel's (image, page tables, its own
   * allocations), never handed to a process here.
   */
  smallBase: bigint;
}

/** The PMD-level huge page size of a CPU page size (what Hugepagesize: in /proc/meminfo shows). */
export function pmdHugePageSize(pageSize: number): number {
  return (pageSize / 8) * pageSize;
}

/** The board's memory layout (its `memory`, else defaults). */
export function memoryLayoutOf(board: Pick<BoardSpec, "memory" | "pageSize">): MemoryLayout {
  const m = board.memory;
  const pageSize = board.pageSize;
  const base = m?.base ?? DEFAULT_MEMORY.base;
  const size = m?.size ?? DEFAULT_MEMORY.size;
  const hugePageSize = m?.hugePageSize ?? pmdHugePageSize(pageSize);
  const hps = BigInt(hugePageSize);
  const top = base + BigInt(size);
  const hugeBase = ((base + BigInt(size) / 2n + hps - 1n) / hps) * hps;
  const maxHugePages = hugeBase >= top ? 0 : Number((top - hugeBase) / hps);
  const dflt = Math.min(DEFAULT_POOL_CAP, Math.floor(size / 4 / hugePageSize));
  const bootHugePages = Math.min(maxHugePages, m?.hugePages ?? dflt);
  // The kernel keeps the first 1/16 of RAM (at least 16 MiB) in this model.
  const reserve = BigInt(Math.max(16 * MiB, Math.floor(size / 16 / pageSize) * pageSize));
  const smallBase = base + reserve < hugeBase ? base + reserve : base;
  return { base, size, pageSize, hugePageSize, bootHugePages, hugeBase, maxHugePages, smallBase };
}
