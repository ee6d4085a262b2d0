// IOMMU topology from a device tree: an SMMU node's kind (its compatibles -> one of the simulator's SMMU profiles, the
// stage Linux's arm-smmu gives a DMA domain: stage 1 whenever the SMMU has it) and each master's `iommus` entries,
// decoded with the IOMMU node's #iommu-cells. As in of_iommu_configure(), an `iommus` that points at a disabled IOMMU
// leaves the master without one. Only Arm SMMUs are modelled; a master behind another kind of IOMMU (Rockchip's
// IOMMU, for instance) gets none here, and docs/boards.md says so.
import type { SmmuSpec } from "../board-spec.ts";
import { SMMU_PROFILES, type SmmuProfileName } from "../../iommu/smmu-profile.ts";
import type { DtNode } from "./fdt-parse.ts";
import type { DtReader } from "./dt-props.ts";

/**
 * Profiles by compatible, most wanted first: the first one this simulator has is used (stage 1, as arm-smmu chooses
 * when the SMMU implements it; an older simulator without the stage-1 MMU-401 falls back to its stage-2 profile).
 */
const PROFILE_CHOICES: [RegExp, string[]][] = [
  [/^arm,smmu-v3$/, ["smmuv3-s1"]],
  [/^arm,mmu-500$|-smmu-500$/, ["mmu500-s1"]],
  [/^arm,mmu-401$|^arm,smmu-v1$/, ["mmu401-s1", "mmu401-s2"]],
  [/^arm,mmu-400$/, ["mmu400-s1", "mmu401-s1", "mmu401-s2"]],
  [/^arm,smmu-v2$|^(cavium|qcom),smmu-v2$/, ["smmuv2-s1", "mmu500-s1"]],
];

const known = (p: string): p is SmmuProfileName => Object.hasOwn(SMMU_PROFILES, p);

/** The SMMU profile for a node's compatibles, or undefined when the node is no Arm SMMU. */
export function smmuProfileOf(compatible: readonly string[]): SmmuProfileName | undefined {
  for (const c of compatible) {
    for (const [re, choices] of PROFILE_CHOICES) if (re.test(c)) return choices.find(known);
  }
  return undefined;
}

/** The Linux driver bound to an SMMU node. */
export function smmuDriverOf(profile: SmmuProfileName): string {
  return profile === "smmuv3-s1" ? "arm-smmu-v3" : "arm-smmu";
}

/** The SmmuSpec of an SMMU device named `name`. */
export function smmuSpecOf(r: DtReader, node: DtNode, name: string, profile: SmmuProfileName): SmmuSpec {
  return {
    profile,
    name,
    compatible: r.compatible(node),
    coherentWalk: r.has(node, "dma-coherent"),
    ...(profile === "smmuv3-s1" ? { ias: 48 } : {}),
  };
}

/** A master's IOMMU: the IOMMU node and the stream IDs (the first cell of each entry), in DT order. */
export interface MasterIommu {
  iommu: DtNode;
  streamIds: number[];
}

/**
 * The IOMMU of `node` from its `iommus`, or undefined when it has none or the IOMMU is disabled. Entries naming a
 * second IOMMU are left out (a master behind two IOMMUs is not modelled).
 * @throws BoardFileError for a phandle that names no node or an entry cut short
 */
export function masterIommuOf(r: DtReader, node: DtNode): MasterIommu | undefined {
  const cells = r.cells(node, "iommus");
  if (!cells || cells.length === 0) return undefined;
  let first: DtNode | undefined;
  const streamIds: number[] = [];
  for (let i = 0; i < cells.length; ) {
    const iommu = r.byPhandle(node, "iommus", cells[i]!);
    const n = r.u32(iommu, "#iommu-cells");
    if (n === undefined) r.fail(node, "iommus", `a phandle of an IOMMU (a node with #iommu-cells)`, iommu.path);
    if (i + 1 + n > cells.length) r.fail(node, "iommus", `${n} cells after the phandle of ${iommu.path}`, `${cells.length - i - 1}`);
    first ??= iommu;
    if (iommu === first && n > 0) streamIds.push(cells[i + 1]!);
    i += 1 + n;
  }
  if (!first || !r.available(first)) return undefined;
  return { iommu: first, streamIds };
}
