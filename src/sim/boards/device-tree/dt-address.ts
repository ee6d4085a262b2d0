// Bus addresses to CPU addresses through the parents' `ranges` (drivers/of/address.c: an empty `ranges` is 1:1, no
// `ranges` means the address cannot be translated), and the device names Linux derives from them
// (of_device_make_bus_id in drivers/of/device.c: "<translated address>.<node name>", e.g. "7ff00000.dma-controller").
import type { RegionSpec } from "../board-spec.ts";
import type { DtNode } from "./fdt-parse.ts";
import { baseName, cellsToBigInt, type DtReader } from "./dt-props.ts";

/**
 * The CPU address of `addr`, an address on the bus `node` sits on, or undefined when some bus between it and the
 * root has no `ranges` or no range covers it.
 */
export function translate(r: DtReader, node: DtNode, addr: bigint): bigint | undefined {
  let a = addr;
  for (let bus = node.parent; bus?.parent; bus = bus.parent) {
    const ranges = r.cells(bus, "ranges");
    if (ranges === undefined) return undefined;
    if (ranges.length === 0) continue; // identity mapping
    const na = r.ownCells(bus, "#address-cells");
    const ns = r.ownCells(bus, "#size-cells");
    const pna = r.addressCells(bus);
    const entry = na + pna + ns;
    if (ranges.length % entry !== 0) r.fail(bus, "ranges", `entries of ${entry} cells (#address-cells ${na}, parent ${pna}, #size-cells ${ns})`, `${ranges.length} cells`);
    let mapped: bigint | undefined;
    for (let i = 0; i < ranges.length; i += entry) {
      const child = cellsToBigInt(ranges, i, na);
      const parent = cellsToBigInt(ranges, i + na, pna);
      const size = cellsToBigInt(ranges, i + na + pna, ns);
      if (a >= child && a - child < size) {
        mapped = parent + (a - child);
        break;
      }
    }
    if (mapped === undefined) return undefined;
    a = mapped;
  }
  return a;
}

/** The `reg` entries of a node as (bus address, size) pairs in bus cells. */
function regEntries(r: DtReader, node: DtNode): { addr: bigint; size: bigint }[] {
  const reg = r.cells(node, "reg");
  if (reg === undefined) return [];
  const na = r.addressCells(node);
  const ns = r.sizeCells(node);
  if (na === 0) return [];
  const entry = na + ns;
  if (reg.length % entry !== 0) r.fail(node, "reg", `entries of ${entry} cells (#address-cells ${na}, #size-cells ${ns})`, `${reg.length} cells`);
  const out: { addr: bigint; size: bigint }[] = [];
  for (let i = 0; i < reg.length; i += entry) out.push({ addr: cellsToBigInt(reg, i, na), size: cellsToBigInt(reg, i + na, ns) });
  return out;
}

/**
 * The MMIO windows of a device: each `reg` entry translated to a CPU address, named from `reg-names`. Like
 * of_address_count(), the list stops at the first entry that does not translate.
 * @throws BoardFileError for a `reg` whose length does not fit the bus's cells, or a window over 4 GiB
 */
export function regionsOf(r: DtReader, node: DtNode): RegionSpec[] {
  const names = r.strings(node, "reg-names") ?? [];
  const out: RegionSpec[] = [];
  for (const [i, e] of regEntries(r, node).entries()) {
    const base = translate(r, node, e.addr);
    if (base === undefined) break;
    if (e.size > 0xffff_ffffn) r.fail(node, "reg", "windows of at most 4 GiB", `0x${e.size.toString(16)} bytes`);
    out.push({ base, size: Number(e.size), ...(names[i] !== undefined ? { name: names[i] } : {}) });
  }
  return out;
}

/** Index of the lowest set bit plus one (ffs), 0 for 0. */
function ffs(x: number): number {
  for (let i = 0; i < 32; i++) if (x & (1 << i)) return i + 1;
  return 0;
}

/**
 * dev_name() of the device created for `node`: the first node on the way up whose first `reg` translates gives
 * "<address in hex>.<name>" (with ".<bit>" from a `mask` property); nodes passed on the way add ":<name@unit>".
 */
export function busIdOf(r: DtReader, node: DtNode): string {
  let name: string | undefined;
  for (let n = node; n.parent; n = n.parent) {
    const first = regEntries(r, n)[0];
    const addr = first ? translate(r, n, first.addr) : undefined;
    if (addr !== undefined) {
      const mask = r.u32(n, "mask");
      const bit = mask !== undefined ? `.${((ffs(mask) - 1) >>> 0).toString(16)}` : "";
      const head = `${addr.toString(16)}${bit}.${baseName(n)}`;
      return name ? `${head}:${name}` : head;
    }
    name = name ? `${n.name}:${name}` : n.name;
  }
  return name ?? "";
}
