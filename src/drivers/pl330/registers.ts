// The PL330 (CoreLink DMA-330) register map as offsets in its 4 KiB APB window, and the field layouts of the
// configuration and identification registers the driver reads. Facts from pl330-smmu.md §1.2 (DMA-330 TRM); all
// registers are 32 bits wide, and only INTEN, INTCLR, DBGCMD, DBGINST0/1 and WD are writable.

/** What the driver needs from a register window: one 32-bit access each (a VFIO Region fits). */
export interface RegisterPort {
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

export const DSR = 0x000;
export const DPC = 0x004;
export const INTEN = 0x020;
export const INT_EVENT_RIS = 0x024;
export const INTMIS = 0x028;
export const INTCLR = 0x02c;
export const FSRD = 0x030;
export const FSRC = 0x034;
export const FTRD = 0x038;
/** Fault type of channel n. */
export const FTR = (n: number): number => 0x040 + 4 * n;
/** Status of channel n: [3:0] state, [8:4] wakeup number, [21] CNS. */
export const CSR = (n: number): number => 0x100 + 8 * n;
/** Program counter of channel n. */
export const CPC = (n: number): number => 0x104 + 8 * n;
export const SAR = (n: number): number => 0x400 + 0x20 * n;
export const DAR = (n: number): number => 0x404 + 0x20 * n;
export const CCR = (n: number): number => 0x408 + 0x20 * n;
export const LC0 = (n: number): number => 0x40c + 0x20 * n;
export const LC1 = (n: number): number => 0x410 + 0x20 * n;
export const DBGSTATUS = 0xd00;
export const DBGCMD = 0xd04;
export const DBGINST0 = 0xd08;
export const DBGINST1 = 0xd0c;
export const CR0 = 0xe00;
export const CR1 = 0xe04;
export const CR2 = 0xe08;
export const CR3 = 0xe0c;
export const CR4 = 0xe10;
export const CRD = 0xe14;
export const WD = 0xe80;
/** periph_id_0..3 (low byte of each word). */
export const PERIPH_ID = (i: number): number => 0xfe0 + 4 * i;
/** pcell_id_0..3 (low byte of each word). */
export const PCELL_ID = (i: number): number => 0xff0 + 4 * i;

/** The largest number of channel threads a PL330 can have. */
export const MAX_CHANNELS = 8;
/** The largest number of event/interrupt resources. */
export const MAX_EVENTS = 32;

/** What CR0, CR1 and CRD say about this DMAC's configuration (tie-offs chosen by the SoC designer). */
export interface Pl330Config {
  /** Channel threads (CR0[6:4] + 1). */
  numChannels: number;
  /** Event/interrupt resources (CR0[21:17] + 1). */
  numEvents: number;
  /** Peripheral request interfaces (CR0[16:12] + 1 when CR0[0] says there are any, else 0). */
  numPeripherals: number;
  /** The manager thread starts Non-secure (CR0[2]): DMAGO must then use ns=1 and CCR the NS bits. */
  managerNs: boolean;
  /** The manager booted from CR2 at reset (CR0[1]). */
  bootFromPc: boolean;
  /** AXI data bus width in bits (CRD[2:0]: 2 = 32, 3 = 64, 4 = 128). */
  busWidthBits: number;
  /** MFIFO depth in lines of the bus width (CRD[29:20] + 1). */
  dataBufDep: number;
  /** Read and write issuing capability and queue depths (CRD). */
  rdCap: number;
  wrCap: number;
  rdQueueDepth: number;
  wrQueueDepth: number;
  /** Instruction cache line length in bytes and number of lines (CR1). */
  icacheLineBytes: number;
  icacheLines: number;
}

/** Decode CR0, CR1 and CRD. Fields are as §1.2 lists them; reserved encodings are passed through as computed. */
export function decodeConfig(cr0: number, cr1: number, crd: number): Pl330Config {
  return {
    numChannels: ((cr0 >>> 4) & 0x7) + 1,
    numEvents: ((cr0 >>> 17) & 0x1f) + 1,
    numPeripherals: cr0 & 1 ? ((cr0 >>> 12) & 0x1f) + 1 : 0,
    managerNs: (cr0 & (1 << 2)) !== 0,
    bootFromPc: (cr0 & (1 << 1)) !== 0,
    busWidthBits: 8 << (crd & 0x7),
    dataBufDep: ((crd >>> 20) & 0x3ff) + 1,
    wrCap: ((crd >>> 4) & 0x7) + 1,
    wrQueueDepth: ((crd >>> 8) & 0xf) + 1,
    rdCap: ((crd >>> 12) & 0x7) + 1,
    rdQueueDepth: ((crd >>> 16) & 0xf) + 1,
    icacheLineBytes: 1 << (cr1 & 0x7),
    icacheLines: ((cr1 >>> 4) & 0xf) + 1,
  };
}

/** Identification read from the ID registers. */
export interface Pl330Identity {
  /** AMBA periphid as Linux builds it: periph_id_0..3 low bytes, little-endian (0x00241330 for r1p1). */
  periphid: number;
  /** PrimeCell component ID (0xB105F00D for every PrimeCell). */
  cid: number;
  /** Part number (periphid[11:0]; 0x330 for the PL330). */
  part: number;
  /** Designer code (periphid[19:12]; 0x41 = Arm). */
  designer: number;
  /** Revision (periphid[23:20]): 0 = r0p0, 1 = r1p0, 2 = r1p1, 3 = r1p2. */
  revision: number;
  /** True when this is a PrimeCell PL330 by the test Linux's driver applies (periphid & 0xFFFFF == 0x41330). */
  isPl330: boolean;
}

export const PRIMECELL_CID = 0xb105f00d;
export const PL330_PERIPHID_MATCH = 0x41330;
export const PL330_PERIPHID_MASK = 0xfffff;

/** Revision names by periph_id_2[7:4]. */
export const REVISION_NAMES: readonly string[] = ["r0p0", "r1p0", "r1p1", "r1p2"];

/** Build the identity from the eight ID bytes (periph_id_0..3, pcell_id_0..3). */
export function decodeIdentity(periph: readonly number[], pcell: readonly number[]): Pl330Identity {
  const word = (b: readonly number[]) => ((b[0]! & 0xff) | ((b[1]! & 0xff) << 8) | ((b[2]! & 0xff) << 16) | ((b[3]! & 0xff) << 24)) >>> 0;
  const periphid = word(periph);
  const cid = word(pcell);
  return {
    periphid,
    cid,
    part: periphid & 0xfff,
    designer: (periphid >>> 12) & 0xff,
    revision: (periphid >>> 20) & 0xf,
    isPl330: cid === PRIMECELL_CID && (periphid & PL330_PERIPHID_MASK) === PL330_PERIPHID_MATCH,
  };
}

/** "r1p1" for revision 2; "rev 7" for an unknown code. */
export function revisionName(revision: number): string {
  return REVISION_NAMES[revision] ?? `rev ${revision}`;
}
