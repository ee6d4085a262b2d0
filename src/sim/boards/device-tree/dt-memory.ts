// The board's RAM from a device tree: the /memory node(s) (device_type = "memory") and their `reg` banks, in the
// root's #address-cells/#size-cells. The simulated kernel models one RAM range: the largest bank (a board with its
// RAM split, as many are, gets its main bank; pinned memory is never put in the others).
import type { MemorySpec } from "../board-spec.ts";
import type { DtNode } from "./fdt-parse.ts";
import { cellsToBigInt, type DtReader } from "./dt-props.ts";

/** The largest RAM bank of the tree, undefined when it describes none (the simulator's default RAM applies). */
export function memoryOfTree(r: DtReader, root: DtNode): MemorySpec | undefined {
  let best: { base: bigint; size: bigint } | undefined;
  for (const node of root.children) {
    if (r.string(node, "device_type") !== "memory" || !r.available(node)) continue;
    const reg = r.cells(node, "reg") ?? [];
    const ac = r.addressCells(node);
    const sc = r.sizeCells(node);
    for (let at = 0; at + ac + sc <= reg.length; at += ac + sc) {
      const base = cellsToBigInt(reg, at, ac);
      const size = cellsToBigInt(reg, at + ac, sc);
      if (size > 0n && (!best || size > best.size)) best = { base, size };
    }
  }
  return best ? { base: best.base, size: Number(best.size) } : undefined;
}
