// The library's by-name accessor over an open device: read and write registers and fields by the names a register map
// gives them. A field write is a read-modify-write of its register; writes to read-only registers or fields are
// refused unless forced. Values are bigints (a 64-bit register loses nothing); accesses go through Region with the
// register's own width, so what reaches the device is exactly one access of that width.
import type { Region } from "../vfio/region.ts";
import { decodeValue, type DecodedField } from "./decode.ts";
import { ReadOnlyRegisterError } from "./errors.ts";
import { fieldValue, withField } from "./fields.ts";
import type { FieldSpec, RegisterMap, RegisterSpec } from "./register-map.ts";
import { resolveName, type ResolvedName } from "./resolve.ts";
import { effectiveAccess, planWrite, plannedValue } from "./write-plan.ts";

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
   * Write `value` to register `name`, or to field "REG.FIELD" (value in field units), under `mask` when given (in the
   * same units: only those bits change). A partial write is a read-modify-write planned by planWrite: on a register
   * with write-1-to-clear bits, the W1C bits outside the target are written as 0 so the write clears nothing it was
   * not asked to (a wholly W1C register is not read at all); a write-only register is never read, its reset value (or
   * 0) standing for the bits outside the target.
   * @returns the register value written, and the value read first when the plan read one
   * @throws ReadOnlyRegisterError when the register or field is RO and `force` is not set; UnknownRegisterError;
   *   InvalidArgumentError when `value` does not fit.
   */
  write(name: string, value: bigint, opts: { force?: boolean; mask?: bigint } = {}): { written: bigint; previous?: bigint } {
    const { register, field } = this.resolve(name);
    return this.writeResolved(register, field, value, opts);
  }

  /** write() for a register (and field) already resolved, e.g. the register an offset hits. Same rules and throws. */
  writeResolved(register: RegisterSpec, field: FieldSpec | undefined, value: bigint, opts: { force?: boolean; mask?: bigint } = {}): { written: bigint; previous?: bigint } {
    const access = effectiveAccess(register, field);
    if (access === "RO" && !opts.force) throw new ReadOnlyRegisterError(register.name, access, field?.name);
    const plan = planWrite(register, field, value, opts.mask); // range checks before any access
    const previous = plan.reads ? this.readRegister(register) : undefined;
    const written = plannedValue(plan, previous);
    this.writeRegister(register, written);
    return previous === undefined ? { written } : { written, previous };
  }
}
