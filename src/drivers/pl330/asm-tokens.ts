// The assembler's tokens: comments and numbers, written strictly (no octal guesses, no trailing junk) so that what the
// disassembler prints reads back as the same value.

/**
 * Words the assembler reads as registers (SAR, DAR, CCR) or loop counters (lc0, lc1), in any case: they cannot be
 * labels nor names of addresses given to it. The one list: whoever names addresses for a program asks here.
 */
export function isReservedAsmName(name: string): boolean {
  return /^(sar|dar|ccr|lc0|lc1)$/i.test(name);
}

/** Strip a `;` or `//` comment. */
export function stripComment(line: string): string {
  const semi = line.indexOf(";");
  const slashes = line.indexOf("//");
  const cut = [semi, slashes].filter((i) => i >= 0);
  return cut.length ? line.slice(0, Math.min(...cut)) : line;
}

/**
 * A strict integer: 0x.. hex, 0b.. binary, or decimal (no leading zeros), `_` between digits, optional leading `-`
 * only when `allowNegative`. Returns undefined when the token is not a number at all.
 */
export function parseAsmNumber(token: string, allowNegative = false): number | undefined {
  let t = token;
  let sign = 1;
  if (allowNegative && t.startsWith("-")) {
    sign = -1;
    t = t.slice(1);
  }
  let m: RegExpExecArray | null;
  let v: number;
  if ((m = /^0x([0-9a-f]+(?:_[0-9a-f]+)*)$/i.exec(t))) v = parseInt(m[1]!.replaceAll("_", ""), 16);
  else if ((m = /^0b([01]+(?:_[01]+)*)$/i.exec(t))) v = parseInt(m[1]!.replaceAll("_", ""), 2);
  else if (/^(?:0|[1-9][0-9]*(?:_[0-9]+)*)$/.test(t)) v = Number(t.replaceAll("_", ""));
  else return undefined;
  return sign * v;
}

/** A reference to a label or a named address, with an optional byte offset: `dst`, `src+0x100`, `table-4`. */
export interface SymbolRef {
  name: string;
  addend: number;
}

const SYMBOL_REF = /^([A-Za-z_.$][\w.$]*)(?:([+-])(.+))?$/;

/** `name`, `name+N` or `name-N` (N a strict number, no spaces); undefined when the token is not of that form. */
export function parseSymbolRef(token: string): SymbolRef | undefined {
  const m = SYMBOL_REF.exec(token);
  if (!m) return undefined;
  if (m[2] === undefined) return { name: m[1]!, addend: 0 };
  const n = parseAsmNumber(m[3]!);
  if (n === undefined) return undefined;
  return { name: m[1]!, addend: m[2] === "-" ? -n : n };
}
