// A parsed device tree turned into a simulated board: the devices of_platform_populate() would create, named and
// placed as Linux names and places them, with their MMIO windows, interrupts, DMA coherency, IOMMU (one group per
// master behind an Arm SMMU, shared as the SMMU driver shares them), model and default driver. The whole spec is built (and every error raised) before
// anything touches a state directory.
import { iommuKindOfProfile } from "../../iommu/smmu-profile.ts";
import type { BoardSpec, DeviceSpec, SmmuSpec } from "../board-spec.ts";
import { BoardFileError } from "../board-errors.ts";
import type { DeviceTree, DtNode } from "./fdt-parse.ts";
import { DtReader } from "./dt-props.ts";
import { populate } from "./dt-populate.ts";
import { busIdOf, regionsOf } from "./dt-address.ts";
import { interruptsOf } from "./dt-interrupts.ts";
import { GENERIC_MMIO, nodeModelOf } from "./dt-models.ts";
import { AMBA_NR_IRQS } from "../board-file/amba-rules.ts";
import { masterIommuOf, smmuProfileOf, smmuSpecOf } from "./dt-iommu.ts";
import { assignGroups } from "./dt-groups.ts";
import { memoryOfTree } from "./dt-memory.ts";

/**
 * What VFIO sees of an AMBA device: vfio-amba's get_resource gives only the device's one resource (reg[0]), its get_irq
 * only the first AMBA_NR_IRQS; a platform device keeps every entry.
 */
function ambaLimited<T>(bus: "platform" | "amba", list: T[], max: number): T[] {
  return bus === "amba" ? list.slice(0, max) : list;
}

/** of_dma_is_coherent(): `dma-coherent` on the node or a DMA parent, unless `dma-noncoherent` comes first. */
function dmaCoherent(r: DtReader, node: DtNode): boolean {
  for (let n: DtNode | undefined = node; n; n = n.parent) {
    if (r.has(n, "dma-coherent")) return true;
    if (r.has(n, "dma-noncoherent")) return false;
  }
  return false;
}

/** The node /chosen's stdout-path names (a path or an alias, before any ":options"). */
function consoleNode(r: DtReader, root: DtNode): DtNode | undefined {
  const chosen = root.children.find((n) => n.name === "chosen");
  const out = chosen && (r.string(chosen, "stdout-path") ?? r.string(chosen, "linux,stdout-path"));
  if (!out) return undefined;
  let path = out.split(":")[0]!;
  if (!path.startsWith("/")) {
    const aliases = root.children.find((n) => n.name === "aliases");
    path = (aliases && r.string(aliases, path)) ?? "";
  }
  const find = (n: DtNode): DtNode | undefined => (n.path === path ? n : n.children.map(find).find((x) => x));
  return path ? find(root) : undefined;
}

/** The `serialN` alias number of a node (amba-pl011 names its tty ttyAMA<N>), 0 when it has none. */
function serialIndex(r: DtReader, root: DtNode, node: DtNode): number {
  const aliases = root.children.find((n) => n.name === "aliases");
  for (const [k] of aliases?.props ?? []) {
    const m = /^serial(\d+)$/.exec(k);
    if (m && r.string(aliases!, k) === node.path) return Number(m[1]);
  }
  return 0;
}

export interface DeviceTreeBoardOptions {
  /** The board's name (the file's base name). */
  name: string;
  /** The file the tree came from, for errors and the description. */
  file: string;
}

/**
 * Build the BoardSpec of a device tree.
 * @throws BoardFileError for a property the builder cannot decode, or a tree that gives no device at all
 */
export function boardFromDeviceTree(tree: DeviceTree, opts: DeviceTreeBoardOptions): BoardSpec {
  const r = new DtReader(opts.file, tree);
  const populated = populate(r, tree.root);
  const names = new Map<string, DtNode>();
  const smmusByNode = new Map<DtNode, SmmuSpec>();
  const entries: { node: DtNode; bus: "platform" | "amba"; name: string }[] = [];
  for (const { node, bus } of populated) {
    // of_amba_device_create() gives up on a node whose first reg does not translate: no AMBA device at all.
    if (bus === "amba" && regionsOf(r, node).length === 0) continue;
    const name = busIdOf(r, node);
    // A second node with the same name: the driver core refuses to add it (a duplicate sysfs name), so no device.
    if (names.has(name)) continue;
    names.set(name, node);
    const profile = smmuProfileOf(r.compatible(node));
    if (profile) smmusByNode.set(node, smmuSpecOf(r, node, name, profile));
    entries.push({ node, bus, name });
  }
  const consoleAt = consoleNode(r, tree.root);
  const used = new Set<SmmuSpec>();
  let modelledMaster: SmmuSpec | undefined;
  const built = entries.map(({ node, bus }) => {
    const irqs = ambaLimited(bus, interruptsOf(r, node), AMBA_NR_IRQS);
    const m = nodeModelOf(r, node, irqs);
    const master = masterIommuOf(r, node);
    const smmu = master ? smmusByNode.get(master.iommu) : undefined;
    return { irqs, m, streamIds: master?.streamIds ?? [], smmu };
  });
  // IOMMU groups as the SMMU drivers make them (shared stream IDs, probe order): dt-groups.ts.
  const masters = built.flatMap((b, i) => (b.smmu ? [{ i, smmu: b.smmu, streamIds: b.streamIds, probedAtBoot: b.m.nativeDriver !== undefined }] : []));
  const groups = assignGroups(masters);
  const groupOf = new Map(masters.map((x, k) => [x.i, groups[k]]));
  const devices: DeviceSpec[] = entries.map(({ node, bus, name }, i) => {
    const { irqs, m, streamIds } = built[i]!;
    const group = groupOf.get(i);
    const smmu = group !== undefined ? built[i]!.smmu : undefined;
    if (smmu) used.add(smmu);
    if (smmu && m.model !== GENERIC_MMIO) modelledMaster ??= smmu;
    const dev: DeviceSpec = {
      name,
      bus,
      compatible: r.compatible(node),
      regions: ambaLimited(bus, regionsOf(r, node), 1),
      irqs,
      ...(m.nativeDriver ? { nativeDriver: m.nativeDriver } : {}),
      ...(m.nativeProbeError ? { nativeProbeError: m.nativeProbeError } : {}),
      // A master no driver probes at boot gets its group at its first probe (of_dma_configure runs in really_probe).
      ...(smmu ? { iommuGroup: group, iommu: { smmu: smmu.name, streamIds }, ...(m.nativeDriver ? {} : { iommuGroupAtProbe: true }) } : {}),
      ...(m.periphid !== undefined ? { periphid: m.periphid } : {}),
      ...(node === consoleAt && m.model === "pl011" ? { console: `ttyAMA${serialIndex(r, tree.root, node)}` } : {}),
      ...(dmaCoherent(r, node) ? { dmaCoherent: true } : {}),
      model: m.model,
      ...(m.modelOptions ? { modelOptions: m.modelOptions } : {}),
    };
    return dev;
  });
  if (devices.length === 0) throw new BoardFileError(opts.file, "/", "nodes that become devices (with compatible, status okay)", "none");
  const smmus = [...smmusByNode.values()];
  // The board's one `smmu` (for code that knows a single SMMU): the one in front of the first modelled DMA master (the
  // PL330 on Juno), else the first one any master uses.
  const first = modelledMaster ?? smmus.find((s) => used.has(s));
  const model = r.string(tree.root, "model") ?? r.compatible(tree.root)[0] ?? "no model";
  const memory = memoryOfTree(r, tree.root);
  return {
    name: opts.name,
    description: `${model} (device tree ${opts.file.split("/").pop()})`,
    iommu: first ? iommuKindOfProfile(first.profile) : "none",
    ...(first ? { smmu: first } : {}),
    ...(smmus.length > 0 ? { smmus } : {}),
    // Without any IOMMU, VFIO needs noiommu mode (as virt-noiommu); vfio-platform's reset is optional (as virt).
    cmdline: first
      ? { "vfio_platform.reset_required": "0" }
      : { "vfio.enable_unsafe_noiommu_mode": "1", "vfio_platform.reset_required": "0" },
    pageSize: 4096,
    devices,
    ...(memory ? { memory } : {}),
  };
}
