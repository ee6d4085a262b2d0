// How a write of some bits of a register reaches the device: a field (or a masked) write is a read-modify-write only
// when it must be, and never reads a register whose read has a side effect (RC: a FIFO pop, a read-to-clear) without
// the caller's consent, nor a write-only one (its read says nothing about what it holds). Both the write itself and a
// dry run follow this one plan, so a dry run shows exactly the accesses the write makes.
import { WriteNeedsReadError } from "./errors.ts";
import { fieldMask } from "./fields.ts";
import type { FieldSpec, RegisterAccess, RegisterSpec } from "./register-map.ts";

/** The accesses of one partial write: written = read ? (old & keep) | set : set. */
export interface WritePlan {
  /** The register is read first (one read); false: one write and no read. */
  readonly read: boolean;
  /** Bits of the value read that are written back unchanged (0n when nothing is read). */
  readonly keep: bigint;
  /** The bits written that do not come from the read: the new bits in place, W1C neighbours as 0. */
  readonly set: bigint;
}

/** The access that governs a field (its own, else its register's). */
export function effectiveAccess(register: RegisterSpec, field?: FieldSpec): RegisterAccess {
  return field?.access ?? register.access;
}

/** True when reading `register` has a side effect: it, or one of its fields, is RC. */
export function readHasSideEffect(register: RegisterSpec): boolean {
  return register.access === "RC" || (register.fields ?? []).some((f) => f.access === "RC");
}

/**
 * The plan for writing `value` (in place) into the bits `bits` of `register`, every other bit kept. No read is made
 * when the bits cover the whole register, or on a W1C register (a 0 written elsewhere clears nothing). Otherwise the
 * register is read once, and the other W1C fields are written as 0 so the write clears nothing it was not asked to.
 * `field` only names the write in a refusal.
 * @throws WriteNeedsReadError when a read is needed but the register is write-only, or its read has a side effect
 *   and `readSideEffects` is not set.
 */
export function planPartialWrite(register: RegisterSpec, bits: bigint, value: bigint, opts: { readSideEffects?: boolean; field?: FieldSpec } = {}): WritePlan {
  const all = (1n << BigInt(register.width)) - 1n;
  const set = value & bits;
  if ((bits & all) === all || register.access === "W1C") return { read: false, keep: 0n, set };
  if (register.access === "WO") throw new WriteNeedsReadError(register.name, "write-only", opts.field?.name);
  if (readHasSideEffect(register) && !opts.readSideEffects) throw new WriteNeedsReadError(register.name, "read-side-effect", opts.field?.name);
  let keep = all & ~bits;
  for (const f of register.fields ?? []) if (effectiveAccess(register, f) === "W1C") keep &= ~fieldMask(f);
  return { read: true, keep, set };
}

/** The value a plan writes, given the register's value read (ignored when the plan reads nothing). */
export function plannedValue(plan: WritePlan, old: bigint): bigint {
  return plan.read ? (old & plan.keep) | plan.set : plan.set;
}
