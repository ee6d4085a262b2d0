// Reading device-tree property values the way the kernel's of_* helpers do: big-endian 32-bit cells, NUL-separated
// string lists, #address-cells/#size-cells inherited from the parent bus, phandles. A value of the wrong length is a
// BoardFileError naming the node and property, so the board builder never works on half a cell.
import { BoardFileError } from "../board-errors.ts";
import type { DeviceTree, DtNode } from "./fdt-parse.ts";
import { dtText } from "./dt-text.ts";

/** Property reader bound to one file (for errors) and one tree (for phandles). */
export class DtReader {
  private readonly phandles = new Map<number, DtNode>();
  private readonly compat = new Map<DtNode, string[]>();

  constructor(
    readonly file: string,
    readonly tree: DeviceTree,
  ) {
    const walk = (n: DtNode) => {
      const p = n.props.get("phandle") ?? n.props.get("linux,phandle");
      if (p && p.length === 4) this.phandles.set(new DataView(p.buffer, p.byteOffset).getUint32(0, false), n);
      n.children.forEach(walk);
    };
    walk(tree.root);
  }

  fail(node: DtNode, prop: string, expected: string, found: string): never {
    throw new BoardFileError(this.file, `${node.path}: ${prop}`, expected, found);
  }

  has(node: DtNode, prop: string): boolean {
    return node.props.has(prop);
  }

  /** The value as 32-bit cells. @throws BoardFileError when its length is not a multiple of 4 */
  cells(node: DtNode, prop: string): number[] | undefined {
    const v = node.props.get(prop);
    if (v === undefined) return undefined;
    if (v.length % 4 !== 0) this.fail(node, prop, "a list of 32-bit cells", `${v.length} bytes`);
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return Array.from({ length: v.length / 4 }, (_, i) => view.getUint32(i * 4, false));
  }

  /** A one-cell property. @throws BoardFileError when it is not exactly one cell */
  u32(node: DtNode, prop: string): number | undefined {
    const c = this.cells(node, prop);
    if (c === undefined) return undefined;
    if (c.length !== 1) this.fail(node, prop, "one 32-bit cell", `${c.length} cells`);
    return c[0];
  }

  /** A string list (compatible, reg-names, status). @throws BoardFileError when it is not NUL-terminated */
  strings(node: DtNode, prop: string): string[] | undefined {
    const v = node.props.get(prop);
    if (v === undefined) return undefined;
    if (v.length === 0) return [];
    if (v[v.length - 1] !== 0) this.fail(node, prop, "NUL-terminated strings", "a value without a final NUL");
    return dtText(v.subarray(0, v.length - 1)).split("\0");
  }

  string(node: DtNode, prop: string): string | undefined {
    return this.strings(node, prop)?.[0];
  }

  /** The node a phandle names. @throws BoardFileError (naming `node`/`prop`) when no node has it */
  byPhandle(node: DtNode, prop: string, phandle: number): DtNode {
    const n = this.phandles.get(phandle);
    if (!n) this.fail(node, prop, "a phandle of a node in the tree", `0x${phandle.toString(16)}`);
    return n;
  }

  /** #address-cells of the bus `node` sits on (its parent's, inherited upwards; 1 at the root by default). */
  addressCells(node: DtNode): number {
    return this.inherited(node.parent, "#address-cells", 1);
  }

  /** #size-cells of the bus `node` sits on (1 by default). */
  sizeCells(node: DtNode): number {
    return this.inherited(node.parent, "#size-cells", 1);
  }

  /** `#address-cells`/`#size-cells` as the node itself declares them for its children. */
  ownCells(node: DtNode, prop: "#address-cells" | "#size-cells"): number {
    return this.inherited(node, prop, 1);
  }

  private inherited(start: DtNode | undefined, prop: string, dflt: number): number {
    for (let n = start; n; n = n.parent) {
      const v = this.u32(n, prop);
      if (v !== undefined) {
        if (v > 4) this.fail(n, prop, "at most 4 cells", `${v}`);
        return v;
      }
    }
    return dflt;
  }

  /** `status` is absent, "okay" or "ok" (of_device_is_available). */
  available(node: DtNode): boolean {
    const s = this.string(node, "status");
    return s === undefined || s === "okay" || s === "ok";
  }

  /** The node's compatible strings (read once per node: every rule asks for them). */
  compatible(node: DtNode): string[] {
    let c = this.compat.get(node);
    if (c === undefined) this.compat.set(node, (c = this.strings(node, "compatible") ?? []));
    return c;
  }
}

/** A number from `n` cells starting at `at` (the high cell first). */
export function cellsToBigInt(cells: readonly number[], at: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 32n) | BigInt(cells[at + i]!);
  return v;
}

/** The node name without its unit address (what %pOFn prints). */
export function baseName(node: DtNode): string {
  const at = node.name.indexOf("@");
  return at < 0 ? node.name : node.name.slice(0, at);
}
