// A PL330 disassembler: microcode bytes to a listing with offsets, in the syntax the assembler reads back. It decodes
// 0x29/0x2B as DMASTPS/DMASTPB (the opcode-overlap rule of pl330-smmu.md §1.5), marks the start of DMALPFE loops,
// and shows anything it cannot decode as `.byte 0xNN ; undefined` so a listing never hides a byte.
import { ccrProblems, decodeCcr, formatCcr } from "./ccr.ts";
import { fieldMask, getField, matchOpcode, type Encoding, type FieldKind } from "./isa.ts";

export interface DisasmLine {
  offset: number;
  /** base + offset (32-bit). */
  address: number;
  /** The instruction's bytes (empty for the DMALPFE marker). */
  bytes: Uint8Array;
  /** "DMAMOV", ".byte" or the "DMALPFE" marker. */
  mnemonic: string;
  /** Assembler text: "DMAMOV CCR, 0x003dc0f7". */
  text: string;
  /** Extra facts: CCR fields, loop jump targets, why bytes are undefined. */
  comment?: string;
  /** True when the bytes are not a valid instruction (unknown opcode, reserved operand bits, truncated). */
  invalid?: boolean;
  /** Operand values as encoded (iterations and the DMAADNH field in raw form). */
  fields?: Partial<Record<FieldKind, number>>;
}

export interface DisasmOptions {
  /** Bus address of the first byte, for the address column and jump targets. Default 0. */
  base?: number;
}

const hex = (v: number, digits = 8) => `0x${(v >>> 0).toString(16).padStart(digits, "0")}`;
const byteList = (b: Uint8Array) => Array.from(b, (x) => `0x${x.toString(16).padStart(2, "0")}`).join(", ");

function operandText(enc: Encoding, v: Partial<Record<FieldKind, number>>): string[] {
  const ops: string[] = [];
  for (const fd of enc.fields) {
    const x = v[fd.kind]!;
    switch (fd.kind) {
      case "addr-reg":
        ops.push(x === 0 ? "SAR" : "DAR");
        break;
      case "mov-reg":
        ops.push(["SAR", "CCR", "DAR"][x]!);
        break;
      case "imm32":
        ops.push(hex(x));
        break;
      case "imm16":
        ops.push(hex(x, 4));
        break;
      case "neg-imm16":
        ops.push(String(x - 65536));
        break;
      case "lc":
        ops.push(`lc${x}`);
        break;
      case "iterations":
        ops.push(String(x + 1));
        break;
      case "event":
      case "periph":
        ops.push(String(x));
        break;
      case "channel":
        ops.push(`C${x}`);
        break;
      case "ns":
        if (x) ops.push("ns");
        break;
      case "invalidate":
        if (x) ops.push("invalid");
        break;
      case "jump":
        break; // the assembler computes it; shown in the comment
    }
  }
  return ops;
}

/** Why an encoding's operands are invalid (reserved bits set, DMAMOV register > 2), or undefined when fine. */
function operandProblem(enc: Encoding, bytes: Uint8Array, v: Partial<Record<FieldKind, number>>): string | undefined {
  for (let k = 1; k < enc.length; k++) {
    const stray = bytes[k]! & ~fieldMask(enc, k) & 0xff;
    if (stray) return `${enc.mnemonic} with reserved operand bits set in byte ${k} (0x${stray.toString(16)}): operand_invalid`;
  }
  if (v["mov-reg"] !== undefined && v["mov-reg"] > 2) return `DMAMOV to register ${v["mov-reg"]} (only 0 SAR, 1 CCR, 2 DAR exist): operand_invalid`;
  return undefined;
}

/** Decode one instruction at `offset` (never throws; invalid bytes come back as a `.byte` line). */
export function decodeAt(bytes: Uint8Array, offset: number, base = 0): DisasmLine {
  const address = (base + offset) >>> 0;
  const b0 = bytes[offset]!;
  const enc = matchOpcode(b0);
  if (!enc) {
    const one = bytes.subarray(offset, offset + 1);
    return { offset, address, bytes: one, mnemonic: ".byte", text: `.byte ${byteList(one)}`, comment: "undefined", invalid: true };
  }
  if (offset + enc.length > bytes.length) {
    const rest = bytes.subarray(offset);
    return {
      offset,
      address,
      bytes: rest,
      mnemonic: ".byte",
      text: `.byte ${byteList(rest)}`,
      comment: `truncated ${enc.mnemonic} (needs ${enc.length} bytes, ${rest.length} left)`,
      invalid: true,
    };
  }
  const ib = bytes.subarray(offset, offset + enc.length);
  const fields: Partial<Record<FieldKind, number>> = {};
  for (const fd of enc.fields) fields[fd.kind] = getField(ib, fd);
  const problem = operandProblem(enc, ib, fields);
  if (problem) return { offset, address, bytes: ib, mnemonic: ".byte", text: `.byte ${byteList(ib)}`, comment: problem, invalid: true };

  const ops = operandText(enc, fields);
  const line: DisasmLine = {
    offset,
    address,
    bytes: ib,
    mnemonic: enc.mnemonic,
    text: ops.length ? `${enc.mnemonic} ${ops.join(", ")}` : enc.mnemonic,
    fields,
  };
  if (enc.mnemonic === "DMAMOV" && fields["mov-reg"] === 1) {
    const ccr = fields.imm32!;
    line.comment = [formatCcr(decodeCcr(ccr)), ...ccrProblems(ccr)].join("; ");
  } else if (fields.jump !== undefined) {
    line.comment = `${enc.forever ? "forever loop, " : ""}back ${fields.jump} to ${hex(address - fields.jump)}`;
  } else if (enc.mnemonic === "DMAADNH") {
    line.comment = `field ${hex(fields["neg-imm16"]!, 4)}`;
  }
  return line;
}

/** `l` shown as plain bytes (the instruction's text moves into the comment), so the listing still assembles back. */
function asBytes(l: DisasmLine, why: string): DisasmLine {
  const rest = { ...l };
  delete rest.fields;
  return { ...rest, mnemonic: ".byte", text: `.byte ${byteList(l.bytes)}`, comment: `${l.text}${l.comment ? `, ${l.comment}` : ""}: ${why}` };
}

interface OpenLoop {
  at: number;
  forever: boolean;
  lc: number;
  target: number;
}

/**
 * The loop instructions of `lines` that the assembler would not rebuild byte for byte: it computes each DMALPEND's
 * jump from the innermost open DMALP (target: the next instruction) or DMALPFE marker, refuses a DMALP whose counter
 * an open loop already uses, a jump of 0 and a loop never closed. Returns the indices to show as bytes (markers: to
 * drop), found by replaying the assembler's loop stack until nothing changes.
 */
function unrebuildableLoops(lines: readonly DisasmLine[]): Set<number> {
  const out = new Set<number>();
  for (let changed = true; changed; ) {
    changed = false;
    const open: OpenLoop[] = [];
    const refuse = (i: number) => {
      out.add(i);
      changed = true;
    };
    lines.forEach((l, i) => {
      if (out.has(i) || l.invalid) return;
      if (l.mnemonic === "DMALPFE") open.push({ at: i, forever: true, lc: -1, target: l.offset });
      else if (l.mnemonic === "DMALP") {
        const lc = l.fields!.lc!;
        if (open.some((o) => !o.forever && o.lc === lc)) refuse(i);
        else open.push({ at: i, forever: false, lc, target: l.offset + l.bytes.length });
      } else if (l.fields?.jump !== undefined) {
        const forever = matchOpcode(l.bytes[0]!)!.forever ?? false;
        const top = open[open.length - 1];
        const target = l.offset - l.fields.jump;
        if (top && l.fields.jump > 0 && top.forever === forever && (forever || top.lc === l.fields.lc) && top.target === target) open.pop();
        else refuse(i);
      }
    });
    for (const o of open) refuse(o.at);
  }
  return out;
}

/**
 * Disassemble a whole buffer. Every byte appears in exactly one line, and the text assembles back to the same bytes:
 * a DMALPFE marker line (no bytes) is inserted at the first body instruction of each forever loop, and a loop
 * instruction the assembler could not rebuild from the listing (a DMALPEND whose jump lands elsewhere than its loop's
 * start, a DMALP never closed) is shown as `.byte` with the instruction in the comment.
 */
export function disassemble(bytes: Uint8Array, opts: DisasmOptions = {}): DisasmLine[] {
  const base = opts.base ?? 0;
  const lines: DisasmLine[] = [];
  for (let off = 0; off < bytes.length; ) {
    const l = decodeAt(bytes, off, base);
    lines.push(l);
    off += l.bytes.length;
  }
  const starts = new Set(lines.map((l) => l.offset));
  const markers = new Set<number>();
  for (const l of lines) {
    const enc = l.invalid ? undefined : matchOpcode(l.bytes[0]!);
    if (enc?.forever && l.fields?.jump !== undefined) {
      const target = l.offset - l.fields.jump;
      if (starts.has(target)) markers.add(target);
    }
  }
  const withMarkers: DisasmLine[] = [];
  for (const l of lines) {
    if (markers.has(l.offset)) {
      withMarkers.push({ offset: l.offset, address: l.address, bytes: new Uint8Array(0), mnemonic: "DMALPFE", text: "DMALPFE", comment: "loop forever (marker, no bytes)" });
    }
    withMarkers.push(l);
  }
  const refused = unrebuildableLoops(withMarkers);
  if (refused.size === 0) return withMarkers;
  const out: DisasmLine[] = [];
  withMarkers.forEach((l, i) => {
    if (!refused.has(i)) out.push(l);
    else if (l.mnemonic !== "DMALPFE") out.push(asBytes(l, l.mnemonic === "DMALP" ? "no DMALPEND in this listing closes it" : "its jump is not to the start of a loop this listing opens"));
  });
  return out;
}

/**
 * Listing lines: `0x00001000: bc 01 f7 c0 3d 00  DMAMOV CCR, 0x003dc0f7 ; SB16 SS64 ...`. The byte column is
 * wide enough for the longest instruction (6 bytes); `.byte` runs longer than that wrap over several lines.
 */
export function formatListing(lines: readonly DisasmLine[]): string[] {
  const width = 6 * 3 - 1;
  return lines.map((l) => {
    const hexBytes = Array.from(l.bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = l.comment ? `${l.text} ; ${l.comment}` : l.text;
    return `${hex(l.address)}: ${hexBytes.padEnd(width)}  ${text}`;
  });
}

/**
 * Parse hex text (what `pl330 asm` prints, or a hexdump): pairs of hex digits separated by spaces, commas or newlines,
 * each optionally prefixed by 0x; `;`, `//` and `#` start comments. A leading "ADDR:" column on a line is skipped.
 * @throws RangeError naming the line of a token that is not a byte.
 */
export function parseHexText(text: string): Uint8Array {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    let line = raw;
    for (const c of [";", "//", "#"]) {
      const at = line.indexOf(c);
      if (at >= 0) line = line.slice(0, at);
    }
    line = line.replace(/^\s*(?:0x)?[0-9a-f]+:\s/i, " ");
    for (const token of line.split(/[\s,]+/).filter((t) => t !== "")) {
      const t = token.replace(/^0x/i, "");
      if (!/^(?:[0-9a-f]{2})+$/i.test(t)) throw new RangeError(`line ${i + 1}: '${token}' is not hex bytes`);
      for (let k = 0; k < t.length; k += 2) out.push(parseInt(t.slice(k, k + 2), 16));
    }
  });
  return Uint8Array.from(out);
}
