// Which huge pages a pinned DMA buffer can come from: the hugetlb pools the kernel reports (/proc/meminfo's default
// Hugepagesize, /sys/kernel/mm/hugepages/hugepages-<N>kB/free_hugepages), read through the boundary. No pool with
// enough free pages means locked small pages instead, and the facts of why (the CLI warns in one line).
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";

export const HUGEPAGES_DIR = "/sys/kernel/mm/hugepages";

/** One hugetlb pool: its page size in bytes, how many pages it holds (nr_hugepages) and how many are free. */
export interface HugePagePool {
  pageSize: number;
  total: number;
  free: number;
  /** Its sysfs directory (nr_hugepages there is the knob that sizes it). */
  dir: string;
}

/** Why a buffer went to locked small pages: no hugetlb support, or no pool with `needed` free pages. */
export interface SmallPagesReason {
  reason: "no-hugetlb" | "pool-short";
  /** The default huge page size (bytes), when the kernel has one. */
  hugePageSize?: number;
  /** Pages of that size the buffer needed, and how many were free. */
  needed?: number;
  free?: number;
}

const read = (b: KernelBoundary, path: string): string | undefined => {
  try {
    return b.fs.readFile(path);
  } catch {
    return undefined;
  }
};

/** The kernel's default huge page size in bytes (/proc/meminfo Hugepagesize), or undefined without hugetlb. */
export function defaultHugePageSize(b: KernelBoundary): number | undefined {
  const m = /^Hugepagesize:\s+(\d+)\s*kB/m.exec(read(b, "/proc/meminfo") ?? "");
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Every hugetlb pool in /sys/kernel/mm/hugepages, the default size first, then by size. */
export function hugePagePools(b: KernelBoundary): HugePagePool[] {
  let names: string[];
  try {
    names = b.fs.readdir(HUGEPAGES_DIR);
  } catch {
    return [];
  }
  const pools: HugePagePool[] = [];
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (!m) continue;
    const dir = `${HUGEPAGES_DIR}/${name}`;
    const count = (file: string) => {
      const v = (read(b, `${dir}/${file}`) ?? "").trim();
      return /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const free = count("free_hugepages");
    if (free !== undefined) pools.push({ pageSize: Number(m[1]) * 1024, total: count("nr_hugepages") ?? free, free, dir });
  }
  const first = defaultHugePageSize(b);
  return pools.sort((x, y) => (x.pageSize === first ? -1 : y.pageSize === first ? 1 : x.pageSize - y.pageSize));
}

/**
 * The huge page size to allocate `length` bytes from (the default pool first, then any pool with enough free pages),
 * or the facts of why there is none.
 */
export function chooseHugePages(b: KernelBoundary, length: number): { pageSize: number } | SmallPagesReason {
  const size = defaultHugePageSize(b);
  const pools = hugePagePools(b);
  if (size === undefined && pools.length === 0) return { reason: "no-hugetlb" };
  const fit = pools.find((p) => p.free >= Math.ceil(length / p.pageSize));
  if (fit) return { pageSize: fit.pageSize };
  const dflt = pools.find((p) => p.pageSize === size) ?? pools[0];
  if (!dflt) return { reason: "no-hugetlb", ...(size !== undefined ? { hugePageSize: size } : {}) };
  return { reason: "pool-short", hugePageSize: dflt.pageSize, needed: Math.ceil(length / dflt.pageSize), free: dflt.free };
}
