// The kinds of Arm SMMU the simulated board can put in front of its bus masters, and what each one means for a VFIO
// domain as Linux 6.12 sets it up (arm-smmu-v3, and arm-smmu's arm_smmu_init_domain_context for v1/v2): which
// translation stage the domain gets (permission rules), which context format (page sizes, input size, FSR.FORMAT),
// which driver reports faults (syndrome and log line). See pl330-smmu.md §2.3-2.7 and docs/smmu.md.
import type { BoardSpec, DeviceSpec, SmmuSpec } from "../boards/board-spec.ts";

export type SmmuProfileName = SmmuSpec["profile"];

const SZ_4K = 0x1000n;
const SZ_16K = 0x4000n;
const SZ_64K = 0x1_0000n;
const SZ_2M = 0x20_0000n;
const SZ_32M = 0x200_0000n;
const SZ_512M = 0x2000_0000n;
const SZ_1G = 0x4000_0000n;
/** Page and block sizes per translation granule (VMSAv8 long descriptors, as io-pgtable-arm restricts them). */
const GRANULE_SIZES: Record<string, bigint> = {
  [SZ_4K.toString()]: SZ_4K | SZ_2M | SZ_1G,
  [SZ_16K.toString()]: SZ_16K | SZ_32M,
  [SZ_64K.toString()]: SZ_64K | SZ_512M,
};

export interface SmmuProfile {
  /**
   * Translation stage of a VFIO domain: 1 = stage 1 (AP bits, PXN rule), 2 = stage 2 (S2AP exactly as mapped),
   * 0 = no translation at all (bypass). arm-smmu gives an unmanaged domain stage 1 whenever the SMMU has it.
   */
  stage: 0 | 1 | 2;
  /** Fault syndrome format: SMMUv3 event records, SMMUv1/v2 context-bank fault registers, or none (bypass). */
  syndrome: "v3" | "v2" | "none";
  /** The Linux driver that owns the SMMU (the prefix of its kernel log lines). */
  driver: "arm-smmu-v3" | "arm-smmu" | "";
  /** Input address size when the board does not give one (before the context format's cap). */
  defaultIas: number;
  /**
   * The SMMU's pgsize_bitmap: every page size of every table format it supports (arm_smmu_device_cfg_probe), before
   * io-pgtable picks one granule for a domain.
   */
  formatSizes: bigint;
  /**
   * Context format of a domain on arm64: "aarch64" (VMSAv8-64 tables) or "aarch32-l" (VMSAv7 long descriptors, on an
   * SMMU with no AArch64 format: stage-1 input capped at 32 bits, stage 2 at 40). Decides FSR.FORMAT (2 or 1).
   */
  format: "aarch64" | "aarch32-l";
}

export const SMMU_PROFILES: Record<SmmuProfileName, SmmuProfile> = {
  // Current arm64 (QEMU virt,iommu=smmuv3; servers): type1 gets a stage-1 domain, ias = min(48, VA_BITS).
  "smmuv3-s1": { stage: 1, syndrome: "v3", driver: "arm-smmu-v3", defaultIas: 48, formatSizes: SZ_4K | SZ_2M | SZ_1G, format: "aarch64" },
  // MMU-500 (SMMUv2 architecture, arm,mmu-500): stage 1 preferred by arm-smmu; AArch64 4K/16K/64K granules.
  "mmu500-s1": {
    stage: 1,
    syndrome: "v2",
    driver: "arm-smmu",
    defaultIas: 48,
    formatSizes: SZ_4K | SZ_2M | SZ_1G | SZ_16K | SZ_32M | SZ_64K | SZ_512M,
    format: "aarch64",
  },
  // MMU-401 (arm,mmu-401: ARM_SMMU_V1_64K): SMMUv1 long descriptors plus the AArch64 64K format, so an arm64 kernel
  // uses AArch64 tables; stage 1 (what Linux picks when the SMMU has it), IAS = the SMMU's IPA size (40 bits here).
  "mmu401-s1": { stage: 1, syndrome: "v2", driver: "arm-smmu", defaultIas: 40, formatSizes: SZ_4K | SZ_2M | SZ_1G | SZ_64K | SZ_512M, format: "aarch64" },
  // An MMU-401 built stage-2 only (Fast Models-like): same formats, S2AP permissions.
  "mmu401-s2": { stage: 2, syndrome: "v2", driver: "arm-smmu", defaultIas: 40, formatSizes: SZ_4K | SZ_2M | SZ_1G | SZ_64K | SZ_512M, format: "aarch64" },
  // MMU-400 / generic arm,smmu-v1: only AArch32 long (and short) descriptors, so a stage-1 domain's input is 32 bits
  // and its tables are ARM_32_LPAE_S1, which keeps only the 4K granule's sizes of the SMMU's (the short-descriptor
  // sizes 64K/1M/16M are never a domain's on arm64).
  "mmu400-s1": { stage: 1, syndrome: "v2", driver: "arm-smmu", defaultIas: 40, formatSizes: SZ_4K | SZ_2M | SZ_1G, format: "aarch32-l" },
  // Generic arm,smmu-v2 with the AArch64 4K granule.
  "smmuv2-s1": { stage: 1, syndrome: "v2", driver: "arm-smmu", defaultIas: 48, formatSizes: SZ_4K | SZ_2M | SZ_1G, format: "aarch64" },
  // Stream in bypass: the device drives physical addresses (see iommu/dma-port.ts for what that means here).
  bypass: { stage: 0, syndrome: "none", driver: "", defaultIas: 48, formatSizes: SZ_4K | SZ_2M | SZ_1G, format: "aarch64" },
};

/** 4 KiB, 2 MiB and 1 GiB pages: what an Arm SMMU with a 4 KiB granule reports. */
export const SMMU_PGSIZES = 0x4020_1000n;

/** The SMMU of QEMU's `-M virt,iommu=smmuv3` (its MMIO base 0x09050000), used when a board names none. */
export const DEFAULT_SMMU: SmmuSpec = { profile: "smmuv3-s1", name: "9050000.smmuv3", coherentWalk: true };

/** A board's SMMU with defaults filled in. */
export interface SmmuConfig {
  profile: SmmuProfileName;
  /** dev_name() of the SMMU, as its log lines show it. */
  name: string;
  /** Input address size of a VFIO domain in bits: IOVAs at or above 2^ias cannot be translated. */
  ias: number;
  /** Page sizes of a domain (domain->pgsize_bitmap) on a kernel with `pageSize` pages. */
  pgsizes: bigint;
  /** IOMMU_CAP_CACHE_COHERENCY from the table walk alone (DT `dma-coherent` on the SMMU node). */
  coherentWalk: boolean;
  rules: SmmuProfile;
}

/**
 * A domain's page sizes as io-pgtable-arm restricts the SMMU's: the granule is the CPU page size when the SMMU has
 * it, else the largest smaller size, else the smallest larger one; only that granule's page and block sizes remain.
 */
export function domainPgsizes(formatSizes: bigint, cpuPage: number): bigint {
  const page = BigInt(cpuPage);
  const below = formatSizes & (page - 1n);
  const above = formatSizes & ~(page - 1n);
  let granule = 0n;
  if (formatSizes & page) granule = page;
  else if (below) granule = 1n << BigInt(below.toString(2).length - 1);
  else if (above) granule = above & -above;
  return formatSizes & (GRANULE_SIZES[granule.toString()] ?? 0n);
}

/** vfio_iommu_type1's iova_pgsizes from a domain's: sizes below the CPU page fold into the CPU page. */
export function type1Pgsizes(domain: bigint, cpuPage: number): bigint {
  const page = BigInt(cpuPage);
  return domain & (page - 1n) ? (domain & ~(page - 1n)) | page : domain;
}

/** Fill in an SMMU's defaults for a kernel with `pageSize` pages. @throws Error for an unknown profile */
export function smmuConfig(spec: SmmuSpec, pageSize: number, where: string): SmmuConfig {
  const rules = SMMU_PROFILES[spec.profile];
  if (!rules || !Object.hasOwn(SMMU_PROFILES, spec.profile)) throw new Error(`simulated board '${where}': unknown SMMU profile '${spec.profile}'`);
  let ias = spec.ias ?? rules.defaultIas;
  // arm_smmu_init_domain_context: AArch32 long descriptors take 32 input bits at stage 1, 40 at stage 2.
  if (rules.format === "aarch32-l") ias = Math.min(ias, rules.stage === 2 ? 40 : 32);
  const pgsizes = domainPgsizes(rules.formatSizes, pageSize);
  return { profile: spec.profile, name: spec.name, ias, pgsizes, coherentWalk: spec.coherentWalk === true, rules };
}

/** Every IOMMU of `board`: its `smmus`, or the one `smmu` (DEFAULT_SMMU when unnamed); none without an IOMMU. */
export function smmusOf(board: BoardSpec): SmmuConfig[] {
  if (board.iommu === "none") return [];
  const specs = board.smmus ?? [board.smmu ?? DEFAULT_SMMU];
  return specs.map((s) => smmuConfig(s, board.pageSize, board.name));
}

/** The board's first SMMU (the only one unless the board lists `smmus`), or undefined without an IOMMU. */
export function smmuOf(board: BoardSpec): SmmuConfig | undefined {
  return smmusOf(board)[0];
}

/**
 * IOMMU_CAP_CACHE_COHERENCY for `device`, which vfio requires to register a device behind an IOMMU: arm-smmu (v1/v2)
 * reports it when the SMMU's table walk is coherent or the device is dma-coherent; arm-smmu-v3 only from the SMMU's
 * own coherency (dma-coherent on the SMMU's node: QEMU's SMMUv3 has it), whatever the device says. True for a device
 * with no IOMMU in front of it.
 */
export function cacheCoherent(board: BoardSpec, device: DeviceSpec): boolean {
  const name = smmuNameOf(board, device);
  if (name === undefined) return true;
  const spec = (board.smmus ?? [board.smmu ?? DEFAULT_SMMU]).find((s) => s.name === name);
  if (!spec) return true;
  const walk = spec.coherentWalk === true;
  const driver = SMMU_PROFILES[spec.profile]?.driver;
  if (driver === "arm-smmu") return walk || device.dmaCoherent === true;
  return driver === "arm-smmu-v3" ? walk : true;
}

/**
 * The name of the SMMU in front of `device`: the one its `iommu` names on a board with `smmus`, else the board's only
 * SMMU for a device with an IOMMU group. Undefined: no IOMMU in front of it.
 */
export function smmuNameOf(board: BoardSpec, device: DeviceSpec): string | undefined {
  if (board.iommu === "none") return undefined;
  if (board.smmus) return device.iommu?.smmu;
  if (device.iommuGroup === undefined && device.iommu === undefined) return undefined;
  return (board.smmu ?? DEFAULT_SMMU).name;
}

/** BoardSpec.iommu for a board whose SMMU runs `profile`: the Linux driver that owns it decides the kind. */
export function iommuKindOfProfile(profile: SmmuProfileName): "smmuv3" | "arm-smmu" {
  return SMMU_PROFILES[profile].driver === "arm-smmu" ? "arm-smmu" : "smmuv3";
}
