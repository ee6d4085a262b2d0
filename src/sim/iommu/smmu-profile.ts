// The kinds of Arm SMMU the simulated board can put in front of its bus masters, and what each one means for a VFIO
// type1 domain: which translation stage Linux gives the domain (decides the permission rules), which driver reports
// faults (decides the syndrome format and the log line), and the input address size. See pl330-smmu.md §2.3 and §2.7.
import type { BoardSpec, SmmuSpec } from "../boards/board-spec.ts";

export type SmmuProfileName = SmmuSpec["profile"];

interface SmmuProfile {
  /**
   * Translation stage of a VFIO domain: 1 = VMSAv8-64 stage 1 (AP bits, PXN rule), 2 = stage 2 (S2AP exactly as
   * mapped), 0 = no translation at all (bypass).
   */
  stage: 0 | 1 | 2;
  /** Fault syndrome format: SMMUv3 event records, SMMUv2 context-bank fault registers, or none (bypass). */
  syndrome: "v3" | "v2" | "none";
  /** The Linux driver that owns the SMMU (the prefix of its kernel log lines). */
  driver: "arm-smmu-v3" | "arm-smmu" | "";
  /** Input address size when the board does not give one. */
  defaultIas: number;
}

export const SMMU_PROFILES: Record<SmmuProfileName, SmmuProfile> = {
  // Current arm64 (QEMU virt,iommu=smmuv3; servers): type1 gets a stage-1 domain, ias = min(48, VA_BITS).
  "smmuv3-s1": { stage: 1, syndrome: "v3", driver: "arm-smmu-v3", defaultIas: 48 },
  // MMU-500 (SMMUv2 architecture) with stage 1 preferred by arm-smmu for unmanaged domains.
  "mmu500-s1": { stage: 1, syndrome: "v2", driver: "arm-smmu", defaultIas: 48 },
  // MMU-401 (Juno's DMA-330, Fast Models): stage 2 only; the IPA size is typically 40 bits.
  "mmu401-s2": { stage: 2, syndrome: "v2", driver: "arm-smmu", defaultIas: 40 },
  // Stream in bypass: the device drives physical addresses (see iommu/dma-port.ts for what that means here).
  bypass: { stage: 0, syndrome: "none", driver: "", defaultIas: 48 },
};

/** The SMMU of QEMU's `-M virt,iommu=smmuv3` (its MMIO base 0x09050000), used when a board names none. */
export const DEFAULT_SMMU: SmmuSpec = { profile: "smmuv3-s1", name: "9050000.smmuv3" };

/** A board's SMMU with defaults filled in, or undefined when the board has no IOMMU (noiommu only). */
export interface SmmuConfig {
  profile: SmmuProfileName;
  /** dev_name() of the SMMU, as its log lines show it. */
  name: string;
  /** Input address size in bits: IOVAs at or above 2^ias cannot be translated. */
  ias: number;
  rules: SmmuProfile;
}

/** The SMMU in front of `board`'s devices (DEFAULT_SMMU on an IOMMU board that names none). */
export function smmuOf(board: BoardSpec): SmmuConfig | undefined {
  if (board.iommu === "none") return undefined;
  const spec = board.smmu ?? DEFAULT_SMMU;
  const rules = SMMU_PROFILES[spec.profile];
  if (!rules) throw new Error(`simulated board '${board.name}': unknown SMMU profile '${spec.profile}'`);
  return { profile: spec.profile, name: spec.name, ias: spec.ias ?? rules.defaultIas, rules };
}
