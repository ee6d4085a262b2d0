// The PL330's numbers: register offsets of its 4 KiB APB window, thread status codes (DSR/CSR[3:0]), fault type bits
// (FTRD/FTRn) and the CCR field layout, as pl330-smmu.md §1.2, §1.4, §1.6 and §1.8 give them. Kept apart so tests,
// the register file and the engine name the same constants.

/** Register offsets (DDI 0424, register summary). Per-channel registers take the channel number. */
export const PL330_REG = {
  DSR: 0x000,
  DPC: 0x004,
  INTEN: 0x020,
  INT_EVENT_RIS: 0x024,
  INTMIS: 0x028,
  INTCLR: 0x02c,
  FSRD: 0x030,
  FSRC: 0x034,
  FTRD: 0x038,
  FTR: (n: number) => 0x040 + 4 * n,
  CSR: (n: number) => 0x100 + 8 * n,
  CPC: (n: number) => 0x104 + 8 * n,
  SAR: (n: number) => 0x400 + 0x20 * n,
  DAR: (n: number) => 0x404 + 0x20 * n,
  CCR: (n: number) => 0x408 + 0x20 * n,
  LC0: (n: number) => 0x40c + 0x20 * n,
  LC1: (n: number) => 0x410 + 0x20 * n,
  DBGSTATUS: 0xd00,
  DBGCMD: 0xd04,
  DBGINST0: 0xd08,
  DBGINST1: 0xd0c,
  CR0: 0xe00,
  CR1: 0xe04,
  CR2: 0xe08,
  CR3: 0xe0c,
  CR4: 0xe10,
  CRD: 0xe14,
  WD: 0xe80,
} as const;

/** Thread status codes (DSR[3:0] for the manager, CSRn[3:0] for channels). */
export const STATE = {
  STOPPED: 0x0,
  EXECUTING: 0x1,
  CACHE_MISS: 0x2,
  UPDATING_PC: 0x3,
  WAITING_FOR_EVENT: 0x4,
  AT_BARRIER: 0x5,
  WAITING_FOR_PERIPHERAL: 0x7,
  KILLING: 0x8,
  COMPLETING: 0x9,
  FAULTING_COMPLETING: 0xe,
  FAULTING: 0xf,
} as const;

/** Fault type bits of FTRD (manager) and FTRn (channels). */
export const FAULT = {
  UNDEF_INSTR: 1 << 0,
  OPERAND_INVALID: 1 << 1,
  DMAGO_ERR: 1 << 4,
  MGR_EVNT_ERR: 1 << 5,
  CH_EVNT_ERR: 1 << 5,
  CH_PERIPH_ERR: 1 << 6,
  CH_RDWR_ERR: 1 << 7,
  MFIFO_ERR: 1 << 12,
  ST_DATA_UNAVAILABLE: 1 << 13,
  INSTR_FETCH_ERR: 1 << 16,
  DATA_WRITE_ERR: 1 << 17,
  DATA_READ_ERR: 1 << 18,
  DBG_INSTR: 1 << 30,
  LOCKUP_ERR: 2 ** 31,
} as const;

/** CSRn bits besides the state and wakeup number. */
export const CSR_BITS = { DMAWFP_B_NS: 1 << 14, DMAWFP_PERIPH: 1 << 15, CNS: 1 << 21 } as const;

/** CCR reset value: src/dst prot 0b010 (Non-secure, unprivileged, data), single 1-byte fixed beats. */
export const CCR_RESET = 0x00800200;

/** One side (source or destination) of a CCR: what a DMALD (src) or DMAST/DMASTZ (dst) does on the bus. */
export interface BurstSide {
  increment: boolean;
  /** Bytes per beat (1 << size field). */
  beat: number;
  beats: number;
  privileged: boolean;
  nonSecure: boolean;
  instruction: boolean;
}

/** The source half of a CCR value (bits 0..13). */
export function ccrSource(ccr: number): BurstSide {
  return {
    increment: (ccr & 1) !== 0,
    beat: 1 << ((ccr >>> 1) & 7),
    beats: ((ccr >>> 4) & 0xf) + 1,
    privileged: (ccr & (1 << 8)) !== 0,
    nonSecure: (ccr & (1 << 9)) !== 0,
    instruction: (ccr & (1 << 10)) !== 0,
  };
}

/** The destination half of a CCR value (bits 14..27). */
export function ccrDestination(ccr: number): BurstSide {
  return {
    increment: (ccr & (1 << 14)) !== 0,
    beat: 1 << ((ccr >>> 15) & 7),
    beats: ((ccr >>> 18) & 0xf) + 1,
    privileged: (ccr & (1 << 22)) !== 0,
    nonSecure: (ccr & (1 << 23)) !== 0,
    instruction: (ccr & (1 << 24)) !== 0,
  };
}

/** Endian swap unit in bytes from CCR[30:28] (0 = none; reserved values 5..7 are taken as none). */
export function ccrSwapBytes(ccr: number): number {
  const v = (ccr >>> 28) & 7;
  return v >= 1 && v <= 4 ? 1 << v : 0;
}

/** A Non-secure channel may not ask for secure data accesses (CCR bits 9 and 23 must both be set). */
export function ccrAsksSecure(ccr: number): boolean {
  return (ccr & (1 << 9)) === 0 || (ccr & (1 << 23)) === 0;
}

/**
 * Bytes one DMALD/DMAST moves (§1.6): beats x beat, less the misalignment of the first beat for an incrementing
 * burst (AXI: the first beat ends at the next beat boundary); a fixed-address burst repeats the first beat's bytes.
 */
export function burstBytes(side: BurstSide, address: number): number {
  const mis = address % side.beat;
  return side.increment ? side.beats * side.beat - mis : side.beats * (side.beat - mis);
}
