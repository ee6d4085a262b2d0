// SMMUv2 (MMU-500, MMU-400/401) fault syndromes: the context bank's FSR, FSYNR0 and FAR plus the global CBFRSYNRA, as
// a terminated transaction leaves them, and the lines arm-smmu (Linux 6.12) prints from its context-fault handler:
// "Unhandled context fault: fsr=..., iova=..., fsynr=..., cbfrsynra=..., cb=N", then FSR and FSYNR0 decoded.
// Bit positions per pl330-smmu.md §2.5 and arm-smmu.h; the wording is arm_smmu_print_context_fault_info's (6.12).

/** FSR bits (write-1-to-clear on hardware). */
const FSR_TF = 1 << 1;
const FSR_AFF = 1 << 2;
const FSR_PF = 1 << 3;
const FSR_EF = 1 << 4;
const FSR_TLBMCF = 1 << 5;
const FSR_TLBLKF = 1 << 6;
const FSR_ASF = 1 << 7;
const FSR_UUT = 1 << 8;
const FSR_SS = 1 << 30;
const FSR_MULTI = 1 << 31;
/**
 * FSR.FORMAT [10:9]: the context's translation table format, 0b10 for AArch64 (what Linux gives a domain on an arm64
 * kernel whenever the SMMU has an AArch64 format), 0b01 for AArch32 long descriptors (MMU-400, generic SMMUv1).
 */
export const FSR_FORMAT_AARCH64 = 2;
export const FSR_FORMAT_AARCH32_L = 1;

/** FSYNR0 bits. */
const FSYNR0_WNR = 1 << 4;
const FSYNR0_PNU = 1 << 5;
const FSYNR0_IND = 1 << 6;
const FSYNR0_NSATTR = 1 << 8;
const FSYNR0_PTWF = 1 << 10;
const FSYNR0_AFR = 1 << 11;

type V2FaultKind = "translation" | "permission" | "address-size";

export interface SmmuV2Fault {
  /** Fault status: 0x402 translation, 0x408 permission, 0x480 address size (0x202, 0x208, 0x280 with AArch32 tables). */
  fsr: number;
  /** Fault syndrome 0: PLVL [1:0], WNR [4], PNU [5], IND [6] (S1CBNDX [23:16] left 0: UNKNOWN for stage 1). */
  fsynr0: number;
  /** Faulting input address (IOVA). */
  far: bigint;
  /** The faulting stream ID (CBFRSYNRA[15:0]). */
  cbfrsynra: number;
  /** Context bank of the domain. */
  cb: number;
}

const FSR_OF: Record<V2FaultKind, number> = { translation: FSR_TF, permission: FSR_PF, "address-size": FSR_ASF };

/**
 * The registers after a fault of `kind` at `address` on `level`. NSATTR stays 0: Linux's context banks are
 * Non-secure, where real logs never show it set.
 */
export function encodeV2Fault(
  kind: V2FaultKind,
  a: { write: boolean; instruction: boolean; privileged: boolean; streamId: number },
  address: bigint,
  level: number,
  cb: number,
  format: number = FSR_FORMAT_AARCH64,
): SmmuV2Fault {
  const fsynr0 = (level & 3) | (a.write ? FSYNR0_WNR : 0) | (a.privileged ? FSYNR0_PNU : 0) | (a.instruction ? FSYNR0_IND : 0);
  return { fsr: ((format & 3) << 9) | FSR_OF[kind], fsynr0, far: address, cbfrsynra: a.streamId & 0xffff, cb };
}

const hex = (v: number | bigint) => v.toString(16);
const flag = (on: boolean, name: string) => (on ? name : "");

/** The text of arm-smmu's dev_err lines for one context fault, before the "<driver> <device>: " prefix. */
export function v2FaultLogLines(f: SmmuV2Fault): string[] {
  const fsr = f.fsr;
  const fsynr = f.fsynr0;
  return [
    `Unhandled context fault: fsr=0x${hex(fsr)}, iova=0x${hex(f.far).padStart(8, "0")}, fsynr=0x${hex(fsynr)}, cbfrsynra=0x${hex(f.cbfrsynra)}, cb=${f.cb}`,
    `FSR    = ${hex(fsr >>> 0).padStart(8, "0")} [` +
      flag((fsr & FSR_MULTI) !== 0, "MULTI ") +
      flag((fsr & FSR_SS) !== 0, "SS ") +
      `Format=${(fsr >>> 9) & 3}` +
      flag((fsr & FSR_UUT) !== 0, " UUT") +
      flag((fsr & FSR_ASF) !== 0, " ASF") +
      flag((fsr & FSR_TLBLKF) !== 0, " TLBLKF") +
      flag((fsr & FSR_TLBMCF) !== 0, " TLBMCF") +
      flag((fsr & FSR_EF) !== 0, " EF") +
      flag((fsr & FSR_PF) !== 0, " PF") +
      flag((fsr & FSR_AFF) !== 0, " AFF") +
      flag((fsr & FSR_TF) !== 0, " TF") +
      `], SID=0x${hex(f.cbfrsynra)}`,
    `FSYNR0 = ${hex(fsynr).padStart(8, "0")} [S1CBNDX=${(fsynr >>> 16) & 0xff}` +
      flag((fsynr & FSYNR0_AFR) !== 0, " AFR") +
      flag((fsynr & FSYNR0_PTWF) !== 0, " PTWF") +
      flag((fsynr & FSYNR0_NSATTR) !== 0, " NSATTR") +
      flag((fsynr & FSYNR0_IND) !== 0, " IND") +
      flag((fsynr & FSYNR0_PNU) !== 0, " PNU") +
      flag((fsynr & FSYNR0_WNR) !== 0, " WNR") +
      ` PLVL=${fsynr & 3}]`,
  ];
}
