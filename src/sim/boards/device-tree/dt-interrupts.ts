// Interrupt specifiers decoded as drivers/of/irq.c and the GIC drivers do: the interrupt parent comes from
// `interrupt-parent` (inherited from ancestors, followed until a node with #interrupt-cells), `interrupts-extended`
// names the parent per entry, and a GIC's cells are <type number flags> (GICv3 may add a 4th, the PPI partition).
// The hwirq is the GIC's interrupt ID (SPI n = 32 + n, PPI n = 16 + n), what the built-in virt board and
// /proc/interrupts show; the trigger comes from the flags: level for IRQ_TYPE_LEVEL_* (4/8), edge otherwise. Flags 0
// (IRQ_TYPE_NONE) are stored as NONE by the irq domain, and vfio-platform masks/automasks only level lines, so a
// NONE line behaves as an edge one.
import type { IrqSpec } from "../board-spec.ts";
import type { DtNode } from "./fdt-parse.ts";
import type { DtReader } from "./dt-props.ts";

/** Interrupt controllers whose specifiers are GIC ones (irq-gic.c, irq-gic-v3.c compatibles). */
const GIC = /^arm,(gic-400|gic-v2|gic-v3|cortex-a15-gic|cortex-a9-gic|cortex-a7-gic|arm11mp-gic|eb11mp-gic|arm1176jzf-devchip-gic|pl390|tc11mp-gic)$|^qcom,msm-(8660-)?qgic2?$/;

/** A following of interrupt-parent links longer than this is a loop. */
const MAX_HOPS = 32;

/** True for a GIC node (its specifiers are <type number flags>). */
export function isGic(r: DtReader, node: DtNode): boolean {
  return r.compatible(node).some((c) => GIC.test(c));
}

/**
 * The interrupt parent of `node` (of_irq_find_parent): its `interrupt-parent` phandle, else its parent node, repeated
 * until a node with #interrupt-cells; undefined when the chain ends at the root without one.
 */
export function interruptParent(r: DtReader, node: DtNode): DtNode | undefined {
  let child = node;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const link = r.u32(child, "interrupt-parent");
    const p = link !== undefined ? r.byPhandle(child, "interrupt-parent", link) : child.parent;
    if (!p) return undefined;
    if (r.has(p, "#interrupt-cells")) return p;
    child = p;
  }
  return r.fail(node, "interrupt-parent", "a chain ending at an interrupt controller", `a loop of ${MAX_HOPS} links`);
}

/** The trigger VFIO gives a line with these flags: level only for IRQ_TYPE_LEVEL_HIGH/LOW (4/8), NONE (0) acts as edge. */
function triggerOf(flags: number): IrqSpec["trigger"] {
  return flags & 0xc ? "level" : "edge";
}

/** One specifier of `cells.length` cells for controller `ctl`. */
function decodeOne(r: DtReader, ctl: DtNode, cells: number[]): IrqSpec {
  if (isGic(r, ctl) && cells.length >= 3) {
    const [type, num, flags] = cells as [number, number, number];
    // SPI, PPI, extended SPI (INTID 4096+), extended PPI (INTID 1056+).
    const base = [32, 16, 4096, 1056][type];
    const hwirq = base === undefined ? num : base + num;
    return { trigger: triggerOf(flags), hwirq };
  }
  const flags = cells[1] ?? 0;
  return { trigger: triggerOf(flags), hwirq: cells[0] ?? 0 };
}

/** The first `n` cells of the device's `reg` (the unit address an interrupt-map matches on), or undefined without reg. */
function unitAddress(r: DtReader, node: DtNode, n: number): number[] | undefined {
  const reg = r.cells(node, "reg");
  if (!reg) return undefined;
  return Array.from({ length: n }, (_, i) => reg[i] ?? 0);
}

/**
 * Follow one specifier from `ipar` through interrupt nexus nodes (`interrupt-map`, `interrupt-map-mask`) to the
 * interrupt controller that finally takes it (of_irq_parse_raw). Undefined when no map entry matches, as the kernel
 * then gives the device fewer interrupts.
 */
function resolve(r: DtReader, node: DtNode, start: DtNode, first: number[]): { ctl: DtNode; spec: number[] } | undefined {
  let ipar: DtNode | undefined = start;
  let spec = first;
  let addrsize = 2;
  for (let n: DtNode | undefined = ipar; n; n = n.parent) {
    const a = r.u32(n, "#address-cells");
    if (a !== undefined) {
      addrsize = a;
      break;
    }
  }
  const addr = unitAddress(r, node, addrsize);
  let match = [...(addr ?? new Array<number>(addrsize).fill(0)), ...spec];
  for (let hop = 0; ipar && hop < MAX_HOPS; hop++) {
    const imap = r.cells(ipar, "interrupt-map");
    if (r.has(ipar, "interrupt-controller") && !imap) return { ctl: ipar, spec };
    if (!imap) {
      ipar = interruptParent(r, ipar);
      continue;
    }
    if (addrsize > 0 && !addr) return undefined;
    const mask = r.cells(ipar, "interrupt-map-mask") ?? [];
    const width = addrsize + spec.length;
    let found: { parent: DtNode; cells: number[]; pAddr: number } | undefined;
    for (let i = 0; imap.length - i > width + 1 && !found; ) {
      let hit = true;
      for (let k = 0; k < width; k++) if (((match[k]! ^ imap[i + k]!) & (mask[k] ?? 0xffffffff)) !== 0) hit = false;
      i += width;
      const parent = r.byPhandle(ipar, "interrupt-map", imap[i]!);
      i++;
      const pInt = r.u32(parent, "#interrupt-cells");
      if (pInt === undefined) r.fail(ipar, "interrupt-map", `a parent with #interrupt-cells`, parent.path);
      const pAddr = r.u32(parent, "#address-cells") ?? 0;
      if (i + pAddr + pInt > imap.length) r.fail(ipar, "interrupt-map", `${pAddr + pInt} cells for ${parent.path}`, `${imap.length - i}`);
      const cells = imap.slice(i, i + pAddr + pInt);
      i += pAddr + pInt;
      if (hit && r.available(parent)) found = { parent, cells, pAddr };
    }
    if (!found) return undefined;
    match = found.cells;
    addrsize = found.pAddr;
    spec = found.cells.slice(found.pAddr);
    if (found.parent === ipar) return { ctl: ipar, spec };
    ipar = found.parent;
  }
  return undefined;
}

/**
 * The interrupts of `node` in DT order, from `interrupts-extended` when present, else `interrupts` with the interrupt
 * parent's #interrupt-cells, each followed through any interrupt-map to its controller. Like of_irq_count(), the
 * list ends at the first specifier that leads nowhere.
 * @throws BoardFileError for a specifier list that does not divide into the parent's cells, or a bad phandle
 */
export function interruptsOf(r: DtReader, node: DtNode): IrqSpec[] {
  const raw: { ipar: DtNode; cells: number[] }[] = [];
  const ext = r.cells(node, "interrupts-extended");
  if (ext !== undefined) {
    for (let i = 0; i < ext.length; ) {
      const ctl = r.byPhandle(node, "interrupts-extended", ext[i]!);
      const n = r.u32(ctl, "#interrupt-cells") ?? 0;
      if (i + 1 + n > ext.length) r.fail(node, "interrupts-extended", `${n} cells after the phandle of ${ctl.path}`, `${ext.length - i - 1}`);
      raw.push({ ipar: ctl, cells: ext.slice(i + 1, i + 1 + n) });
      i += 1 + n;
    }
  } else {
    const cells = r.cells(node, "interrupts");
    if (cells === undefined || cells.length === 0) return [];
    const ctl = interruptParent(r, node);
    if (!ctl) return [];
    const n = r.u32(ctl, "#interrupt-cells") ?? 0;
    if (n === 0 || cells.length % n !== 0) {
      r.fail(node, "interrupts", `specifiers of ${n} cells (#interrupt-cells of ${ctl.path})`, `${cells.length} cells`);
    }
    for (let i = 0; i < cells.length; i += n) raw.push({ ipar: ctl, cells: cells.slice(i, i + n) });
  }
  const out: IrqSpec[] = [];
  for (const { ipar, cells } of raw) {
    const got = resolve(r, node, ipar, cells);
    if (!got) break;
    out.push(decodeOne(r, got.ctl, got.spec));
  }
  return out;
}
