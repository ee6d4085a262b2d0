// A BoardSpec written as a stand-alone board file (docs/board-files.md): what `vfio-plat sim-export` prints for the
// active board, the built-in ones included. Addresses, sizes and IDs are hex text; keys come in one fixed order and
// the text is a pure function of the spec, so export -> load -> export gives the same bytes.
import type { BoardSpec, DeviceSpec, PciSpec, SmmuSpec } from "../board-spec.ts";
import { DEFAULT_SMMU } from "../../iommu/smmu-profile.ts";
import { hexText, type Obj } from "./json-reader.ts";
import { BOARD_FILE_FORMAT, BOARD_FILE_VERSION } from "./load-board-file.ts";
import { MODEL_KNOBS } from "./model-knobs.ts";

/** Drop the keys whose value is undefined (JSON would drop them anyway; this keeps the objects comparable). */
function defined(o: Obj): Obj {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function smmuEntry(s: SmmuSpec): Obj {
  return defined({ profile: s.profile, name: s.name, ias: s.ias, compatible: s.compatible, coherentWalk: s.coherentWalk });
}

function pciEntry(p: PciSpec): Obj {
  return defined({
    vendor: hexText(p.vendor),
    device: hexText(p.device),
    subsystemVendor: hexText(p.subsystemVendor),
    subsystemDevice: hexText(p.subsystemDevice),
    revision: hexText(p.revision),
    classCode: hexText(p.classCode),
    bars: p.bars.map((b) => (b ? defined({ base: hexText(b.base), size: hexText(b.size), kind: b.kind, prefetchable: b.prefetchable }) : null)),
    interruptPin: p.interruptPin,
    msiVectors: p.msiVectors,
    msi64: p.msi64,
  });
}

function deviceEntry(d: DeviceSpec): Obj {
  const knobs = MODEL_KNOBS[d.model];
  const options = d.modelOptions && Object.keys(d.modelOptions).length ? d.modelOptions : undefined;
  return defined({
    name: d.name,
    bus: d.bus,
    compatible: d.compatible,
    model: d.model,
    regions: d.regions.map((g) => defined({ base: hexText(g.base), size: hexText(g.size), name: g.name, readOnly: g.readOnly, pio: g.pio })),
    irqs: d.irqs.map((q) => ({ hwirq: q.hwirq, trigger: q.trigger })),
    driver: d.nativeDriver ?? null,
    probeError: d.nativeProbeError,
    reset: d.hasReset,
    periphid: d.periphid !== undefined ? hexText(d.periphid) : undefined,
    console: d.console,
    dmaCoherent: d.dmaCoherent,
    iommuGroup: d.iommuGroup,
    iommuGroupAtProbe: d.iommuGroupAtProbe,
    iommu: d.iommu ? { smmu: d.iommu.smmu, streamIds: d.iommu.streamIds } : undefined,
    pci: d.pci ? pciEntry(d.pci) : undefined,
    regs: d.regs,
    ...(options && knobs ? { [knobs.fileKey]: knobs.write(options) } : {}),
  });
}

/** The board as a board file's object (stand-alone: no `from`). */
export function boardFileOf(spec: BoardSpec): Obj {
  return defined({
    [BOARD_FILE_FORMAT]: BOARD_FILE_VERSION,
    name: spec.name,
    description: spec.description,
    // An IOMMU board that names no SMMU has the default one: the file says which, so it means the same elsewhere.
    iommu: spec.iommu === "none" ? "none" : smmuEntry(spec.smmu ?? DEFAULT_SMMU),
    smmus: spec.smmus?.map(smmuEntry),
    pageSize: spec.pageSize,
    memory: spec.memory
      ? defined({
          base: hexText(spec.memory.base),
          size: hexText(spec.memory.size),
          hugePageSize: spec.memory.hugePageSize !== undefined ? hexText(spec.memory.hugePageSize) : undefined,
          hugePages: spec.memory.hugePages,
        })
      : undefined,
    iommufd: spec.iommufd,
    cmdline: { ...spec.cmdline },
    devices: spec.devices.map(deviceEntry),
  });
}

/** The board file's text: JSON, two-space indent, short objects and lists on one line, a final newline. */
export function boardFileText(spec: BoardSpec): string {
  return `${layout(boardFileOf(spec), "")}\n`;
}

const LINE = 110;

/** JSON with nesting by indent, but any value whose one-line form fits in LINE columns on one line. */
function layout(v: unknown, indent: string): string {
  const flat = oneLine(v);
  if (typeof v !== "object" || v === null || indent.length + flat.length <= LINE) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + layout(x, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(v as Obj).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${layout(x, inner)}`);
  return `{\n${entries.join(",\n")}\n${indent}}`;
}

function oneLine(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    const e = Object.entries(v as Obj);
    return e.length ? `{ ${e.map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(", ")} }` : "{}";
  }
  return JSON.stringify(v);
}
