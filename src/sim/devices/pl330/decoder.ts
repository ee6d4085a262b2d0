// The PL330 instruction decoder: opcode byte -> length, which threads may run it, its operands, and whether the
// encoding or an operand is invalid for this configuration (pl330-smmu.md §1.5). It only decodes; the channel and
// manager executors decide what happens, so the debug interface and program fetches share one table.
import type { Pl330Config } from "./config.ts";

/** Condition of the load/store/loop-end families: unconditional, or only when request_type is Single / Burst. */
export type Cond = "always" | "single" | "burst";

export type Insn =
  | { op: "END" | "KILL" | "NOP" | "RMB" | "WMB" | "STZ" }
  | { op: "LD" | "ST"; cond: Cond }
  | { op: "LDP" | "STP"; cond: Cond; periph: number }
  | { op: "LP"; lc: 0 | 1; count: number }
  | { op: "LPEND"; lc: 0 | 1; cond: Cond; forever: boolean; jump: number }
  | { op: "WFP"; kind: "single" | "burst" | "periph"; periph: number }
  | { op: "FLUSHP"; periph: number }
  | { op: "SEV"; event: number }
  | { op: "WFE"; event: number; invalidate: boolean }
  | { op: "ADDH"; ra: 0 | 1; value: number }
  | { op: "GO"; ns: boolean; chan: number; pc: number }
  | { op: "MOV"; rd: number; imm: number };

/** Who may execute an instruction: manager, channel, or both. */
export const MANAGER = 1;
export const CHANNEL = 2;

/** A decoded instruction, or the reason it cannot run. */
export interface Decoded {
  len: number;
  /** Thread kinds allowed (MANAGER | CHANNEL bits); another thread gets undef_instr. */
  who: number;
  /** Undefined opcode (undef_instr). */
  undefined?: boolean;
  /** Invalid variant or operand (operand_invalid); checked after the thread permission. */
  invalid?: boolean;
  insn?: Insn;
}

/** Undefined opcodes inside the 2-byte block 0x20..0x3F: their fetch stops at the opcode byte. */
const ONE_BYTE_UNDEFINED = new Set([0x21, 0x23, 0x24, 0x26, 0x37]);

/** Instruction length from the opcode byte (1 for undefined opcodes: the fault is at that byte). */
export function insnLength(b0: number): number {
  if (b0 === 0xa0 || b0 === 0xa2 || b0 === 0xbc) return 6;
  if ((b0 & 0xf5) === 0x54) return 3; // 0x54/0x56 ADDH, 0x5C/0x5E ADNH
  if (b0 >= 0x20 && b0 <= 0x3f && !ONE_BYTE_UNDEFINED.has(b0)) return 2;
  return 1;
}

const UNDEFINED: Decoded = { len: 1, who: MANAGER | CHANNEL, undefined: true };

function cond(b0: number): Cond {
  if ((b0 & 1) === 0) return "always";
  return (b0 & 2) !== 0 ? "burst" : "single";
}

/**
 * Decode the instruction whose bytes start at `b[0]` (`b` holds at least insnLength(b[0]) bytes). `cfg` supplies the
 * limits operands are checked against (events, peripherals, channels) and the revision (DMAADNH is r1p0+).
 */
export function decode(b: Uint8Array, cfg: Pl330Config): Decoded {
  const b0 = b[0]!;
  const b1 = b[1] ?? 0;
  const periphOk = (x: number) => (x & 7) === 0 && x >>> 3 < cfg.peripherals;
  switch (b0) {
    case 0x00:
      return { len: 1, who: MANAGER | CHANNEL, insn: { op: "END" } };
    case 0x01:
      return { len: 1, who: MANAGER | CHANNEL, insn: { op: "KILL" } };
    case 0x04: case 0x05: case 0x06: case 0x07:
      if (b0 === 0x06) return { len: 1, who: CHANNEL, invalid: true };
      return { len: 1, who: CHANNEL, insn: { op: "LD", cond: cond(b0) } };
    case 0x08: case 0x09: case 0x0a: case 0x0b:
      if (b0 === 0x0a) return { len: 1, who: CHANNEL, invalid: true };
      return { len: 1, who: CHANNEL, insn: { op: "ST", cond: cond(b0) } };
    case 0x0c:
      return { len: 1, who: CHANNEL, insn: { op: "STZ" } };
    case 0x12:
      return { len: 1, who: CHANNEL, insn: { op: "RMB" } };
    case 0x13:
      return { len: 1, who: CHANNEL, insn: { op: "WMB" } };
    case 0x18:
      return { len: 1, who: MANAGER | CHANNEL, insn: { op: "NOP" } };
    case 0x20: case 0x22:
      return { len: 2, who: CHANNEL, insn: { op: "LP", lc: b0 === 0x22 ? 1 : 0, count: b1 } };
    case 0x25: case 0x27: case 0x29: case 0x2b: {
      // 0x29/0x2B overlap DMALPEND nf=0 lc=0 with a condition; they decode as DMASTPS/DMASTPB.
      const op = b0 <= 0x27 ? "LDP" : "STP";
      if (!periphOk(b1)) return { len: 2, who: CHANNEL, invalid: true };
      return { len: 2, who: CHANNEL, insn: { op, cond: cond(b0), periph: b1 >>> 3 } };
    }
    case 0x28: case 0x2a: case 0x2c: case 0x2d: case 0x2e: case 0x2f:
    case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x3d: case 0x3e: case 0x3f: {
      if ((b0 & 3) === 2) return { len: 2, who: CHANNEL, invalid: true }; // bs=1 without x: no such variant
      const lc = (b0 & 4) !== 0 ? 1 : 0;
      return { len: 2, who: CHANNEL, insn: { op: "LPEND", lc, cond: cond(b0), forever: (b0 & 0x10) === 0, jump: b1 } };
    }
    case 0x30: case 0x31: case 0x32: case 0x33: {
      if (b0 === 0x33 || !periphOk(b1)) return { len: 2, who: CHANNEL, invalid: true };
      const kind = b0 === 0x30 ? "single" : b0 === 0x32 ? "burst" : "periph";
      return { len: 2, who: CHANNEL, insn: { op: "WFP", kind, periph: b1 >>> 3 } };
    }
    case 0x34: {
      if ((b1 & 7) !== 0 || b1 >>> 3 >= cfg.events) return { len: 2, who: MANAGER | CHANNEL, invalid: true };
      return { len: 2, who: MANAGER | CHANNEL, insn: { op: "SEV", event: b1 >>> 3 } };
    }
    case 0x35:
      if (!periphOk(b1)) return { len: 2, who: CHANNEL, invalid: true };
      return { len: 2, who: CHANNEL, insn: { op: "FLUSHP", periph: b1 >>> 3 } };
    case 0x36: {
      if ((b1 & 5) !== 0 || b1 >>> 3 >= cfg.events) return { len: 2, who: MANAGER | CHANNEL, invalid: true };
      return { len: 2, who: MANAGER | CHANNEL, insn: { op: "WFE", event: b1 >>> 3, invalidate: (b1 & 2) !== 0 } };
    }
    case 0x54: case 0x56: case 0x5c: case 0x5e: {
      if (b0 >= 0x5c && cfg.revision === 0) return UNDEFINED; // DMAADNH arrived in r1p0
      const imm = b1 | ((b[2] ?? 0) << 8);
      const value = b0 >= 0x5c ? (0xffff0000 | imm) >>> 0 : imm;
      return { len: 3, who: CHANNEL, insn: { op: "ADDH", ra: (b0 & 2) !== 0 ? 1 : 0, value } };
    }
    case 0xa0: case 0xa2: {
      const pc = (b[2]! | (b[3]! << 8) | (b[4]! << 16) | (b[5]! << 24)) >>> 0;
      if ((b1 & 0xf8) !== 0 || (b1 & 7) >= cfg.channels) return { len: 6, who: MANAGER, invalid: true };
      return { len: 6, who: MANAGER, insn: { op: "GO", ns: b0 === 0xa2, chan: b1 & 7, pc } };
    }
    case 0xbc: {
      const imm = (b[2]! | (b[3]! << 8) | (b[4]! << 16) | (b[5]! << 24)) >>> 0;
      if (b1 > 2) return { len: 6, who: CHANNEL, invalid: true };
      return { len: 6, who: CHANNEL, insn: { op: "MOV", rd: b1, imm } };
    }
    default:
      return UNDEFINED;
  }
}
