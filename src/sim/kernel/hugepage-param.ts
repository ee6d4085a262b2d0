// nr_hugepages as board state: the pool's size survives the commands that use it (as the kernel's does until a
// reboot, here sim-reset), written through /sys/kernel/mm/hugepages/hugepages-<N>kB/nr_hugepages. Which huge pages a
// process holds is not board state: those die with the process (physical-memory.ts).
import type { BoardState } from "../state/board-state.ts";
import type { MemoryLayout } from "./memory-layout.ts";

/** The board-state key of the pool size (a decimal count, kept with the module parameters). */
export const NR_HUGEPAGES_KEY = "vm.nr_hugepages";

/** The pool's size: what was written, else the board's boot value; never more than fits in RAM. */
export function nrHugePages(s: BoardState, layout: MemoryLayout): number {
  const v = s.params[NR_HUGEPAGES_KEY];
  const n = v === undefined ? layout.bootHugePages : Number(v);
  return Math.min(layout.maxHugePages, Number.isSafeInteger(n) && n >= 0 ? n : layout.bootHugePages);
}
