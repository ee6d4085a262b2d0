// Which registers a range access (a dump, a fill, a file loaded into a range) must leave alone: a dump must not read a
// register whose read has a side effect (RC: a FIFO pop, a read-to-clear), and a bulk write must not write one whose
// write does more than store a value: read-only (ignored, or another register: the PL011's UARTECR), write-1-to-clear
// bits, write-only (a command, a clear, a doorbell: PL330 DBGCMD, UARTICR), a FIFO/read-to-clear register (UARTDR
// sends what is written; a dump holds 0 for it) or the map's writeEffect (RTCLR loads the clock). Facts only.
import { registersIn } from "./resolve.ts";
import type { RegisterMap, RegisterSpec } from "./register-map.ts";
import { bitsWithAccess, effectiveAccess, readHasSideEffect } from "./write-plan.ts";

/** Why a bulk write leaves a register alone. */
export type WriteHazard = "read-only" | "write-1-to-clear" | "write-only" | "write-side-effect" | "read-clear";

/**
 * Why a bulk write of arbitrary values (a fill, a file, a dump loaded back) must not touch `register`, or undefined
 * when it may (a plain RW register: the value is stored, and a dump of it loads back unchanged). In this order:
 * write-1-to-clear when any bit is W1C; read-only when the register is RO; write-only (WO: its write is a command,
 * a clear or a doorbell, and a read shows nothing to load back); write-side-effect when the map names what a write
 * does (`writeEffect`); read-clear when its read has a side effect (RC: a FIFO's data port, whose write sends, and
 * whose value a dump never has); read-only when every field it declares is RO.
 */
export function bulkWriteHazard(register: RegisterSpec): WriteHazard | undefined {
  if (bitsWithAccess(register, "W1C") !== 0n) return "write-1-to-clear";
  if (register.access === "RO") return "read-only";
  if (register.access === "WO") return "write-only";
  if (register.writeEffect !== undefined) return "write-side-effect";
  if (readHasSideEffect(register)) return "read-clear";
  const fields = register.fields ?? [];
  if (fields.length > 0 && fields.every((f) => effectiveAccess(register, f) === "RO")) return "read-only";
  return undefined;
}

/** A register a range access leaves alone, and the accesses (by index in the range) that touch it. */
export interface RangeHazard {
  readonly register: RegisterSpec;
  readonly reason: WriteHazard | "read-clear";
  /** Indexes (0-based, in units of the access width) of the range's accesses that overlap the register. */
  readonly accesses: readonly number[];
}

/**
 * The registers of `map` that `count` accesses of `width` bytes from `offset` in `region` would touch and must not:
 * for "read", the ones whose read has a side effect; for "write", the ones with a bulkWriteHazard. Sorted by offset.
 */
export function rangeHazards(map: RegisterMap, kind: "read" | "write", region: number, offset: number, width: number, count: number): RangeHazard[] {
  const end = offset + width * count;
  const out: RangeHazard[] = [];
  for (const r of registersIn(map, region, offset, width * count)) {
    const reason = kind === "read" ? (readHasSideEffect(r) ? "read-clear" : undefined) : bulkWriteHazard(r);
    if (reason === undefined) continue;
    const first = Math.floor((Math.max(r.offset, offset) - offset) / width);
    const last = Math.floor((Math.min(r.offset + r.width / 8, end) - offset - 1) / width);
    const accesses: number[] = [];
    for (let i = first; i <= last; i++) accesses.push(i);
    out.push({ register: r, reason, accesses });
  }
  return out;
}
