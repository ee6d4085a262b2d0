// Policy: the assembler accepts exactly what the PL330 ISA encodes and the disassembler shows exactly what the bytes
// say, so text -> bytes -> text -> bytes is the identity for every instruction at its boundary operands, values just
// outside an operand's range are refused naming the instruction, the operand, the value as typed and the range, and
// any bytes disassemble to a listing that assembles back to the same bytes. Ranges below are written from
// pl330-smmu.md §1.5 by hand, not read from isa.ts, so a wrong range in the ISA table fails here.
import { describe, expect, test } from "bun:test";
import { AsmError, assemble, parseAsmNumber } from "../../src/drivers/pl330/assembler.ts";
import { disassemble } from "../../src/drivers/pl330/disassembler.ts";
import { ENCODINGS, encodeFields, matchOpcode } from "../../src/drivers/pl330/isa.ts";

type Slot =
  | { num: string; min: number; max: number; prefix?: string }
  | { words: string[] };

const PERIPH: Slot[] = [{ num: "peripheral", min: 0, max: 31 }];
const U32 = { num: "immediate", min: 0, max: 0xffff_ffff };

/** Every non-loop-end instruction of §1.5 with its operands (DMALPEND forms are covered by the loop cases). */
const SPECS: Record<string, Slot[]> = {
  DMAADDH: [{ words: ["SAR", "DAR"] }, { num: "immediate", min: 0, max: 65535 }],
  DMAADNH: [{ words: ["SAR", "DAR"] }, { num: "immediate", min: -65536, max: -1 }],
  DMAEND: [],
  DMAFLUSHP: PERIPH,
  DMAGO: [{ num: "channel", min: 0, max: 7, prefix: "C" }, U32, { words: ["", "ns"] }],
  DMAKILL: [],
  DMALD: [],
  DMALDS: [],
  DMALDB: [],
  DMALDPS: PERIPH,
  DMALDPB: PERIPH,
  DMALP: [{ words: ["lc0", "lc1"] }, { num: "iteration count", min: 1, max: 256 }],
  DMASTPS: PERIPH,
  DMASTPB: PERIPH,
  DMAMOV: [{ words: ["SAR", "CCR", "DAR"] }, U32],
  DMANOP: [],
  DMARMB: [],
  DMASEV: [{ num: "event", min: 0, max: 31 }],
  DMAST: [],
  DMASTS: [],
  DMASTB: [],
  DMASTZ: [],
  DMAWFE: [{ num: "event", min: 0, max: 31 }, { words: ["", "invalid"] }],
  DMAWFPS: PERIPH,
  DMAWFPB: PERIPH,
  DMAWFPP: PERIPH,
  DMAWMB: [],
};

/** DMALP needs its DMALPEND to assemble. */
const closing = (mnemonic: string) => (mnemonic === "DMALP" ? "\nDMANOP\nDMALPEND" : "");

/** A slot's operand text for value `v` (numbers above 16 bits in hex). */
function renderSlot(slot: Slot, v: string | number): string {
  if ("words" in slot || typeof v === "string") return String(v);
  return `${slot.prefix ?? ""}${v < 0 ? `-${-v}` : v > 0xffff ? `0x${v.toString(16)}` : v}`;
}

/** One statement: `values[k]` for slot k (a number or a word). */
function statement(mnemonic: string, values: (string | number)[]): string {
  const ops = SPECS[mnemonic]!.map((slot, k) => renderSlot(slot, values[k]!)).filter((t) => t !== "");
  return ops.length ? `${mnemonic} ${ops.join(", ")}` : mnemonic;
}

/** Every statement with each operand at its boundaries (min, max, zero when in range; every word), others at min. */
function boundaryStatements(mnemonic: string): { text: string; values: (string | number)[] }[] {
  const slots = SPECS[mnemonic]!;
  const base = slots.map((s) => ("words" in s ? s.words[0]! : s.min));
  const out = [{ text: statement(mnemonic, base), values: base }];
  slots.forEach((slot, k) => {
    const choices = "words" in slot ? slot.words : [slot.min, slot.max, ...(slot.min <= 0 && slot.max >= 0 ? [0] : [])];
    for (const c of choices) {
      const values = base.map((b, j) => (j === k ? c : b));
      out.push({ text: statement(mnemonic, values), values });
    }
  });
  return out;
}

const asmBytes = (text: string) => assemble(text).bytes;
const listingText = (bytes: Uint8Array) => disassemble(bytes).map((l) => l.text).join("\n");

test("the spec table covers every mnemonic of the ISA table", () => {
  const mnemonics = new Set(ENCODINGS.filter((e) => !e.mnemonic.startsWith("DMALPEND")).map((e) => e.mnemonic));
  expect([...mnemonics].sort()).toEqual(Object.keys(SPECS).sort());
});

describe("assemble -> disassemble -> assemble is the identity at every boundary operand", () => {
  for (const mnemonic of Object.keys(SPECS)) {
    test(mnemonic, () => {
      for (const { text, values } of boundaryStatements(mnemonic)) {
        const bytes = asmBytes(text + closing(mnemonic));
        const listing = listingText(bytes);
        expect(asmBytes(listing)).toEqual(bytes);
        expect(listingText(asmBytes(listing))).toBe(listing);
        // The disassembled operands are the values typed (DMAADNH SAR, -1 shows -1, not the raw field).
        const first = disassemble(bytes)[0]!;
        expect(first.mnemonic).toBe(mnemonic);
        const shown = first.text.slice(mnemonic.length).split(",").map((t) => t.trim()).filter((t) => t !== "");
        const typed = values.filter((v) => v !== "");
        expect(shown.length).toBe(typed.length);
        typed.forEach((v, k) => {
          if (typeof v === "string") expect(shown[k]!.toLowerCase()).toBe(v.toLowerCase());
          else expect(parseAsmNumber(shown[k]!.replace(/^C/, ""), true)).toBe(v);
        });
      }
    });
  }

  const loops: [string, string][] = [];
  for (const body of [1, 255]) {
    const nops = "DMANOP\n".repeat(body);
    for (const end of ["DMALPEND", "DMALPENDS", "DMALPENDB"]) {
      for (const lc of ["lc0", "lc1"]) {
        loops.push([`counted ${end} ${lc}, body ${body}`, `DMALP ${lc}, 7\n${nops}${end} ${lc}`]);
        if (end === "DMALPEND" || lc === "lc1") loops.push([`forever ${end} ${lc}, body ${body}`, `DMALPFE\n${nops}${end} ${lc}`]);
      }
    }
  }
  for (const [name, text] of loops) {
    test(`loop end: ${name}`, () => {
      const bytes = asmBytes(text);
      const listing = listingText(bytes);
      expect(listing.split("\n").at(-1)).toBe(text.split("\n").at(-1)!);
      expect(asmBytes(listing)).toEqual(bytes);
    });
  }
});

describe("values one past an operand's range are refused: instruction, operand, value as typed, range", () => {
  for (const [mnemonic, slots] of Object.entries(SPECS)) {
    slots.forEach((slot, k) => {
      if ("words" in slot) return;
      for (const bad of [slot.min - 1, slot.max + 1]) {
        const values = slots.map((s, j) => (j === k ? bad : "words" in s ? s.words[0]! : s.min));
        const text = statement(mnemonic, values);
        test(text, () => {
          let err: unknown;
          try {
            assemble(text + closing(mnemonic));
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(AsmError);
          const e = err as AsmError;
          const typed = renderSlot(slot, bad);
          expect(e.operand).toEqual({ mnemonic, operand: slot.num, typed, min: slot.min, max: slot.max });
          expect(e.line).toBe(1);
          expect(e.message).toContain(`${mnemonic} ${slot.num} ${typed} is outside `);
          expect(e.message).toContain(slot.max > 0xffff ? "(0..4294967295)" : `${slot.min}..${slot.max}`);
        });
      }
    });
  }

  test("DMAADNH SAR, 0 and positive values are refused (they used to encode -65536 and -65535)", () => {
    for (const v of ["0", "1", "-0", "0xffff", "65535"]) {
      expect(() => assemble(`DMAADNH SAR, ${v}`)).toThrow(`DMAADNH immediate ${v} is outside -65536..-1`);
    }
  });

  test("negative values where the field is unsigned are out of range, not 'not a number'", () => {
    expect(() => assemble("DMAADDH DAR, -1")).toThrow("DMAADDH immediate -1 is outside 0..65535");
    expect(() => assemble("DMAMOV SAR, -4096")).toThrow("DMAMOV immediate -4096 is outside 0..0xffffffff");
  });

  test("huge values are echoed as typed, not rounded", () => {
    expect(() => assemble("DMAMOV DAR, 99999999999999999999")).toThrow("DMAMOV immediate 99999999999999999999 is outside");
    expect(() => assemble("DMASEV 0xffffffffffffffff")).toThrow("DMASEV event 0xffffffffffffffff is outside 0..31");
  });

  test("loop counters other than lc0 and lc1 are refused by DMALP and DMALPEND", () => {
    expect(() => assemble("DMALP lc2, 4\nDMANOP\nDMALPEND")).toThrow("DMALP loop counter 'lc2' is not lc0 or lc1");
    expect(() => assemble("DMALP 4\nDMANOP\nDMALPEND lc7")).toThrow("DMALPEND loop counter 'lc7' is not lc0 or lc1");
  });
});

describe("disassemble -> assemble gives the same bytes", () => {
  /** Operand-byte patterns tried for every opcode. */
  const PATTERNS = [0x00, 0xff, 0x01, 0x08, 0xf8, 0x55, 0xaa, 0x02];

  /** `b0` with every operand byte `p`; a loop end gets the loop it closes around a body of `p` NOPs, a DMALP its end. */
  function instance(b0: number, p: number): Uint8Array {
    const enc = matchOpcode(b0)!;
    const insn = [b0, ...new Array<number>(enc.length - 1).fill(p)];
    if (enc.mnemonic === "DMALP") return Uint8Array.from([...insn, 0x18, 0x38 | (((b0 >> 1) & 1) << 2), 0x01]);
    if (!enc.mnemonic.startsWith("DMALPEND")) return Uint8Array.from(insn);
    const body = new Array<number>(p).fill(0x18);
    const open = enc.forever ? [] : [0x20 | (((b0 >> 2) & 1) << 1), 0x03];
    return Uint8Array.from([...open, ...body, ...insn]);
  }

  test("every opcode byte that decodes, with boundary and mixed operand bytes", () => {
    let decoded = 0;
    for (let b0 = 0; b0 < 256; b0++) {
      const enc = matchOpcode(b0);
      if (!enc) continue;
      decoded++;
      let seenAsItself = false;
      for (const p of PATTERNS) {
        const bytes = instance(b0, p);
        const lines = disassemble(bytes);
        expect(assemble(lines.map((l) => l.text).join("\n")).bytes).toEqual(bytes);
        if (lines.some((l) => l.mnemonic === enc.mnemonic && l.bytes[0] === b0)) seenAsItself = true;
      }
      expect(`${b0.toString(16)} ${enc.mnemonic}: ${seenAsItself}`).toBe(`${b0.toString(16)} ${enc.mnemonic}: true`);
    }
    // 41 byte0 values by hand from §1.5: ADDH/ADNH/GO/LP/LDP/STP 2 each, LD/ST/WFP 3 each, counted LPEND 6, forever
    // LPEND 4 (0x28 0x2c 0x2d 0x2f), END KILL FLUSHP MOV NOP RMB WMB SEV STZ WFE 1 each.
    expect(decoded).toBe(41);
  });

  test("loop ends the assembler could not rebuild are listed as bytes, with the instruction in the comment", () => {
    // DMALPEND lc0 jumping back 1 into a two-NOP body (the assembler would jump back 2), a jump of 0, and a lone DMALP.
    for (const bytes of [[0x20, 0x03, 0x18, 0x18, 0x38, 0x01], [0x20, 0x03, 0x38, 0x00], [0x22, 0x05, 0x18]]) {
      const lines = disassemble(Uint8Array.from(bytes));
      expect(assemble(lines.map((l) => l.text).join("\n")).bytes).toEqual(Uint8Array.from(bytes));
      expect(lines.some((l) => l.mnemonic === ".byte" && /^DMALP(END)? lc[01]/.test(l.comment ?? ""))).toBe(true);
    }
  });

  test("random buffers (seeded) always list as text that assembles back to the same bytes", () => {
    let seed = 0x2c0a0000;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 8;
    };
    const opcodes = ENCODINGS.map((e) => e.opcode);
    for (let n = 0; n < 3000; n++) {
      const len = 1 + (rand() % 48);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        const r = rand();
        // Mostly valid opcodes (with random low bits) and small jumps, so loops and nesting really occur.
        bytes[i] = r % 4 === 0 ? rand() & 0xff : r % 4 === 1 ? rand() % 8 : opcodes[rand() % opcodes.length]! | (rand() & 0x6);
      }
      const text = disassemble(bytes).map((l) => l.text).join("\n");
      let again: Uint8Array;
      try {
        again = assemble(text).bytes;
      } catch (e) {
        throw new Error(`bytes ${Array.from(bytes, (b) => b.toString(16)).join(" ")} listed as text the assembler refused: ${(e as Error).message}`);
      }
      expect(again).toEqual(bytes);
    }
  });
});

describe("encodeFields refuses a raw field value its bits cannot hold (no silent truncation)", () => {
  test("every field of every encoding: its max fits, max + 1, -1 and a fraction are refused naming the instruction", () => {
    for (const enc of ENCODINGS) {
      for (const fd of enc.fields) {
        const max = 2 ** fd.bits - 1;
        expect(encodeFields(enc, { [fd.kind]: max }).length).toBe(enc.length);
        for (const bad of [max + 1, -1, 0.5]) {
          expect(() => encodeFields(enc, { [fd.kind]: bad })).toThrow(new RegExp(`^${enc.mnemonic} ${fd.kind} field ${bad} does not fit`));
        }
      }
    }
  });
});
