// Where a device's VFIO regions sit in the CPU's physical address space, read from what the kernel shows: a PCI
// function's sysfs `resource` (one line per BAR, then the ROM: vfio-pci's region indexes 0..6), and for platform and
// AMBA devices the device-tree `reg` property (vfio-platform makes one region per MEM/IO resource in `reg` order;
// vfio-amba one, for the first), translated through the buses' `ranges`; an address no `ranges` covers is refused.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import type { HostDevice } from "./discovery.ts";
import { PhysicalUnsupportedError } from "./physical-errors.ts";

/** One VFIO region of a device and the physical window it covers. */
export interface PhysicalRegion {
  /** The VFIO region index. */
  index: number;
  base: bigint;
  size: bigint;
}

/** Linux's defaults when no ancestor says (drivers/of/of_private.h, non-SPARC): one cell each. */
const DEFAULT_ADDRESS_CELLS = 1;
const DEFAULT_SIZE_CELLS = 1;
/** How far up the tree a walk goes: device trees nest buses a few levels deep at most. */
const MAX_DEPTH = 8;

/** IORESOURCE_IO in a `resource` line's flags: an I/O-port BAR, not memory the CPU addresses. */
const IORESOURCE_IO = 0x100n;

/** The file's bytes, or undefined when it does not exist. @throws SyscallError other than ENOENT */
function bytesOf(b: KernelBoundary, path: string): Uint8Array | undefined {
  try {
    return b.fs.readBytes(path);
  } catch (e) {
    if (e instanceof SyscallError && (e.code === "ENOENT" || e.code === "ENOTDIR")) return undefined;
    throw e;
  }
}

/** Big-endian 32-bit cells of a property's bytes. */
function cellsOf(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, false));
  return out;
}

/** `count` cells from `at` as one number (an address or size of 1, 2 or more cells). */
function joinCells(cells: readonly number[], at: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(cells[at + i]!);
  return v;
}

/**
 * The cell count `name` (#address-cells, #size-cells) that applies to the children of `parent`: the nearest ancestor
 * (the parent first) that has the property, as Linux's of_bus_n_addr_cells walks it.
 */
function inheritedCells(b: KernelBoundary, parent: string, name: string, fallback: number): number {
  let p = parent;
  for (let depth = 0; depth < MAX_DEPTH; depth++, p = `${p}/..`) {
    const bytes = bytesOf(b, `${p}/${name}`);
    if (bytes !== undefined && bytes.length >= 4) return cellsOf(bytes)[0]!;
    // Above the tree's root (/sys/firmware/devicetree) there are no nodes: stop there.
    if (!b.fs.exists(`${p}/compatible`) && !b.fs.exists(`${p}/name`)) break;
  }
  return fallback;
}

/** True when `node` is the tree's root: above it (/sys/firmware/devicetree) is no node. */
function isRoot(b: KernelBoundary, node: string): boolean {
  const up = `${node}/..`;
  return !b.fs.exists(`${up}/compatible`) && !b.fs.exists(`${up}/name`) && !b.fs.exists(`${up}/#address-cells`);
}

/**
 * `addr`, a bus address in the node's parent `parent`, as a CPU address: through every ancestor bus's `ranges` up to
 * the root, as drivers/of/address.c does (an empty `ranges` is 1:1; child address in the bus's #address-cells, parent
 * address in its parent's, length in the bus's #size-cells). Only the root ends the walk: a bus below it without
 * `ranges` does not map its children to the CPU, and Linux refuses to translate through it ("no ranges").
 * @returns the CPU address; "no-entry" when a `ranges` has no entry covering it, "no-ranges" for a bus without one
 */
function translate(b: KernelBoundary, parent: string, addr: bigint): bigint | "no-entry" | "no-ranges" {
  let p = parent;
  for (let depth = 0; depth < MAX_DEPTH; depth++, p = `${p}/..`) {
    if (isRoot(b, p)) return addr;
    const ranges = bytesOf(b, `${p}/ranges`);
    if (ranges === undefined) return "no-ranges";
    if (ranges.length === 0) continue;
    const na = inheritedCells(b, p, "#address-cells", DEFAULT_ADDRESS_CELLS);
    const ns = inheritedCells(b, p, "#size-cells", DEFAULT_SIZE_CELLS);
    const pna = inheritedCells(b, `${p}/..`, "#address-cells", DEFAULT_ADDRESS_CELLS);
    const cells = cellsOf(ranges);
    const per = na + pna + ns;
    let mapped: bigint | undefined;
    for (let at = 0; per > 0 && at + per <= cells.length && mapped === undefined; at += per) {
      const child = joinCells(cells, at, na);
      const size = joinCells(cells, at + na + pna, ns);
      if (addr >= child && addr < child + size) mapped = joinCells(cells, at + na, pna) + (addr - child);
    }
    if (mapped === undefined) return "no-entry";
    addr = mapped;
  }
  return addr;
}

/** A PCI function's BARs and ROM from sysfs `resource` ("start end flags" per line): memory windows only. */
function pciRegions(b: KernelBoundary, dev: HostDevice): PhysicalRegion[] {
  const bytes = bytesOf(b, `${dev.sysfsPath}/resource`);
  if (bytes === undefined) return [];
  const lines = new TextDecoder().decode(bytes).trim().split("\n");
  const out: PhysicalRegion[] = [];
  // Lines 0..5 are BAR0..BAR5 and line 6 the ROM: the same numbers as vfio-pci's region indexes.
  for (let i = 0; i < Math.min(lines.length, 7); i++) {
    const [start, end, flags] = lines[i]!.trim().split(/\s+/).map((t) => BigInt(t));
    if (start === undefined || end === undefined || flags === undefined) continue;
    if (flags === 0n || end <= start || (flags & IORESOURCE_IO) !== 0n) continue;
    out.push({ index: i, base: start, size: end - start + 1n });
  }
  return out;
}

/**
 * A platform or AMBA device's regions from its of_node `reg`, read with the parent's #address-cells/#size-cells.
 * @throws PhysicalUnsupportedError when a bus above cannot translate them (no `ranges`, or no entry covering), or the device's name (made by the kernel
 *   from the translated first address) disagrees with `reg`
 */
function dtRegions(b: KernelBoundary, dev: HostDevice): PhysicalRegion[] {
  const node = `${dev.sysfsPath}/of_node`;
  const reg = bytesOf(b, `${node}/reg`);
  if (reg === undefined) return [];
  const parent = `${node}/..`;
  const ac = inheritedCells(b, parent, "#address-cells", DEFAULT_ADDRESS_CELLS);
  const sc = inheritedCells(b, parent, "#size-cells", DEFAULT_SIZE_CELLS);
  const cells = cellsOf(reg);
  const per = ac + sc;
  if (per === 0) return [];
  const out: PhysicalRegion[] = [];
  for (let at = 0, index = 0; at + per <= cells.length; at += per, index++) {
    const base = translate(b, parent, joinCells(cells, at, ac));
    if (base === "no-entry") throw new PhysicalUnsupportedError(dev.name, "ranges");
    if (base === "no-ranges") throw new PhysicalUnsupportedError(dev.name, "no-ranges");
    out.push({ index, base, size: joinCells(cells, at + ac, sc) });
  }
  // The kernel names a DT device after its first reg's CPU address ("9010000.pl031"): a mismatch means a translation
  // this walk did not see, so the addresses would be wrong.
  const named = /^([0-9a-f]+)\.[^:]/.exec(dev.name);
  if (named && out[0] && BigInt(`0x${named[1]}`) !== out[0].base) throw new PhysicalUnsupportedError(dev.name, "name-mismatch");
  // vfio-amba exposes the first resource only.
  return dev.bus === "amba" ? out.slice(0, 1) : out;
}

/**
 * The physical windows of `dev`'s VFIO regions ([] when the kernel shows none: no `reg`, no `resource`).
 * @throws PhysicalUnsupportedError (translated bus addresses), SyscallError (unreadable files)
 */
export function physicalRegions(b: KernelBoundary, dev: HostDevice): PhysicalRegion[] {
  return dev.bus === "pci" ? pciRegions(b, dev) : dtRegions(b, dev);
}
