// The PL330 instruction set as data: every encoding with its length, where each operand sits, and which thread may
// execute it (pl330-smmu.md §1.5, from the DMA-330 TRM). The assembler, the disassembler and the program builder all
// read this one table, so an encoding is written down exactly once.

/** Who may execute an instruction: the manager thread (M), a channel thread (C), or both. */
export type Thread = "M" | "C" | "MC";

/**
 * What an operand field holds:
 *  - addr-reg: SAR (0) or DAR (1) — DMAADDH/DMAADNH byte0 bit 1
 *  - mov-reg: SAR (0), CCR (1), DAR (2) — DMAMOV byte1 (3..7 invalid)
 *  - imm32 / imm16: little-endian immediates
 *  - neg-imm16: DMAADNH's immediate; the value added is 0xFFFF0000 | imm16 (i.e. -65536..-1)
 *  - lc: loop counter 0 or 1
 *  - iterations: DMALP's count, encoded as iterations - 1 (1..256)
 *  - jump: DMALPEND's backward jump in bytes (target = address of the DMALPEND - jump)
 *  - event / periph: 0..31, in byte1[7:3]
 *  - channel: DMAGO's channel 0..7
 *  - ns: DMAGO's Non-secure bit (byte0 bit 1)
 *  - invalidate: DMAWFE's "invalidate instruction cache" bit (byte1 bit 1)
 */
export type FieldKind =
  | "addr-reg"
  | "mov-reg"
  | "imm32"
  | "imm16"
  | "neg-imm16"
  | "lc"
  | "iterations"
  | "jump"
  | "event"
  | "periph"
  | "channel"
  | "ns"
  | "invalidate";

/** One operand field: `bits` bits starting at bit `shift` of the little-endian value that begins at byte `byte`. */
export interface Field {
  kind: FieldKind;
  byte: number;
  shift: number;
  bits: number;
}

export interface Encoding {
  /** TRM mnemonic, upper case (the forever-loop ends share DMALPEND's names and set `forever`). */
  mnemonic: string;
  /** byte0 with every operand bit zero. */
  opcode: number;
  /** Instruction length in bytes (1, 2, 3 or 6). */
  length: number;
  /** Operand fields, in assembly-operand order. */
  fields: readonly Field[];
  thread: Thread;
  /** A DMALPEND that closes a DMALPFE loop (nf = 0: jumps back unconditionally, no counter). */
  forever?: boolean;
  summary: string;
}

const f = (kind: FieldKind, byte: number, shift: number, bits: number): Field => ({ kind, byte, shift, bits });
const PERIPH = f("periph", 1, 3, 5);
const EVENT = f("event", 1, 3, 5);
const LPEND_FIELDS = [f("lc", 0, 2, 1), f("jump", 1, 0, 8)];

/**
 * Every encoding. ORDER MATTERS for decoding: the first entry whose fixed bits match wins. DMASTPS/DMASTPB come
 * before the forever-loop DMALPEND forms because 0x29/0x2B are both "DMALPEND(S|B) lc0, forever" and DMASTP(S|B); the
 * hardware (and QEMU) take them as DMASTP, so a conditional forever loop must use lc1 (0x2D/0x2F).
 */
export const ENCODINGS: readonly Encoding[] = [
  { mnemonic: "DMAADDH", opcode: 0x54, length: 3, fields: [f("addr-reg", 0, 1, 1), f("imm16", 1, 0, 16)], thread: "C", summary: "SAR or DAR += imm16" },
  { mnemonic: "DMAADNH", opcode: 0x5c, length: 3, fields: [f("addr-reg", 0, 1, 1), f("neg-imm16", 1, 0, 16)], thread: "C", summary: "SAR or DAR += a negative halfword (0xFFFF0000 | imm16)" },
  { mnemonic: "DMAEND", opcode: 0x00, length: 1, fields: [], thread: "MC", summary: "end of program" },
  { mnemonic: "DMAFLUSHP", opcode: 0x35, length: 2, fields: [PERIPH], thread: "C", summary: "flush peripheral request state" },
  { mnemonic: "DMAGO", opcode: 0xa0, length: 6, fields: [f("channel", 1, 0, 3), f("imm32", 2, 0, 32), f("ns", 0, 1, 1)], thread: "M", summary: "start a channel at an address" },
  { mnemonic: "DMAKILL", opcode: 0x01, length: 1, fields: [], thread: "MC", summary: "terminate the thread" },
  { mnemonic: "DMALD", opcode: 0x04, length: 1, fields: [], thread: "C", summary: "load a burst" },
  { mnemonic: "DMALDS", opcode: 0x05, length: 1, fields: [], thread: "C", summary: "load a burst if the request flag is Single" },
  { mnemonic: "DMALDB", opcode: 0x07, length: 1, fields: [], thread: "C", summary: "load a burst if the request flag is Burst" },
  { mnemonic: "DMALDPS", opcode: 0x25, length: 2, fields: [PERIPH], thread: "C", summary: "load and notify the peripheral (single)" },
  { mnemonic: "DMALDPB", opcode: 0x27, length: 2, fields: [PERIPH], thread: "C", summary: "load and notify the peripheral (burst)" },
  { mnemonic: "DMALP", opcode: 0x20, length: 2, fields: [f("lc", 0, 1, 1), f("iterations", 1, 0, 8)], thread: "C", summary: "loop counter := iterations - 1" },
  { mnemonic: "DMALPEND", opcode: 0x38, length: 2, fields: LPEND_FIELDS, thread: "C", summary: "end of a counted loop" },
  { mnemonic: "DMALPENDS", opcode: 0x39, length: 2, fields: LPEND_FIELDS, thread: "C", summary: "end of a counted loop (Single requests)" },
  { mnemonic: "DMALPENDB", opcode: 0x3b, length: 2, fields: LPEND_FIELDS, thread: "C", summary: "end of a counted loop (Burst requests)" },
  { mnemonic: "DMASTPS", opcode: 0x29, length: 2, fields: [PERIPH], thread: "C", summary: "store and notify the peripheral (single)" },
  { mnemonic: "DMASTPB", opcode: 0x2b, length: 2, fields: [PERIPH], thread: "C", summary: "store and notify the peripheral (burst)" },
  { mnemonic: "DMALPEND", opcode: 0x28, length: 2, fields: LPEND_FIELDS, thread: "C", forever: true, summary: "end of a DMALPFE loop" },
  { mnemonic: "DMALPENDS", opcode: 0x29, length: 2, fields: LPEND_FIELDS, thread: "C", forever: true, summary: "end of a DMALPFE loop (Single)" },
  { mnemonic: "DMALPENDB", opcode: 0x2b, length: 2, fields: LPEND_FIELDS, thread: "C", forever: true, summary: "end of a DMALPFE loop (Burst)" },
  { mnemonic: "DMAMOV", opcode: 0xbc, length: 6, fields: [f("mov-reg", 1, 0, 3), f("imm32", 2, 0, 32)], thread: "C", summary: "SAR, CCR or DAR := imm32" },
  { mnemonic: "DMANOP", opcode: 0x18, length: 1, fields: [], thread: "MC", summary: "no operation" },
  { mnemonic: "DMARMB", opcode: 0x12, length: 1, fields: [], thread: "C", summary: "read memory barrier" },
  { mnemonic: "DMASEV", opcode: 0x34, length: 2, fields: [EVENT], thread: "MC", summary: "signal an event / raise its interrupt" },
  { mnemonic: "DMAST", opcode: 0x08, length: 1, fields: [], thread: "C", summary: "store a burst" },
  { mnemonic: "DMASTS", opcode: 0x09, length: 1, fields: [], thread: "C", summary: "store a burst if the request flag is Single" },
  { mnemonic: "DMASTB", opcode: 0x0b, length: 1, fields: [], thread: "C", summary: "store a burst if the request flag is Burst" },
  { mnemonic: "DMASTZ", opcode: 0x0c, length: 1, fields: [], thread: "C", summary: "store a burst of zeros" },
  { mnemonic: "DMAWFE", opcode: 0x36, length: 2, fields: [EVENT, f("invalidate", 1, 1, 1)], thread: "MC", summary: "wait for an event" },
  { mnemonic: "DMAWFPS", opcode: 0x30, length: 2, fields: [PERIPH], thread: "C", summary: "wait for a single peripheral request" },
  { mnemonic: "DMAWFPB", opcode: 0x32, length: 2, fields: [PERIPH], thread: "C", summary: "wait for a burst peripheral request" },
  { mnemonic: "DMAWFPP", opcode: 0x31, length: 2, fields: [PERIPH], thread: "C", summary: "wait for a peripheral request (type from the peripheral)" },
  { mnemonic: "DMAWMB", opcode: 0x13, length: 1, fields: [], thread: "C", summary: "write memory barrier" },
];

/** Largest DMALPEND backward jump (an 8-bit operand). */
export const MAX_JUMP = 255;
/** Largest DMALP iteration count (the counter byte holds iterations - 1). */
export const MAX_ITERATIONS = 256;

/** How an operand is called in messages ("DMASEV event 32 is outside 0..31"). */
export const OPERAND_NAMES: Readonly<Record<FieldKind, string>> = {
  "addr-reg": "register",
  "mov-reg": "register",
  imm32: "immediate",
  imm16: "immediate",
  "neg-imm16": "immediate",
  lc: "loop counter",
  iterations: "iteration count",
  jump: "backward jump",
  event: "event",
  periph: "peripheral",
  channel: "channel",
  ns: "ns flag",
  invalidate: "invalidate flag",
};

/**
 * The values an operand can take as written in assembly, from the field's width: DMALP's count is 1..2^bits (the
 * byte holds count - 1), DMAADNH's immediate is -2^bits..-1 (the DMAC adds 0xFFFF0000 | field), DMAMOV's register is
 * 0..2 (3..7 are operand_invalid), everything else 0..2^bits - 1.
 */
export function operandRange(fd: Field): { min: number; max: number } {
  const span = 2 ** fd.bits;
  if (fd.kind === "iterations") return { min: 1, max: span };
  if (fd.kind === "neg-imm16") return { min: -span, max: -1 };
  if (fd.kind === "mov-reg") return { min: 0, max: 2 };
  return { min: 0, max: span - 1 };
}

/** A range as messages show it: decimal, with the hex form too once the bounds need more than 16 bits. */
export function formatRange(r: { min: number; max: number }): string {
  const text = (v: number) => (v > 0xffff ? `0x${v.toString(16)}` : String(v));
  return `${text(r.min)}..${text(r.max)}${r.max > 0xffff ? ` (${r.min}..${r.max})` : ""}`;
}

/** The bits of byte `index` that operand fields occupy in `enc`. */
export function fieldMask(enc: Encoding, index: number): number {
  let mask = 0;
  for (const fd of enc.fields) {
    for (let bit = fd.shift; bit < fd.shift + fd.bits; bit++) {
      if (fd.byte + (bit >> 3) === index) mask |= 1 << (bit & 7);
    }
  }
  return mask;
}

/** Read a field's value from instruction bytes (unsigned). */
export function getField(bytes: ArrayLike<number>, fd: Field): number {
  let v = 0;
  for (let bit = 0; bit < fd.bits; bit++) {
    const at = fd.shift + bit;
    if ((bytes[fd.byte + (at >> 3)]! >> (at & 7)) & 1) v += 2 ** bit;
  }
  return v;
}

/** Write a field's value into instruction bytes (other bits untouched). */
export function setField(bytes: Uint8Array, fd: Field, value: number): void {
  for (let bit = 0; bit < fd.bits; bit++) {
    const at = fd.shift + bit;
    const i = fd.byte + (at >> 3);
    const m = 1 << (at & 7);
    if (Math.floor(value / 2 ** bit) % 2) bytes[i]! |= m;
    else bytes[i]! &= ~m;
  }
}

/** Encodings with this mnemonic (two for the DMALPEND family: counted and forever). */
export function encodingsOf(mnemonic: string): Encoding[] {
  const m = mnemonic.toUpperCase();
  return ENCODINGS.filter((e) => e.mnemonic === m);
}

/** The encoding whose fixed bits match byte0, honouring the table's order (the 0x29/0x2B rule); undefined if none. */
export function matchOpcode(byte0: number): Encoding | undefined {
  return ENCODINGS.find((e) => (byte0 & ~fieldMask(e, 0) & 0xff) === e.opcode);
}

/**
 * Build instruction bytes from an encoding and raw field values (already in encoded form: DMALP's count - 1,
 * DMAADNH's 16-bit field).
 * @throws RangeError naming the instruction and field when a value is not an integer the field's bits hold (it would
 *   otherwise be cut to those bits and encode a different instruction)
 */
export function encodeFields(enc: Encoding, values: Partial<Record<FieldKind, number>>): Uint8Array {
  const bytes = new Uint8Array(enc.length);
  bytes[0] = enc.opcode;
  for (const fd of enc.fields) {
    const v = values[fd.kind] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** fd.bits) {
      throw new RangeError(`${enc.mnemonic} ${fd.kind} field ${v} does not fit its ${fd.bits} bit(s) (0..${2 ** fd.bits - 1})`);
    }
    setField(bytes, fd, v);
  }
  return bytes;
}
