// What a write to a mapped register does, worked out before any access: whether the register is read first, which
// of its old bits are kept and which bits are written as given. The one rule for every partial write (a field, a
// VALUE:MASK, both): write-1-to-clear bits outside the target are written as 0 (writing back a 1 that was read would
// clear it), a write-only register is never read (its reads mean nothing; its reset value stands for the rest).
import { fieldMask, withField } from "./fields.ts";
import type { FieldSpec, RegisterAccess, RegisterSpec } from "./register-map.ts";

/** A write as planned: `written = reads ? (old & keep) | set : set`. */
export interface WritePlan {
  readonly register: RegisterSpec;
  /** The register is read once before the write (there are bits to keep). */
  readonly reads: boolean;
  /** Bits of the value read that are written back unchanged (0n when `reads` is false). */
  readonly keep: bigint;
  /** Bits written whatever was read: the target's new bits (and, on a write-only register, its reset value elsewhere). */
  readonly set: bigint;
  /** The register's bits the write targets (the field's, under the mask). */
  readonly target: bigint;
}

/** All `width` bits of a register set. */
export function registerBits(register: RegisterSpec): bigint {
  return (1n << BigInt(register.width)) - 1n;
}

/** The access that governs a field (its own, else its register's). */
export function effectiveAccess(register: RegisterSpec, field?: FieldSpec): RegisterAccess {
  return field?.access ?? register.access;
}

/** The bits of `register` with access `access`: its fields' that have it, and, when the register has it, every bit no field of another access claims. */
export function bitsWithAccess(register: RegisterSpec, access: RegisterAccess): bigint {
  let bits = register.access === access ? registerBits(register) : 0n;
  for (const f of register.fields ?? []) {
    if (effectiveAccess(register, f) === access) bits |= fieldMask(f);
    else bits &= ~fieldMask(f);
  }
  return bits;
}

/**
 * How writing `value` to `register` (or to `field` of it, `value` in field units), under `mask` (in the same units;
 * all the target's bits when absent), is done.
 * @throws InvalidArgumentError when `value` does not fit the field or register
 */
export function planWrite(register: RegisterSpec, field: FieldSpec | undefined, value: bigint, mask?: bigint): WritePlan {
  const all = registerBits(register);
  const unit: FieldSpec = field ?? { name: register.name, lsb: 0, width: register.width };
  const placed = withField(0n, unit, value); // range check, naming the field or register
  const target = (mask === undefined ? fieldMask(unit) : withField(0n, unit, mask & ((1n << BigInt(unit.width)) - 1n))) & all;
  const set = placed & target;
  if (register.access === "WO") return { register, reads: false, keep: 0n, set: ((register.reset ?? 0n) & all & ~target) | set, target };
  const keep = all & ~target & ~bitsWithAccess(register, "W1C");
  return { register, reads: keep !== 0n, keep, set, target };
}

/** The value `plan` writes, given the register's value read before (ignored when the plan reads nothing). */
export function plannedValue(plan: WritePlan, old: bigint | undefined): bigint {
  if (!plan.reads) return plan.set;
  if (old === undefined) throw new Error(`plannedValue: ${plan.register.name} must be read first`);
  return (old & plan.keep) | plan.set;
}

/**
 * What a read right after `plan` wrote `written` can confirm: `bits` to compare and the value `want` they should have.
 * The target's bits, except that a write-1-to-clear bit written as 1 should now read 0 and one written as 0 says
 * nothing (the device sets it when it likes), and write-only bits are left out (reading them means nothing).
 */
export function readbackExpectation(plan: WritePlan, written: bigint): { want: bigint; bits: bigint } {
  const w1c = bitsWithAccess(plan.register, "W1C") & plan.target;
  const cleared = w1c & written;
  const bits = (plan.target & ~w1c & ~bitsWithAccess(plan.register, "WO")) | cleared;
  return { want: written & bits & ~cleared, bits };
}
