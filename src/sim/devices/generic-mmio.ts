// The generic MMIO model: what the simulator gives a device it has no model for, so list, bind, info, read, write and
// irq work on every device of a board. Its registers are memory: they hold what is written, at every access width,
// and read zero after reset unless the board gives reset values. A board may give registers access rules (read-only,
// write-1-to-clear, ...). It never drives an interrupt: only VFIO's loopback trigger fires one.
import type { AccessWidth, DeviceContext, DeviceModel } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import { ModelOptionError } from "./model-option-error.ts";
import { savedObject } from "./saved-state.ts";

const MODEL = "generic-mmio";

/**
 * What a register does with accesses. Every rule acts byte by byte, so any access width reaching any part of a
 * register behaves the same way a byte-wide access to each of its bytes would:
 * - "rw": holds what is written (the default, and what every byte outside a register does);
 * - "ro": reads its reset value; writes are ignored;
 * - "w1c": writing 1 to a bit clears it, 0 leaves it (status flags);
 * - "w1s": writing 1 to a bit sets it, 0 leaves it;
 * - "wo": holds what is written but reads as zero (command and key registers).
 */
export const GENERIC_ACCESS_RULES = ["rw", "ro", "w1c", "w1s", "wo"] as const;
export type GenericAccessRule = (typeof GENERIC_ACCESS_RULES)[number];

/** One described register (modelOptions.registers[i]). */
export interface GenericRegister {
  /** Region index (default 0). */
  region: number;
  /** Byte offset in the region, a multiple of the width. */
  offset: number;
  /** Width in bits: 8, 16, 32 or 64. */
  bits: 8 | 16 | 32 | 64;
  /** Value after reset. */
  reset: bigint;
  access: GenericAccessRule;
  /** A name for people (documentation only). */
  name?: string;
}

/** Every key a register description may have. */
export const GENERIC_REGISTER_KEYS = ["region", "offset", "bits", "reset", "access", "name"] as const;

const BITS = [8, 16, 32, 64] as const;

/** A reset value as the board stores it: a number, or a "0x..." / decimal string (64-bit values exceed a number). */
function resetValue(v: unknown, bits: number, key: string): bigint {
  if (v === undefined) return 0n;
  let value: bigint | undefined;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) value = BigInt(v);
  else if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) value = BigInt(v);
  if (value === undefined || value >= 1n << BigInt(bits)) {
    throw new ModelOptionError(MODEL, key, `an unsigned ${bits}-bit value (a number or a "0x..." string)`);
  }
  return value;
}

/**
 * The register descriptions from modelOptions (`{ registers: [...] }`), checked against the device's regions: each
 * register lies inside its region, is aligned to its width and overlaps no other.
 * @throws ModelOptionError naming the option (e.g. "registers[2].offset") and what it must be.
 */
export function genericMmioRegisters(options: Record<string, unknown> | undefined, regionSizes: readonly number[]): GenericRegister[] {
  const o = options ?? {};
  for (const k of Object.keys(o)) if (k !== "registers") throw new ModelOptionError(MODEL, k, "absent (the only option is registers)");
  const list = o["registers"] ?? [];
  if (!Array.isArray(list)) throw new ModelOptionError(MODEL, "registers", "a list of registers");
  const taken: Map<number, number>[] = regionSizes.map(() => new Map());
  return list.map((r: unknown, i): GenericRegister => {
    const at = `registers[${i}]`;
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new ModelOptionError(MODEL, at, "an object");
    const reg = r as Record<string, unknown>;
    for (const k of Object.keys(reg)) {
      if (!(GENERIC_REGISTER_KEYS as readonly string[]).includes(k)) {
        throw new ModelOptionError(MODEL, `${at}.${k}`, `absent (a register has ${GENERIC_REGISTER_KEYS.join(", ")})`);
      }
    }
    const region = reg["region"] ?? 0;
    if (typeof region !== "number" || !Number.isInteger(region) || region < 0 || region >= regionSizes.length) {
      throw new ModelOptionError(MODEL, `${at}.region`, regionSizes.length ? `a region index 0..${regionSizes.length - 1}` : "a region index (the device has no regions)");
    }
    const bits = reg["bits"] ?? 32;
    if (!BITS.includes(bits as 8)) throw new ModelOptionError(MODEL, `${at}.bits`, "8, 16, 32 or 64");
    const bytes = (bits as number) / 8;
    const size = regionSizes[region]!;
    const offset = reg["offset"];
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || offset % bytes !== 0 || offset + bytes > size) {
      throw new ModelOptionError(MODEL, `${at}.offset`, `a multiple of ${bytes} from 0 to 0x${(size - bytes).toString(16)} (inside region ${region})`);
    }
    for (let b = offset; b < offset + bytes; b++) {
      const other = taken[region]!.get(b);
      if (other !== undefined) throw new ModelOptionError(MODEL, `${at}.offset`, `a place no other register covers (registers[${other}] covers 0x${b.toString(16)})`);
      taken[region]!.set(b, i);
    }
    const access = reg["access"] ?? "rw";
    if (!GENERIC_ACCESS_RULES.includes(access as "rw")) throw new ModelOptionError(MODEL, `${at}.access`, `one of ${GENERIC_ACCESS_RULES.join(", ")}`);
    const name = reg["name"];
    if (name !== undefined && typeof name !== "string") throw new ModelOptionError(MODEL, `${at}.name`, "a string");
    return {
      region,
      offset,
      bits: bits as GenericRegister["bits"],
      reset: resetValue(reg["reset"], bits as number, `${at}.reset`),
      access: access as GenericAccessRule,
      ...(name !== undefined ? { name } : {}),
    };
  });
}

/** A byte of a described register: its rule and its reset value. */
interface ByteRule {
  access: GenericAccessRule;
  reset: number;
}

/** The saved state: per region, runs of bytes that differ from their reset value, as [offset, hex bytes]. */
export interface GenericMmioState {
  version: 1;
  regions: [number, string][][];
}

/**
 * The generic model. Region i holds spec.regions[i].size bytes; an access of any width reads or writes its bytes
 * little-endian, each byte by the rule of the register it belongs to ("rw" outside registers). Bytes are kept
 * sparsely (only those that differ from reset), so a large window costs nothing until it is written. Interrupt lines
 * are never driven (irqAsserted is always false); reset() puts every byte back to its reset value.
 */
export class GenericMmio implements DeviceModel {
  readonly #rules: Map<number, ByteRule>[];
  readonly #sizes: number[];
  /** Current value of each byte that differs from its reset value, per region. */
  #bytes: Map<number, number>[];
  #dirty = false;

  /** @throws ModelOptionError when modelOptions.registers is invalid (see genericMmioRegisters). */
  constructor(spec: DeviceSpec, _ctx: DeviceContext) {
    this.#sizes = spec.regions.map((r) => r.size);
    this.#rules = this.#sizes.map(() => new Map());
    for (const r of genericMmioRegisters(spec.modelOptions, this.#sizes)) {
      for (let i = 0; i < r.bits / 8; i++) {
        this.#rules[r.region]!.set(r.offset + i, { access: r.access, reset: Number((r.reset >> BigInt(8 * i)) & 0xffn) });
      }
    }
    this.#bytes = this.#sizes.map(() => new Map());
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.#readByte(region, offset + i));
    return v;
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    for (let i = 0; i < width; i++) this.#writeByte(region, offset + i, Number((value >> BigInt(8 * i)) & 0xffn));
  }

  advance(): void {}

  nextEventAtMs(): number | undefined {
    return undefined;
  }

  irqAsserted(_index: number): boolean {
    return false;
  }

  reset(): void {
    if (this.#bytes.some((m) => m.size > 0)) this.#dirty = true;
    this.#bytes = this.#sizes.map(() => new Map());
  }

  save(): GenericMmioState {
    return {
      version: 1,
      regions: this.#bytes.map((m) => {
        const runs: [number, string][] = [];
        for (const off of [...m.keys()].sort((a, b) => a - b)) {
          const hex = m.get(off)!.toString(16).padStart(2, "0");
          const last = runs[runs.length - 1];
          if (last && last[0] + last[1].length / 2 === off) last[1] += hex;
          else runs.push([off, hex]);
        }
        return runs;
      }),
    };
  }

  /** Restores `save()` output. @throws TypeError for anything else (a damaged or foreign state file). */
  restore(state: unknown): void {
    const s = savedObject(state, MODEL);
    if (s["version"] !== 1) throw new TypeError(`${MODEL}: unsupported saved state version`);
    const regions = s["regions"];
    if (!Array.isArray(regions) || regions.length !== this.#sizes.length) {
      throw new TypeError(`${MODEL}: saved state field 'regions' does not match the device's ${this.#sizes.length} region(s)`);
    }
    const bytes = this.#sizes.map(() => new Map<number, number>());
    regions.forEach((runs: unknown, r) => {
      if (!Array.isArray(runs)) throw new TypeError(`${MODEL}: saved state field 'regions[${r}]' is not a list`);
      for (const run of runs as unknown[]) {
        const [off, hex] = Array.isArray(run) ? run : [];
        if (typeof off !== "number" || !Number.isInteger(off) || typeof hex !== "string" || !/^([0-9a-f]{2})+$/.test(hex) || off < 0 || off + hex.length / 2 > this.#sizes[r]!) {
          throw new TypeError(`${MODEL}: saved state field 'regions[${r}]' holds a run that is not [offset, hex bytes] inside the region`);
        }
        for (let i = 0; i < hex.length / 2; i++) bytes[r]!.set(off + i, parseInt(hex.slice(2 * i, 2 * i + 2), 16));
      }
    });
    this.#bytes = bytes;
    this.#dirty = false;
  }

  #stored(region: number, offset: number): number {
    return this.#bytes[region]?.get(offset) ?? this.#rules[region]?.get(offset)?.reset ?? 0;
  }

  #readByte(region: number, offset: number): number {
    if (this.#rules[region]?.get(offset)?.access === "wo") return 0;
    return this.#stored(region, offset);
  }

  #writeByte(region: number, offset: number, value: number): void {
    const rule = this.#rules[region]?.get(offset);
    const old = this.#stored(region, offset);
    let next: number;
    switch (rule?.access ?? "rw") {
      case "ro":
        return;
      case "w1c":
        next = old & ~value & 0xff;
        break;
      case "w1s":
        next = old | value;
        break;
      default:
        next = value;
    }
    if (next === old) return;
    const bytes = this.#bytes[region];
    if (!bytes) return;
    if (next === (rule?.reset ?? 0)) bytes.delete(offset);
    else bytes.set(offset, next);
    this.#dirty = true;
  }
}
