// A PL330 assembler: program text with the TRM's mnemonics to microcode bytes. Loops are written the way the TRM
// writes them (DMALP lc0, 16 ... DMALPEND lc0; DMALPFE ... DMALPEND) and the assembler computes DMALPEND's backward
// jump; labels work as loop targets and as 32-bit immediates (address = base + offset). Errors name the line.
import { parseCcrText, encodeCcr } from "./ccr.ts";
import {
  ENCODINGS,
  MAX_JUMP,
  OPERAND_NAMES,
  encodeFields,
  encodingsOf,
  formatRange,
  operandRange,
  type Encoding,
  type Field,
  type FieldKind,
} from "./isa.ts";
import { isReservedAsmName, parseAsmNumber, parseSymbolRef, stripComment } from "./asm-tokens.ts";

export { isReservedAsmName, parseAsmNumber } from "./asm-tokens.ts";

/** The facts of an operand the ISA cannot encode: which instruction and operand, the token as typed, the valid range. */
export interface AsmOperandFacts {
  mnemonic: string;
  operand: string;
  typed: string;
  min: number;
  max: number;
}

/** An error in the program text; `line` is 1-based. `operand` is set when a value is outside what the ISA encodes. */
export class AsmError extends Error {
  override readonly name = "AsmError";
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly source?: string,
    readonly operand?: AsmOperandFacts,
  ) {
    super(`line ${line}: ${detail}${source !== undefined ? ` (in '${source.trim()}')` : ""}`);
  }
}

export interface AsmOptions {
  /** Bus address of the first byte (what labels used as immediates resolve against). Default 0. */
  base?: number;
  /**
   * Named addresses a program may use wherever a 32-bit immediate goes (`DMAMOV SAR, src+0x100`): the device addresses
   * of the buffers it works on. A name may not also be a label. Values must lie in 0..0xFFFFFFFF.
   */
  symbols?: Readonly<Record<string, number | bigint>>;
}

/** One emitted instruction (or .byte run), for listings. */
export interface AsmInstruction {
  offset: number;
  bytes: Uint8Array;
  /** 1-based source line. */
  line: number;
  /** The source statement without comment and labels. */
  source: string;
}

export interface AsmResult {
  bytes: Uint8Array;
  instructions: AsmInstruction[];
  /** Label -> offset from the start of the program. */
  labels: Map<string, number>;
  /** Things that assemble but will not run as a channel program expects (manager-only instructions). */
  warnings: string[];
}

interface Statement {
  line: number;
  source: string;
  mnemonic: string;
  operands: string[];
  offset: number;
  length: number;
}

interface OpenLoop {
  forever: boolean;
  lc: number | undefined;
  /** Offset of the first body instruction (the jump target). */
  target: number;
  line: number;
}

const LABEL = /^([A-Za-z_.$][\w.$]*)\s*:/;
const NAME = /^[A-Za-z_.$][\w.$]*$/;

/** Mnemonics the assembler accepts beyond the table: pseudo-instructions and TRM spellings with an operand. */
const PSEUDO = new Set(["DMALPFE", ".BYTE", "DMAWFP"]);

function lengthOf(mnemonic: string, operands: string[], line: number, source: string): number {
  if (mnemonic === "DMALPFE") return 0;
  if (mnemonic === ".BYTE") {
    if (operands.length === 0) throw new AsmError(line, ".byte needs at least one value", source);
    return operands.length;
  }
  if (mnemonic === "DMAWFP") return 2;
  const encs = encodingsOf(mnemonic);
  if (encs.length === 0) throw new AsmError(line, `unknown mnemonic '${mnemonic}'`, source);
  return encs[0]!.length;
}

/**
 * Assemble a program.
 * Syntax, one statement per line: `[label:] MNEMONIC operand, operand ; comment` (also `//` comments). Operands:
 *  - DMAMOV SAR|DAR, imm32|label; DMAMOV CCR, imm32 or TRM fields (SB16 SS64 SAI SP2 DB16 DS64 DAI DP2 ...);
 *  - DMAADDH SAR|DAR, 0..65535; DMAADNH SAR|DAR, -65536..-1 (the value added; 0 and positive values are refused,
 *    since the DMAC adds 0xFFFF0000 | field and no field adds them);
 *  - DMALP [lc0|lc1,] 1..256 (default lc0); DMALPFE (marker, no bytes); DMALPEND[S|B] [lc0|lc1] [label] closes the
 *    innermost open loop and jumps back to its first body instruction (or to `label`);
 *  - DMASEV / DMAWFE ev [, invalid]; DMAWFPS|B|P p or DMAWFP p, single|burst|periph; DMALDPS|B, DMASTPS|B,
 *    DMAFLUSHP p; DMAGO [c]0..7, imm32|label [, ns]; the rest take no operands; `.byte v, v, ...` emits raw bytes.
 * Immediates may name a label or an address from `opts.symbols`, with a byte offset: `src`, `dst+0x800`, `loop-2`.
 * @throws RangeError for a symbol that is not a name or whose value does not fit 32 bits;
 *   AsmError naming the 1-based line for unknown mnemonics, bad or missing operands, values out of range (with
 *   `operand` set: the instruction, the operand, the token as typed and the range the ISA encodes),
 *   jumps over 255 bytes, unbalanced loops, a counter reused by a nested loop, and a conditional DMALPFE loop on lc0
 *   (0x29/0x2B decode as DMASTPS/DMASTPB).
 */
export function assemble(text: string, opts: AsmOptions = {}): AsmResult {
  const base = opts.base ?? 0;
  const symbols = new Map(Object.entries(opts.symbols ?? {}).map(([k, v]) => [k, Number(v)]));
  for (const [name, v] of symbols) {
    if (!NAME.test(name) || isReservedAsmName(name)) throw new RangeError(`'${name}' cannot name an address (a name is a letter, _ . or $, then letters, digits, _ . $)`);
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`address '${name}' = ${v} does not fit 32 bits`);
  }
  const statements: Statement[] = [];
  const labels = new Map<string, number>();
  const labelLine = new Map<string, number>();
  let offset = 0;

  // Pass 1: statements, labels and lengths (every length is known from the mnemonic alone).
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    let rest = stripComment(raw).trim();
    let m: RegExpExecArray | null;
    while ((m = LABEL.exec(rest))) {
      const name = m[1]!;
      if (labels.has(name)) throw new AsmError(line, `label '${name}' already defined on line ${labelLine.get(name)}`, raw);
      if (symbols.has(name)) throw new AsmError(line, `label '${name}' is also the name of an address given to the assembler`, raw);
      if (isReservedAsmName(name)) throw new AsmError(line, `'${name}' is reserved and cannot be a label`, raw);
      labels.set(name, offset);
      labelLine.set(name, line);
      rest = rest.slice(m[0].length).trim();
    }
    if (rest === "") return;
    const sp = /^(\S+)\s*(.*)$/.exec(rest)!;
    const mnemonic = sp[1]!.toUpperCase();
    const operandText = sp[2]!.trim();
    const operands = operandText === "" ? [] : operandText.split(/[\s,]+/).filter((t) => t !== "");
    const length = lengthOf(mnemonic, operands, line, raw);
    statements.push({ line, source: rest, mnemonic, operands, offset, length });
    offset += length;
  });

  // Pass 2: encode, with the loop stack giving DMALPEND its jump.
  const out = new Uint8Array(offset);
  const instructions: AsmInstruction[] = [];
  const warnings: string[] = [];
  const loops: OpenLoop[] = [];
  for (const st of statements) {
    const fail = (detail: string, operand?: AsmOperandFacts): never => {
      throw new AsmError(st.line, detail, st.source, operand);
    };
    let bytes: Uint8Array;
    if (st.mnemonic === "DMALPFE") {
      if (st.operands.length) fail("DMALPFE takes no operands (the counter, if any, goes on its DMALPEND)");
      loops.push({ forever: true, lc: undefined, target: st.offset, line: st.line });
      continue;
    } else if (st.mnemonic === ".BYTE") {
      bytes = Uint8Array.from(
        st.operands.map((t) => {
          const v = parseAsmNumber(t, true);
          if (v === undefined) fail(`.byte value '${t}' is not a number in 0..255`);
          if (v! < 0 || v! > 0xff || Object.is(v, -0)) {
            throw new AsmError(st.line, `.byte value ${t} is outside 0..255`, st.source, { mnemonic: ".byte", operand: "value", typed: t, min: 0, max: 0xff });
          }
          return v!;
        }),
      );
    } else {
      bytes = encodeStatement(st, { base, labels, symbols, loops, fail });
      const enc = encodingsOf(st.mnemonic === "DMAWFP" ? "DMAWFPS" : st.mnemonic)[0]!;
      if (enc.thread === "M") warnings.push(`line ${st.line}: ${enc.mnemonic} is a manager instruction; a channel thread executing it faults (undef_instr)`);
    }
    out.set(bytes, st.offset);
    instructions.push({ offset: st.offset, bytes, line: st.line, source: st.source });
  }
  if (loops.length) {
    const l = loops[loops.length - 1]!;
    throw new AsmError(l.line, `${l.forever ? "DMALPFE" : "DMALP"} loop is never closed with DMALPEND`);
  }
  return { bytes: out, instructions, labels, warnings };
}

interface EncodeEnv {
  base: number;
  labels: Map<string, number>;
  symbols: Map<string, number>;
  loops: OpenLoop[];
  fail: (detail: string, operand?: AsmOperandFacts) => never;
}

/** `lc0` / `lc1` -> 0 / 1; undefined when the token is not a loop counter at all; fails on `lc2` and the like. */
function loopCounter(token: string, mnemonic: string, fail: EncodeEnv["fail"]): number | undefined {
  if (!/^lc[0-9]+$/i.test(token)) return undefined;
  if (!/^lc[01]$/i.test(token)) fail(`${mnemonic} loop counter '${token}' is not lc0 or lc1`);
  return Number(token.slice(2));
}

function encodeStatement(st: Statement, env: EncodeEnv): Uint8Array {
  const fail = env.fail;
  let mnemonic = st.mnemonic;
  let ops = [...st.operands];
  // TRM spelling "DMAWFP p, single|burst|periph".
  if (mnemonic === "DMAWFP") {
    if (ops.length !== 2) fail("DMAWFP needs a peripheral and single, burst or periph");
    const kind = { single: "S", burst: "B", periph: "P" }[ops[1]!.toLowerCase()];
    if (!kind) fail(`DMAWFP type '${ops[1]}' is not single, burst or periph`);
    mnemonic = `DMAWFP${kind}`;
    ops = [ops[0]!];
  }
  if (mnemonic.startsWith("DMALPEND")) return encodeLoopEnd(st, mnemonic, ops, env);

  const enc = encodingsOf(mnemonic)[0]!;
  const values: Partial<Record<FieldKind, number>> = {};
  let i = 0;
  const next = (what: string): string => {
    const t = ops[i++];
    if (t === undefined) fail(`${mnemonic} is missing its ${what}`);
    return t!;
  };
  // A number the field can hold, in assembly form (DMALP's count, DMAADNH's negative value); anything else is refused
  // with the instruction, the operand, the token as typed and the range (never wrapped into the field's bits).
  const ranged = (fd: Field, token = next(OPERAND_NAMES[fd.kind]), typed = token): number => {
    const range = operandRange(fd);
    const facts = { mnemonic, operand: OPERAND_NAMES[fd.kind], typed, ...range };
    const v = parseAsmNumber(token, true);
    if (v === undefined) fail(`${mnemonic} ${facts.operand} '${typed}' is not a number in ${formatRange(range)}`, facts);
    if (v! < range.min || v! > range.max || (Object.is(v, -0) && range.max < 0)) {
      const why = fd.kind === "neg-imm16" ? " (DMAADNH adds a negative value; DMAADDH adds 0..65535)" : "";
      fail(`${mnemonic} ${facts.operand} ${typed} is outside ${formatRange(range)}${why}`, facts);
    }
    return v!;
  };
  const numberOrLabel = (fd: Field): number => {
    const token = next(OPERAND_NAMES[fd.kind]);
    const ref = parseAsmNumber(token, true) === undefined ? parseSymbolRef(token) : undefined;
    if (ref) {
      const at = env.labels.get(ref.name);
      const value = at !== undefined ? env.base + at : env.symbols.get(ref.name);
      if (value === undefined) fail(`unknown label '${ref.name}'${env.symbols.size ? ` (nor an address: ${[...env.symbols.keys()].join(", ")})` : ""}`);
      const v = value! + ref.addend;
      if (v < 0 || v > 0xffff_ffff) fail(`${token} = ${v < 0 ? "-" : ""}0x${Math.abs(v).toString(16)} is outside the 32-bit address space`);
      return v >>> 0;
    }
    return ranged(fd, token);
  };

  for (const fd of enc.fields) {
    switch (fd.kind) {
      case "addr-reg": {
        const r = next("register (SAR or DAR)").toUpperCase();
        if (r !== "SAR" && r !== "DAR") fail(`${mnemonic} register '${r}' is not SAR or DAR`);
        values[fd.kind] = r === "SAR" ? 0 : 1;
        break;
      }
      case "mov-reg": {
        const r = next("register (SAR, CCR or DAR)").toUpperCase();
        const code = { SAR: 0, CCR: 1, DAR: 2 }[r];
        if (code === undefined) fail(`DMAMOV register '${r}' is not SAR, CCR or DAR`);
        values[fd.kind] = code;
        break;
      }
      case "imm32": {
        // DMAMOV CCR takes either a number or the TRM field list.
        if (values["mov-reg"] === 1 && ops.length - i >= 1 && !(ops.length - i === 1 && parseAsmNumber(ops[i]!) !== undefined)) {
          try {
            values[fd.kind] = encodeCcr(parseCcrText(ops.slice(i).join(" ")));
          } catch (e) {
            fail((e as Error).message);
          }
          i = ops.length;
        } else {
          values[fd.kind] = numberOrLabel(fd);
        }
        break;
      }
      case "imm16":
        values[fd.kind] = ranged(fd);
        break;
      case "neg-imm16":
        values[fd.kind] = ranged(fd) & 0xffff;
        break;
      case "lc": {
        const t = ops[i];
        const lc = t === undefined ? undefined : loopCounter(t, mnemonic, fail);
        if (lc !== undefined) i++;
        values[fd.kind] = lc ?? 0;
        break;
      }
      case "iterations":
        values[fd.kind] = ranged(fd) - 1;
        break;
      case "event":
      case "periph":
        values[fd.kind] = ranged(fd);
        break;
      case "channel": {
        const token = next("channel");
        const m = /^c?(.*)$/i.exec(token)!;
        values[fd.kind] = ranged(fd, m[1]!, token);
        break;
      }
      case "ns": {
        const t = ops[i];
        if (t !== undefined && t.toLowerCase() === "ns") {
          values[fd.kind] = 1;
          i++;
        }
        break;
      }
      case "invalidate": {
        const t = ops[i];
        if (t !== undefined && /^(invalid|i)$/i.test(t)) {
          values[fd.kind] = 1;
          i++;
        }
        break;
      }
      case "jump":
        break; // only DMALPEND has one (handled above)
    }
  }
  if (i < ops.length) fail(`unexpected operand '${ops[i]}' for ${mnemonic}`);

  if (mnemonic === "DMALP") {
    const lc = values.lc ?? 0;
    const clash = env.loops.find((l) => !l.forever && l.lc === lc);
    if (clash) fail(`lc${lc} is already counting the loop opened on line ${clash.line}; nest with the other counter`);
    env.loops.push({ forever: false, lc, target: st.offset + st.length, line: st.line });
  }
  return encodeFields(enc, values);
}

function encodeLoopEnd(st: Statement, mnemonic: string, ops: string[], env: EncodeEnv): Uint8Array {
  const fail = env.fail;
  const cond = mnemonic.slice("DMALPEND".length);
  if (cond !== "" && cond !== "S" && cond !== "B") fail(`unknown mnemonic '${mnemonic}'`);
  let lc: number | undefined;
  let label: string | undefined;
  for (const t of ops) {
    const counter = loopCounter(t, mnemonic, fail);
    if (counter !== undefined) {
      if (lc !== undefined) fail("loop counter given twice");
      lc = counter;
    } else if (NAME.test(t) && label === undefined) label = t;
    else fail(`unexpected operand '${t}' for ${mnemonic}`);
  }
  const open = env.loops.pop();
  if (!open && label === undefined) fail(`${mnemonic} without an open DMALP or DMALPFE loop`);
  let target = open?.target ?? 0;
  if (label !== undefined) {
    const at = env.labels.get(label);
    if (at === undefined) fail(`unknown label '${label}'`);
    target = at!;
  }
  const forever = open?.forever ?? false;
  if (open && !open.forever && lc !== undefined && lc !== open.lc) {
    fail(`DMALPEND lc${lc} closes the loop opened with lc${open.lc} on line ${open.line}`);
  }
  let counter = forever ? (lc ?? (cond === "" ? 0 : 1)) : (open?.lc ?? lc ?? 0);
  if (forever && cond !== "" && counter === 0) {
    fail(`${mnemonic} lc0 ending a DMALPFE loop encodes as 0x${cond === "S" ? "29" : "2b"}, which the DMAC decodes as DMASTP${cond}; use lc1`);
  }
  const jump = st.offset - target;
  if (jump <= 0) fail(`loop target must lie before the DMALPEND (backward jump ${jump})`);
  if (jump > MAX_JUMP) fail(`loop body is ${jump} bytes; DMALPEND can jump back at most ${MAX_JUMP}`);
  const enc = ENCODINGS.find((e) => e.mnemonic === mnemonic && (e.forever ?? false) === forever) as Encoding;
  counter ??= 0;
  return encodeFields(enc, { lc: counter, jump });
}

/** Hex text of bytes: "bc 01 f7 c0", `perLine` bytes per line. */
export function formatHexBytes(bytes: Uint8Array, perLine = 16): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += perLine) {
    lines.push(Array.from(bytes.subarray(i, i + perLine), (b) => b.toString(16).padStart(2, "0")).join(" "));
  }
  return lines.join("\n");
}
