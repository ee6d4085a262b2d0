// A flattened device tree (the DTB format of the Devicetree Specification, versions 16 and 17) read into nodes and
// raw property values. Every offset and length is checked against the blob before it is used, so a truncated or
// garbage file is a BoardFileError naming the byte offset, never an exception from a DataView or an endless loop.
import { BoardFileError } from "../board-errors.ts";
import { dtText } from "./dt-text.ts";

/** One node of the tree: its name with the unit address ("dma-controller@7ff00000"), properties and children. */
export interface DtNode {
  /** Node name as in the blob, unit address included ("" for the root). */
  name: string;
  /** Full path ("/", "/soc/dma-controller@ff6d0000"). */
  path: string;
  /** Raw property values, in blob order. */
  props: Map<string, Uint8Array>;
  children: DtNode[];
  parent?: DtNode;
}

/** One /memreserve/ entry of the memory reservation block. */
export interface DtReservation {
  address: bigint;
  size: bigint;
}

export interface DeviceTree {
  root: DtNode;
  version: number;
  bootCpu: number;
  reservations: DtReservation[];
}

const FDT_MAGIC = 0xd00dfeed;
const HEADER_SIZE = 40;
const TOKEN = { BEGIN_NODE: 1, END_NODE: 2, PROP: 3, NOP: 4, END: 9 } as const;
/** Nesting deeper than this is not a real tree (the kernel's own limit, FDT_MAX_DEPTH, is 64). */
const MAX_DEPTH = 64;

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Parse a DTB. `file` only names the blob in errors.
 * @throws BoardFileError for a bad header, an offset or length outside the blob, an unknown token, a bad nesting
 */
export function parseFdt(bytes: Uint8Array, file: string): DeviceTree {
  const fail = (off: number, expected: string, found: string): never => {
    throw new BoardFileError(file, `offset ${hex(off)}`, expected, found);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_SIZE) fail(0, `a flattened device tree header (${HEADER_SIZE} bytes)`, `${bytes.length} bytes`);
  const u32 = (off: number) => view.getUint32(off, false);
  if (u32(0) !== FDT_MAGIC) fail(0, `the DTB magic 0xd00dfeed`, hex(u32(0)));
  const total = u32(4);
  if (total > bytes.length) fail(4, `totalsize within the file's ${bytes.length} bytes`, `${total}`);
  const [offStruct, offStrings, offRsv, version, lastComp, bootCpu, sizeStrings] = [8, 12, 16, 20, 24, 28, 32].map(u32) as [
    number, number, number, number, number, number, number,
  ];
  if (version < 16 || lastComp > 17) fail(20, "a DTB of format version 16 or 17", `version ${version} (compatible with ${lastComp})`);
  const sizeStruct = version >= 17 ? u32(36) : total - offStruct;
  const inside = (at: number, off: number, size: number, what: string) => {
    if (off < HEADER_SIZE || off > total || size > total - off) fail(at, `the ${what} inside the blob's ${total} bytes`, `offset ${hex(off)} size ${size}`);
  };
  inside(8, offStruct, sizeStruct, "structure block");
  inside(12, offStrings, sizeStrings, "strings block");
  inside(16, offRsv, 0, "memory reservation block");

  const reservations: DtReservation[] = [];
  for (let off = offRsv; ; off += 16) {
    if (off + 16 > total) fail(off, "a memory reservation entry or its 0,0 terminator", "the end of the blob");
    const address = view.getBigUint64(off, false);
    const size = view.getBigUint64(off + 8, false);
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }

  /** A NUL-terminated string starting at `off`, not running past `end`. */
  const cstr = (off: number, end: number, what: string): string => {
    const nul = bytes.indexOf(0, off);
    if (nul < 0 || nul >= end) fail(off, `a NUL-terminated ${what}`, "no NUL before the end of its block");
    return dtText(bytes.subarray(off, nul));
  };

  const end = offStruct + sizeStruct;
  let off = offStruct;
  const token = (): number => {
    if (off + 4 > end) fail(off, "a structure token", "the end of the structure block");
    const t = u32(off);
    off += 4;
    return t;
  };
  const align = (n: number) => (n + 3) & ~3;

  let root: DtNode | undefined;
  const stack: DtNode[] = [];
  const names = new Map<number, string>();
  for (;;) {
    const at = off;
    const t = token();
    if (t === TOKEN.NOP) continue;
    if (t === TOKEN.BEGIN_NODE) {
      const name = cstr(off, end, "node name");
      off = align(off + name.length + 1);
      const parent = stack[stack.length - 1];
      if (!parent && root) fail(at, "FDT_END after the root node", "a second root node");
      if (stack.length >= MAX_DEPTH) fail(at, `nodes nested at most ${MAX_DEPTH} deep`, "deeper nesting");
      const path = parent ? `${parent.path === "/" ? "" : parent.path}/${name}` : "/";
      const node: DtNode = { name: parent ? name : "", path, props: new Map(), children: [], ...(parent ? { parent } : {}) };
      if (parent) parent.children.push(node);
      else root = node;
      stack.push(node);
    } else if (t === TOKEN.PROP) {
      const node = stack[stack.length - 1];
      if (!node) fail(at, "FDT_BEGIN_NODE", "a property outside any node");
      if (off + 8 > end) fail(off, "a property header", "the end of the structure block");
      const len = u32(off);
      const nameOff = u32(off + 4);
      off += 8;
      if (len > end - off) fail(off - 8, `a property value inside the structure block`, `length ${len}`);
      if (nameOff >= sizeStrings) fail(off - 4, `a name offset inside the ${sizeStrings}-byte strings block`, `${nameOff}`);
      let name = names.get(nameOff); // the strings block holds each name once: decode it once
      if (name === undefined) names.set(nameOff, (name = cstr(offStrings + nameOff, offStrings + sizeStrings, "property name")));
      node!.props.set(name, bytes.slice(off, off + len));
      off = align(off + len);
    } else if (t === TOKEN.END_NODE) {
      if (!stack.pop()) fail(at, "FDT_BEGIN_NODE before FDT_END_NODE", "an unmatched FDT_END_NODE");
    } else if (t === TOKEN.END) {
      if (stack.length > 0) fail(at, `FDT_END_NODE for ${stack[stack.length - 1]!.path}`, "FDT_END");
      if (!root) fail(at, "a root node", "FDT_END");
      return { root: root!, version, bootCpu, reservations };
    } else {
      fail(at, "a structure token (1, 2, 3, 4 or 9)", hex(t));
    }
  }
}
