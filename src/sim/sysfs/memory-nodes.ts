// The files that tell a program about memory and its own privileges, from the simulated kernel's physical memory:
// /proc/meminfo (RAM and the huge page pool), /sys/kernel/mm/hugepages/hugepages-<N>kB/* and /proc/sys/vm/nr_hugepages
// (the pool; nr_hugepages is writable, as root's `echo N >` is the fix for a short pool), /proc/sys/kernel/tainted
// (TAINT_USER once a noiommu group was made), and /proc/self/status (the capability sets: CAP_SYS_ADMIN decides
// whether /proc/self/pagemap shows PFNs).
import { TAINTED_PATH } from "../../vfio/abi/taint.ts";
import type { BoardState } from "../state/board-state.ts";
import type { StateStore } from "../state/state-store.ts";
import { fail } from "../kernel/errno.ts";
import { NR_HUGEPAGES_KEY } from "../kernel/hugepage-param.ts";
import type { PhysicalMemory } from "../kernel/physical-memory.ts";
import type { Node } from "./fs-node.ts";

/** What the memory files are answered from: this process's view of physical memory and its credentials. */
export interface MemoryView {
  physical: PhysicalMemory;
  /** The process has CAP_SYS_ADMIN. */
  capSysAdmin: boolean;
}

/** The board-state key of the kernel's taint mask (/proc/sys/kernel/tainted, decimal). */
export const TAINTED_KEY = "kernel.tainted";

/** Every capability of a 6.12 kernel (CAP_LAST_CAP = 40). */
const ALL_CAPS = (1n << 41n) - 1n;
/** CAP_SYS_ADMIN's bit. */
const CAP_SYS_ADMIN = 1n << 21n;

const kb = (bytes: number) => Math.floor(bytes / 1024);
/** A /proc/meminfo line as show_val_kb() prints it: a 16-column label, an 8-wide value, " kB". */
const kbLine = (label: string, bytes: number) => `${`${label}:`.padEnd(16)}${String(kb(bytes)).padStart(8)} kB\n`;
export class MemoryNodes {
  constructor(
    private readonly store: StateStore,
    private readonly view: MemoryView,
  ) {}

  private get dir(): string {
    return `hugepages-${kb(this.view.physical.layout.hugePageSize)}kB`;
  }

  /** The node at `p` (a normalised path), or undefined when it is none of the memory files. */
  lookup(s: BoardState, p: string): Node | undefined {
    const phys = this.view.physical;
    if (p === "/proc/meminfo") return { kind: "file", mode: 0o444, read: () => this.meminfo() };
    if (p === TAINTED_PATH) return { kind: "file", mode: 0o644, read: () => `${s.params[TAINTED_KEY] ?? "0"}\n` };
    if (p === "/proc/self/status") return { kind: "file", mode: 0o444, read: () => this.status() };
    if (p === "/proc/sys/vm/nr_hugepages") return this.nrNode();
    if (p === "/sys/kernel/mm/hugepages") return { kind: "dir", entries: () => [this.dir] };
    const base = `/sys/kernel/mm/hugepages/${this.dir}`;
    if (p === base) return { kind: "dir", entries: () => ["free_hugepages", "nr_hugepages", "resv_hugepages", "surplus_hugepages"] };
    if (p === `${base}/nr_hugepages`) return this.nrNode();
    if (p === `${base}/free_hugepages`) return { kind: "file", mode: 0o444, read: () => `${phys.hugePagesFree()}\n` };
    if (p === `${base}/resv_hugepages` || p === `${base}/surplus_hugepages`) return { kind: "file", mode: 0o444, read: () => "0\n" };
    return undefined;
  }

  /** nr_hugepages: the pool's size; a write asks for that many (RAM gives at most what fits). */
  private nrNode(): Node {
    return {
      kind: "file",
      mode: 0o644,
      read: () => `${this.view.physical.total()}\n`,
      write: (v: string) => {
        const t = v.trim();
        if (!/^\d+$/.test(t)) fail("EINVAL"); // kstrtoul refuses it
        const n = Math.min(Number(t), this.view.physical.layout.maxHugePages);
        this.store.update((s) => {
          s.params[NR_HUGEPAGES_KEY] = String(n);
        });
      },
    };
  }

  private meminfo(): string {
    const phys = this.view.physical;
    const l = phys.layout;
    const total = phys.total();
    const free = phys.hugePagesFree();
    // RAM the pool does not hold counts as free: the model has no other users of memory.
    const memFree = Math.max(0, l.size - total * l.hugePageSize - Number(l.smallBase - l.base));
    return (
      kbLine("MemTotal", l.size) +
      kbLine("MemFree", memFree) +
      kbLine("MemAvailable", memFree) +
      countField("HugePages_Total", total) +
      countField("HugePages_Free", free) +
      countField("HugePages_Rsvd", 0) +
      countField("HugePages_Surp", 0) +
      kbLine("Hugepagesize", l.hugePageSize) +
      kbLine("Hugetlb", total * l.hugePageSize)
    );
  }

  private status(): string {
    const euid = process.geteuid?.() ?? 0;
    // Root without CAP_SYS_ADMIN (the test knob) keeps every other capability.
    const eff = this.view.capSysAdmin ? ALL_CAPS : euid === 0 ? ALL_CAPS & ~CAP_SYS_ADMIN : 0n;
    const hex = (v: bigint) => v.toString(16).padStart(16, "0");
    return (
      `Name:\tvfio-plat\nPid:\t${process.pid}\nUid:\t${euid}\t${euid}\t${euid}\t${euid}\n` +
      `CapInh:\t${hex(0n)}\nCapPrm:\t${hex(eff)}\nCapEff:\t${hex(eff)}\nCapBnd:\t${hex(ALL_CAPS)}\nCapAmb:\t${hex(0n)}\n`
    );
  }
}

/** A HugePages_* line: "HugePages_Total:   %5lu" (label and padding 19 columns before the 5-wide count). */
function countField(label: string, n: number): string {
  return `${`${label}:`.padEnd(19)}${String(n).padStart(5)}\n`;
}
