// The directory of one device in the simulated sysfs (/sys/devices/..., reached also through /sys/bus/*/devices):
// its attributes as Linux shows them (platform: driver_override, modalias, of_node; PCI: pci-sysfs.c's identity and
// resource files), the driver and iommu_group links, and the vfio-dev class entry of a VFIO-bound device.
import type { DeviceSpec, PciBarSpec } from "../boards/board-spec.ts";
import type { BoardState } from "../state/board-state.ts";
import { cdevDevice, groupOf, hasBindAttrs } from "./driver-core.ts";
import type { Bus, Node } from "./fs-node.ts";
import { iommuLink, ofIommus } from "./smmu-nodes.ts";
import { ambaPeriphidOf } from "./amba-periphid.ts";
import { REGS_PROPERTY } from "../../registers/regs-property.ts";

/** The writes a device directory's attributes perform (driver-core actions, in SimFs). */
export interface DeviceActions {
  unbind(bus: Bus, driver: string, name: string, path: string): void;
  setOverride(d: DeviceSpec, value: string): void;
}

/**
 * Major number of the vfio-dev character devices. Dynamic on Linux (alloc_chrdev_region); this is the value the lab's
 * 6.12 kernel gave.
 */
const VFIO_DEV_MAJOR = 511;

/** Devices bound to a VFIO driver (they have a VFIO device index), in board order. */
export function vfioDevices(s: BoardState): DeviceSpec[] {
  return s.board.devices.filter((d) => s.devices[d.name]?.vfioIndex !== undefined);
}

/** Where the device lives under /sys/devices (platform and AMBA devices under platform/, PCI under its host bridge). */
export function devicesDir(d: DeviceSpec): string {
  return d.bus === "pci" ? `devices/pci${d.name.slice(0, 7)}` : "devices/platform";
}

const X = (v: number, digits: number) => v.toString(16).toUpperCase().padStart(digits, "0");

function modalias(d: DeviceSpec): string {
  if (d.bus === "amba") return `amba:d${ambaPeriphidOf(d).toString(16).padStart(8, "0")}\n`;
  if (d.pci) {
    const p = d.pci;
    const cls = p.classCode;
    return `pci:v${X(p.vendor, 8)}d${X(p.device, 8)}sv${X(p.subsystemVendor, 8)}sd${X(p.subsystemDevice, 8)}bc${X(cls >> 16, 2)}sc${X((cls >> 8) & 0xff, 2)}i${X(cls & 0xff, 2)}\n`;
  }
  const node = d.name.slice(d.name.indexOf(".") + 1);
  return `of:N${node}T(null)${d.compatible.map((c) => `C${c}`).join("")}\n`;
}

/** IORESOURCE_* flags of a BAR as /sys/.../resource shows them (MEM or IO, SIZEALIGN, PREFETCH, MEM_64). */
function resourceFlags(bar: PciBarSpec): number {
  if (bar.kind === "io") return 0x0004_0100;
  return 0x0004_0200 | (bar.prefetchable ? 0x2000 : 0) | (bar.kind === "mem64" ? 0x0010_0000 : 0);
}

/**
 * The text of a PCI function's identity attributes (pci-sysfs.c), or undefined for a name that is not one of them.
 * `resource` has the six BARs and the ROM, one "start end flags" line each (no SR-IOV lines: the lab's kernel has no
 * CONFIG_PCI_IOV).
 */
function pciAttribute(d: DeviceSpec, name: string, driver: string | undefined): string | undefined {
  const p = d.pci!;
  const h = (v: number, digits: number) => `0x${v.toString(16).padStart(digits, "0")}\n`;
  switch (name) {
    case "vendor":
      return h(p.vendor, 4);
    case "device":
      return h(p.device, 4);
    case "subsystem_vendor":
      return h(p.subsystemVendor, 4);
    case "subsystem_device":
      return h(p.subsystemDevice, 4);
    case "class":
      return h(p.classCode, 6);
    case "revision":
      return h(p.revision, 2);
    case "resource": {
      const line = (start: bigint, end: bigint, flags: number) =>
        `0x${start.toString(16).padStart(16, "0")} 0x${end.toString(16).padStart(16, "0")} 0x${flags.toString(16).padStart(16, "0")}\n`;
      const lines: string[] = [];
      for (let i = 0; i < 6; i++) {
        const bar = p.bars[i];
        lines.push(bar ? line(bar.base, bar.base + BigInt(bar.size) - 1n, resourceFlags(bar)) : line(0n, 0n, 0));
      }
      lines.push(line(0n, 0n, 0)); // no expansion ROM
      return lines.join("");
    }
    case "uevent":
      return (
        `${driver ? `DRIVER=${driver}\n` : ""}PCI_CLASS=${X(p.classCode, 1)}\nPCI_ID=${X(p.vendor, 4)}:${X(p.device, 4)}\n` +
        `PCI_SUBSYS_ID=${X(p.subsystemVendor, 4)}:${X(p.subsystemDevice, 4)}\nPCI_SLOT_NAME=${d.name}\nMODALIAS=${modalias(d)}`
      );
    default:
      return undefined;
  }
}

/** Cells per address and per size in the simulated boards' `reg` (QEMU virt's and Juno's root: 2 and 2). */
const REG_CELLS = 2;

/** 32-bit cells as a device-tree property's bytes (big-endian), one character per byte. */
function cells(values: number[]): string {
  let out = "";
  for (const v of values) out += String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  return out;
}

/**
 * The device's `reg` property: one <address size> pair per region, in region order (vfio-platform makes one region per
 * resource in that order), each value as two cells. The boards hold CPU addresses (a tree's `ranges` already applied).
 */
function regProperty(d: DeviceSpec): string {
  const hi = (v: bigint) => Number((v >> 32n) & 0xffff_ffffn);
  const lo = (v: bigint) => Number(v & 0xffff_ffffn);
  return cells(d.regions.flatMap((r) => [hi(r.base), lo(r.base), hi(BigInt(r.size)), lo(BigInt(r.size))]));
}

/**
 * The node at `rest` inside device `d`'s directory (`rest` undefined: the directory itself; `real`: reached through
 * /sys/devices rather than the bus's symlink). Writes go to `actions`.
 */
export function deviceNode(
  s: BoardState,
  d: DeviceSpec,
  rest: string | undefined,
  path: string,
  actions: DeviceActions,
  real = false,
): Node | undefined {
  const core = s.devices[d.name] ?? {};
  const group = groupOf(s, d);
  if (rest === undefined || rest === "") {
    if (!real) return { kind: "link", target: `../../../${devicesDir(d)}/${d.name}` };
    if (d.bus === "pci") {
      const entries = ["class", "device", "driver_override", "modalias", "resource", "revision", "subsystem", "subsystem_device", "subsystem_vendor", "uevent", "vendor"];
      if (core.driver) entries.push("driver");
      if (group !== undefined) entries.push("iommu_group");
      if (core.vfioIndex !== undefined) entries.push("vfio-dev");
      return { kind: "dir", entries: () => entries.sort() };
    }
    const entries = ["driver_override", "modalias", "of_node", "subsystem", "uevent"];
    if (core.driver) entries.push("driver");
    if (group !== undefined) entries.push("iommu_group");
    if (core.vfioIndex !== undefined) entries.push("vfio-dev");
    return { kind: "dir", entries: () => entries.sort() };
  }
  if (rest === "vfio-dev" || rest.startsWith("vfio-dev/")) return vfioDevNode(s, d, rest);
  if (d.pci) {
    // A PCI function found by enumeration has no DT node; one the board describes with a register map has a node
    // holding just that (a DT may describe a PCI function under its host bridge, and Linux then links of_node).
    if (rest.startsWith("of_node")) return d.regs === undefined ? undefined : pciOfNode(d.regs, rest);
    const text = pciAttribute(d, rest, core.driver);
    if (text !== undefined) return { kind: "file", mode: rest === "uevent" ? 0o644 : 0o444, read: () => text };
  }
  switch (rest) {
    case "driver":
      return core.driver ? { kind: "link", target: `../../../bus/${d.bus}/drivers/${core.driver}` } : undefined;
    case "driver/unbind":
      if (!core.driver || !hasBindAttrs(core.driver)) return undefined;
      return { kind: "file", mode: 0o200, write: (v) => actions.unbind(d.bus, core.driver!, v.trim(), path) };
    case "driver_override":
      return {
        kind: "file",
        mode: 0o644,
        read: () => `${core.override ?? "(null)"}\n`,
        write: (v) => actions.setOverride(d, v),
      };
    case "iommu":
      return iommuLink(s.board, d);
    case "of_node/iommus":
      return ofIommus(s.board, d);
    case "iommu_group":
      return group === undefined ? undefined : { kind: "link", target: `../../../kernel/iommu_groups/${group}` };
    case "modalias":
      return { kind: "file", mode: 0o444, read: () => modalias(d) };
    case "subsystem":
      return { kind: "link", target: `../../../bus/${d.bus}` };
    case "uevent":
      return { kind: "file", mode: 0o644, read: () => `${core.driver ? `DRIVER=${core.driver}\n` : ""}MODALIAS=${modalias(d)}` };
    case "of_node":
      return {
        kind: "dir",
        entries: () => [
          "compatible",
          "name",
          ...(d.dmaCoherent ? ["dma-coherent"] : []),
          ...(d.iommu ? ["iommus"] : []),
          "reg",
          ...(d.regions.some((r) => r.name) ? ["reg-names"] : []),
          ...(d.regs !== undefined ? [REGS_PROPERTY] : []),
        ],
      };
    case "of_node/dma-coherent":
      return d.dmaCoherent ? { kind: "file", mode: 0o444, read: () => "" } : undefined;
    case "of_node/compatible":
      return { kind: "file", mode: 0o444, read: () => d.compatible.map((c) => `${c}\0`).join("") };
    case "of_node/name":
      return { kind: "file", mode: 0o444, read: () => `${d.name.slice(d.name.indexOf(".") + 1)}\0` };
    case `of_node/${REGS_PROPERTY}`:
      return d.regs === undefined ? undefined : { kind: "file", mode: 0o444, read: () => `${d.regs}\0` };
    case "of_node/reg":
      return { kind: "file", mode: 0o444, read: () => regProperty(d) };
    // The node's parent (the root here: the board's nodes sit under it with no `ranges` between) as the cell counts
    // its children's `reg` is read with; a real of_node is a link into /sys/firmware/devicetree, so `..` is the parent.
    case "of_node/../#address-cells":
    case "of_node/../#size-cells":
      return { kind: "file", mode: 0o444, read: () => cells([REG_CELLS]) };
    case "of_node/reg-names":
      if (!d.regions.some((r) => r.name)) return undefined;
      return { kind: "file", mode: 0o444, read: () => d.regions.map((r) => `${r.name ?? ""}\0`).join("") };
    default:
      return undefined;
  }
}

/**
 * The device's vfio-dev class entry (vfio_device_add): vfio-dev/vfioN with `dev` and a DEVNAME only when the device
 * has a cdev (not in noiommu mode).
 */
function vfioDevNode(s: BoardState, d: DeviceSpec, rest: string): Node | undefined {
  const n = s.devices[d.name]?.vfioIndex;
  if (n === undefined) return undefined;
  const name = `vfio${n}`;
  const cdev = cdevDevice(s, n) !== undefined;
  const dev = `${VFIO_DEV_MAJOR}:${n}`;
  switch (rest.slice("vfio-dev".length)) {
    case "":
      return { kind: "dir", entries: () => [name] };
    case `/${name}`:
      return { kind: "dir", entries: () => [...(cdev ? ["dev"] : []), "device", "power", "subsystem", "uevent"] };
    case `/${name}/dev`:
      return cdev ? { kind: "file", mode: 0o444, read: () => `${dev}\n` } : undefined;
    case `/${name}/uevent`: {
      const text = cdev ? `MAJOR=${VFIO_DEV_MAJOR}\nMINOR=${n}\nDEVNAME=vfio/devices/${name}\n` : "";
      return { kind: "file", mode: 0o644, read: () => text };
    }
    case `/${name}/device`:
      return { kind: "link", target: "../../../" + d.name };
    case `/${name}/subsystem`:
      return { kind: "link", target: "../../../../../class/vfio-dev" };
    case `/${name}/power`:
      return { kind: "dir", entries: () => [] };
    default:
      return undefined;
  }
}

/** The of_node of a PCI function the board gives a register map: a node with only the `vfio-plat,regs` property. */
function pciOfNode(regs: string, rest: string): Node | undefined {
  if (rest === "of_node") return { kind: "dir", entries: () => [REGS_PROPERTY] };
  if (rest === `of_node/${REGS_PROPERTY}`) return { kind: "file", mode: 0o444, read: () => `${regs}\0` };
  return undefined;
}
