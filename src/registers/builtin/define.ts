// Small builders for the built-in register maps: a 32-bit register in region 0 unless told otherwise, one-bit and
// multi-bit fields, and the PrimeCell identification block every AMBA PrimeCell ends its 4 KiB window with. Data
// only: the maps in this folder are written with these so each stays a readable table.
import type { FieldSpec, RegisterAccess, RegisterSpec } from "../register-map.ts";

/** What a register may add to its name, offset and access. */
export type RegisterExtra = Partial<Omit<RegisterSpec, "name" | "offset" | "access">>;

/** A register (region 0 and 32 bits wide unless `extra` says otherwise). */
export function reg(name: string, offset: number, access: RegisterAccess, extra: RegisterExtra = {}): RegisterSpec {
  return { name, region: 0, offset, width: 32, access, ...extra };
}

/** What a field may add to its name, position and width. */
export type FieldExtra = Partial<Omit<FieldSpec, "name" | "lsb" | "width">>;

/** A field of `width` bits from bit `lsb`. */
export function field(name: string, lsb: number, width: number, extra: FieldExtra = {}): FieldSpec {
  return { name, lsb, width, ...extra };
}

/** A one-bit field. */
export function bit(name: string, lsb: number, description?: string, values?: Record<string, string>): FieldSpec {
  return { name, lsb, width: 1, ...(description ? { description } : {}), ...(values ? { values } : {}) };
}

/** Values of a one-bit enable: "0" disabled, "1" enabled. */
export const ENABLED: Readonly<Record<string, string>> = { "0": "disabled", "1": "enabled" };

/** PCellID0..3 of every PrimeCell (0xB105F00D read as one little-endian word). */
export const PRIMECELL_CELL_ID = [0x0d, 0xf0, 0x05, 0xb1] as const;

/** Offset of PeriphID0 in a PrimeCell's 4 KiB window. */
const PRIMECELL_ID_BASE = 0xfe0;

/**
 * PeriphID0..3 and PCellID0..3 as eight read-only 32-bit registers at 0xFE0..0xFFC, the byte in bits [7:0].
 * `periphId` is the four reset bytes; the revision nibble (PeriphID2[7:4]) differs between revisions of the same part,
 * so it is left out of that register's resetMask. `names(i)` names register i (0..3 PeriphID, 4..7 PCellID).
 */
export function primeCellIdRegisters(names: (i: number) => string, periphId: readonly number[]): RegisterSpec[] {
  const periph: FieldSpec[][] = [
    [field("PARTNUMBER0", 0, 8, { description: "part number bits [7:0]" })],
    [field("PARTNUMBER1", 0, 4, { description: "part number bits [11:8]" }), field("DESIGNER0", 4, 4, { description: "designer bits [3:0]" })],
    [field("DESIGNER1", 0, 4, { description: "designer bits [7:4] (0x41 = Arm)" }), field("REVISION", 4, 4, { description: "revision of the part" })],
    [field("CONFIGURATION", 0, 8, { description: "configuration option of the part" })],
  ];
  const out: RegisterSpec[] = [];
  for (let i = 0; i < 4; i++) {
    out.push(
      reg(names(i), PRIMECELL_ID_BASE + 4 * i, "RO", {
        reset: BigInt(periphId[i]!),
        ...(i === 2 ? { resetMask: 0xffff_ff0fn } : {}),
        description: `PrimeCell peripheral identification byte ${i}`,
        fields: periph[i]!,
      }),
    );
  }
  for (let i = 0; i < 4; i++) {
    out.push(
      reg(names(4 + i), PRIMECELL_ID_BASE + 0x10 + 4 * i, "RO", {
        reset: BigInt(PRIMECELL_CELL_ID[i]!),
        description: `PrimeCell component identification byte ${i} (0xB105F00D)`,
      }),
    );
  }
  return out;
}
