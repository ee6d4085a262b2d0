// The library's by-name accessor over an open device: read and write registers and fields by the names a register map
// gives them. A field write is a read-modify-write of its register; writes to read-only registers or fields are
// refused unless forced. Values are bigints (a 64-bit register loses nothing); accesses go through Region with the
// register's own width, so what reaches the device is exactly one access of that width.
import type { Region } from "../vfio/region.ts";
import { decodeValue, type DecodedField } from "./decode.ts";
import { ReadOnlyRegisterError } from "./errors.ts";
import { fieldMask, fieldValue, withField } from "./fields.ts";
import type { RegisterMap, RegisterSpec } from "./register-map.ts";
import { resolveName, type ResolvedName } from "./resolve.ts";
import { effectiveAccess, planPartialWrite, plannedValue, type WritePlan } from "./write-plan.ts";

/** What NamedRegisters needs of a device: its regions by index (a Device has this). */
export interface RegionSource {
  region(index: number): Region;
}

export { effectiveAccess };

/** Registers of one device by name. */
export class NamedRegisters {
  constructor(
    private readonly device: RegionSource,
    readonly map: RegisterMap,
  ) {}

  /** The register (and field) `name` names. @throws UnknownRegisterError */
  resolve(name: string): ResolvedName {
    return resolveName(this.map, name);
  }

  /**
   * The value of register `name`, or of field "REG.FIELD" shifted down to bit 0. A read-to-clear (RC) register is read
   * as asked: asking by name is the caller's consent to the side effect.
   * @throws UnknownRegisterError; RegionAccessError / VfioError from the region access.
   */
  read(name: string): bigint {
    const { register, field } = this.resolve(name);
    const value = this.readRegister(register);
    return field ? fieldValue(value, field) : value;
  }

  /**
   * Register `name` read once and decoded field by field (its fields' values and meanings, set reserved bits). For a
   * field name, the register is read and only that field decoded.
   * @throws UnknownRegisterError; RegionAccessError / VfioError from the region access.
   */
  decode(name: string): { register: RegisterSpec; value: bigint; fields: DecodedField[] } {
    const { register, field } = this.resolve(name);
    const value = this.readRegister(register);
    const fields = decodeValue(register, value).filter((d) => !field || d.field === field);
    return { register, value, fields };
  }

  /** One access of `register`'s width at its offset, as a bigint. */
  readRegister(register: RegisterSpec): bigint {
    const region = this.device.region(register.region);
    return register.width === 64 ? region.read(register.offset, 64) : BigInt(region.read(register.offset, register.width));
  }

  /** One write of `register`'s width at its offset. @throws InvalidArgumentError when `value` does not fit the width. */
  writeRegister(register: RegisterSpec, value: bigint): void {
    const whole = { name: register.name, lsb: 0, width: register.width };
    withField(0n, whole, value); // range check, with the register's name in the refusal
    const region = this.device.region(register.region);
    if (register.width === 64) region.write(register.offset, 64, value);
    else region.write(register.offset, register.width, Number(value));
  }

  /**
   * Write `value` to register `name`, or to field "REG.FIELD" (optionally only the field bits in `mask`, in field
   * units). A field write replaces the field's bits and keeps the rest of the register (planPartialWrite): it reads the
   * register once unless the field covers it whole or the register is W1C; other W1C fields are written as 0 so the
   * write clears nothing it was not asked to, and a W1C field written alone clears the bits written as 1.
   * @returns the value written to the register and the value read first (when a read was made)
   * @throws ReadOnlyRegisterError when the register or field is RO and `force` is not set; WriteNeedsReadError when
   *   the field write needs a read of a write-only register, or of an RC one without `readSideEffects`;
   *   UnknownRegisterError; InvalidArgumentError when `value` does not fit.
   */
  write(name: string, value: bigint, opts: { force?: boolean; readSideEffects?: boolean; mask?: bigint } = {}): { written: bigint; previous?: bigint } {
    const { register, field } = this.resolve(name);
    const access = effectiveAccess(register, field);
    if (access === "RO" && !opts.force) throw new ReadOnlyRegisterError(register.name, access, field?.name);
    if (!field && opts.mask === undefined) {
      this.writeRegister(register, value);
      return { written: value };
    }
    const f = field ?? { name: register.name, lsb: 0, width: register.width };
    withField(0n, f, value); // range checks before any access
    const mask = opts.mask ?? fieldMaskAtZero(f);
    withField(0n, f, mask);
    const plan = this.plan(name, mask, value, opts);
    const previous = plan.read ? this.readRegister(register) : undefined;
    const written = plannedValue(plan, previous ?? 0n);
    this.writeRegister(register, written);
    return previous === undefined ? { written } : { written, previous };
  }

  /**
   * The accesses `write(name, value, { mask })` would make, without making them (a dry run shows these).
   * @throws as write, before any access
   */
  plan(name: string, mask: bigint | undefined, value: bigint, opts: { readSideEffects?: boolean } = {}): WritePlan {
    const { register, field } = this.resolve(name);
    const lsb = BigInt(field?.lsb ?? 0);
    const bits = (mask ?? (field ? fieldMaskAtZero(field) : (1n << BigInt(register.width)) - 1n)) << lsb;
    return planPartialWrite(register, bits, value << lsb, { readSideEffects: opts.readSideEffects === true, ...(field ? { field } : {}) });
  }
}

/** The mask of `field`'s bits, shifted down to bit 0. */
function fieldMaskAtZero(field: { lsb: number; width: number }): bigint {
  return fieldMask({ name: "", lsb: 0, width: field.width });
}
