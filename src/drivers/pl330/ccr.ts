// The channel control register (CCR) as fields and back (pl330-smmu.md §1.6): what a DMAMOV CCR immediate means,
// for the program builder (encode), the disassembler and fault reports (decode), and the assembler's TRM-style
// "SB16 SS64 SAI ..." operand syntax (parse/format).

/** CCR in human units. Burst sizes in bytes per beat, lengths in beats, swap width in bits (8 = no swap). */
export interface CcrFields {
  srcInc: boolean;
  /** Bytes per beat: 1, 2, 4, 8 or 16 (codes 5..7 are reserved and decode as 32, 64, 128). */
  srcBurstSize: number;
  /** Beats per burst, 1..16. */
  srcBurstLen: number;
  /** ARPROT[2:0]: bit 0 privileged, bit 1 Non-secure, bit 2 instruction. */
  srcProt: number;
  /** ARCACHE[2:0]. */
  srcCache: number;
  dstInc: boolean;
  dstBurstSize: number;
  dstBurstLen: number;
  /** AWPROT[2:0]. */
  dstProt: number;
  /** AWCACHE bits 3, 1, 0 as a 3-bit field. */
  dstCache: number;
  /** Endian swap unit in bits: 8 (none), 16, 32, 64 or 128. */
  endianSwap: number;
}

/** Linux-style defaults: incrementing, 1-byte single beats, no protection bits, no cache bits, no swap. */
export const CCR_DEFAULTS: Readonly<CcrFields> = {
  srcInc: true,
  srcBurstSize: 1,
  srcBurstLen: 1,
  srcProt: 0,
  srcCache: 0,
  dstInc: true,
  dstBurstSize: 1,
  dstBurstLen: 1,
  dstProt: 0,
  dstCache: 0,
  endianSwap: 8,
};

/** AxPROT bit 1: Non-secure. Linux sets it in both prot fields when the manager runs Non-secure. */
export const PROT_NONSECURE = 0b010;
export const PROT_PRIVILEGED = 0b001;
export const PROT_INSTRUCTION = 0b100;

function log2Exact(v: number, what: string, max: number): number {
  const n = Math.log2(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${what} ${v} is not one of ${Array.from({ length: max + 1 }, (_, i) => 2 ** i).join(", ")}`);
  return n;
}

function inRange(v: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${what} ${v} is outside ${lo}..${hi}`);
  return v;
}

/**
 * The 32-bit CCR value for `fields` (missing fields take CCR_DEFAULTS).
 * @throws RangeError for a burst size that is not 1/2/4/8/16 bytes, a length outside 1..16, prot/cache outside 0..7,
 *   or a swap width that is not 8/16/32/64/128.
 */
export function encodeCcr(fields: Partial<CcrFields>): number {
  const c = { ...CCR_DEFAULTS, ...fields };
  const swap = log2Exact(c.endianSwap, "endian swap width", 7) - 3;
  if (swap < 0 || swap > 4) throw new RangeError(`endian swap width ${c.endianSwap} is not 8, 16, 32, 64 or 128`);
  const v =
    (c.srcInc ? 1 : 0) |
    (log2Exact(c.srcBurstSize, "source burst size", 4) << 1) |
    ((inRange(c.srcBurstLen, 1, 16, "source burst length") - 1) << 4) |
    (inRange(c.srcProt, 0, 7, "source prot") << 8) |
    (inRange(c.srcCache, 0, 7, "source cache") << 11) |
    ((c.dstInc ? 1 : 0) << 14) |
    (log2Exact(c.dstBurstSize, "destination burst size", 4) << 15) |
    ((inRange(c.dstBurstLen, 1, 16, "destination burst length") - 1) << 18) |
    (inRange(c.dstProt, 0, 7, "destination prot") << 22) |
    (inRange(c.dstCache, 0, 7, "destination cache") << 25) |
    (swap << 28);
  return v >>> 0;
}

/** Split a CCR value into fields. Never throws; reserved codes decode as computed (see ccrProblems). */
export function decodeCcr(ccr: number): CcrFields {
  const v = ccr >>> 0;
  return {
    srcInc: (v & 1) !== 0,
    srcBurstSize: 1 << ((v >>> 1) & 7),
    srcBurstLen: ((v >>> 4) & 0xf) + 1,
    srcProt: (v >>> 8) & 7,
    srcCache: (v >>> 11) & 7,
    dstInc: ((v >>> 14) & 1) !== 0,
    dstBurstSize: 1 << ((v >>> 15) & 7),
    dstBurstLen: ((v >>> 18) & 0xf) + 1,
    dstProt: (v >>> 22) & 7,
    dstCache: (v >>> 25) & 7,
    endianSwap: 8 << ((v >>> 28) & 7),
  };
}

/** What is reserved or suspicious in a CCR value (empty when it is a clean encoding). */
export function ccrProblems(ccr: number): string[] {
  const v = ccr >>> 0;
  const out: string[] = [];
  if (((v >>> 1) & 7) > 4) out.push("source burst size code is reserved (5..7)");
  if (((v >>> 15) & 7) > 4) out.push("destination burst size code is reserved (5..7)");
  if (((v >>> 28) & 7) > 4) out.push("endian swap size code is reserved (5..7)");
  if (v & 0x8000_0000) out.push("bit 31 is reserved");
  return out;
}

/** Bytes one DMALD moves with this CCR (aligned, incrementing): beats x beat size. */
export function srcBurstBytes(c: CcrFields): number {
  return c.srcBurstSize * c.srcBurstLen;
}
/** Bytes one DMAST moves with this CCR. */
export function dstBurstBytes(c: CcrFields): number {
  return c.dstBurstSize * c.dstBurstLen;
}

/**
 * TRM assembler syntax for a CCR: "SB16 SS64 SAI SP0 SC0 DB16 DS64 DAI DP0 DC0 ES8" (burst length in beats, size in
 * bits, I/F = incrementing/fixed, prot, cache, endian swap width in bits).
 */
export function formatCcr(c: CcrFields): string {
  return [
    `SB${c.srcBurstLen}`,
    `SS${c.srcBurstSize * 8}`,
    c.srcInc ? "SAI" : "SAF",
    `SP${c.srcProt}`,
    `SC${c.srcCache}`,
    `DB${c.dstBurstLen}`,
    `DS${c.dstBurstSize * 8}`,
    c.dstInc ? "DAI" : "DAF",
    `DP${c.dstProt}`,
    `DC${c.dstCache}`,
    `ES${c.endianSwap}`,
  ].join(" ");
}

/**
 * Parse the TRM syntax ("SB16 SS64 SAI DB16 DS64 DAI SP2 DP2"; any order, case-insensitive, spaces or commas between).
 * Fields not given take CCR_DEFAULTS.
 * @throws RangeError naming the bad token (unknown key, value out of range, a field given twice).
 */
export function parseCcrText(text: string): CcrFields {
  const out: CcrFields = { ...CCR_DEFAULTS };
  const seen = new Set<string>();
  for (const token of text.trim().split(/[\s,]+/).filter((t) => t !== "")) {
    const m = /^(SB|SS|SA|SP|SC|DB|DS|DA|DP|DC|ES)([0-9]+|[IF])$/i.exec(token);
    if (!m) throw new RangeError(`unknown CCR field '${token}' (expected SB, SS, SA, SP, SC, DB, DS, DA, DP, DC or ES)`);
    const key = m[1]!.toUpperCase();
    const val = m[2]!.toUpperCase();
    if (seen.has(key)) throw new RangeError(`CCR field ${key} given twice`);
    seen.add(key);
    const isFlag = key === "SA" || key === "DA";
    if (isFlag !== (val === "I" || val === "F")) throw new RangeError(`bad CCR field '${token}'`);
    const n = Number(val);
    switch (key) {
      case "SA":
        out.srcInc = val === "I";
        break;
      case "DA":
        out.dstInc = val === "I";
        break;
      case "SB":
        out.srcBurstLen = inRange(n, 1, 16, "SB (source burst length)");
        break;
      case "DB":
        out.dstBurstLen = inRange(n, 1, 16, "DB (destination burst length)");
        break;
      case "SS":
        out.srcBurstSize = 2 ** log2Exact(n, "SS (source beat bits)", 7) / 8;
        if (n < 8 || n > 128) throw new RangeError(`SS${n}: beat size must be 8..128 bits`);
        break;
      case "DS":
        out.dstBurstSize = 2 ** log2Exact(n, "DS (destination beat bits)", 7) / 8;
        if (n < 8 || n > 128) throw new RangeError(`DS${n}: beat size must be 8..128 bits`);
        break;
      case "SP":
        out.srcProt = inRange(n, 0, 7, "SP (source prot)");
        break;
      case "DP":
        out.dstProt = inRange(n, 0, 7, "DP (destination prot)");
        break;
      case "SC":
        out.srcCache = inRange(n, 0, 7, "SC (source cache)");
        break;
      case "DC":
        out.dstCache = inRange(n, 0, 7, "DC (destination cache)");
        break;
      case "ES":
        if (![8, 16, 32, 64, 128].includes(n)) throw new RangeError(`ES${n}: swap width must be 8, 16, 32, 64 or 128 bits`);
        out.endianSwap = n;
        break;
    }
  }
  return out;
}
