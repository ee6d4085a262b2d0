// A data-driven codec for C structs: a struct is a table of (name, offset, type) and values are plain objects, so they
// serialise straight to JSON and compare in tests. Little-endian, as on both targets (arm64 and x86-64). u64 fields
// are bigint so offsets, IOVAs and sizes never lose precision; narrower fields are numbers.

export type FieldType = "u8" | "u16" | "u32" | "s32" | "u64";

export interface FieldDef {
  readonly name: string;
  readonly offset: number;
  readonly type: FieldType;
}

type ValueOf<T extends FieldType> = T extends "u64" ? bigint : number;

/** The plain-object value of a struct with fields F, keyed by the C field names. */
export type StructValue<F extends readonly FieldDef[]> = { [K in F[number] as K["name"]]: ValueOf<K["type"]> };

const WIDTH: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8 };

/** One C struct layout with its encoder and decoder. */
export class Struct<const F extends readonly FieldDef[]> {
  /**
   * @param cName the C struct name, for messages and the layout test against <linux/vfio.h>
   * @param size sizeof(struct) in the current kernel header
   * @param fields the fields, at their C offsets
   * @param minsz the bytes the kernel reads (offsetofend of the last field it needs); defaults to size
   */
  constructor(
    readonly cName: string,
    readonly size: number,
    readonly fields: F,
    readonly minsz: number = size,
  ) {
    for (const f of fields) {
      const w = WIDTH[f.type];
      if (f.offset % w !== 0 || f.offset + w > size) throw new Error(`${cName}.${f.name}: bad layout`);
    }
  }

  offsetOf(name: F[number]["name"]): number {
    const f = this.fields.find((x) => x.name === name);
    if (!f) throw new Error(`${this.cName} has no field ${name}`);
    return f.offset;
  }

  /** Encode into a new buffer of `size` bytes (or into `into` at `at`). Missing fields are zero. */
  encode(value: Partial<StructValue<F>>, into?: Uint8Array, at = 0): Uint8Array {
    const buf = into ?? new Uint8Array(this.size);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const v = value as Record<string, number | bigint | undefined>;
    for (const f of this.fields) {
      const x = v[f.name];
      if (x === undefined) continue;
      writeField(dv, at + f.offset, f.type, x);
    }
    return buf;
  }

  /** Decode from `bytes` at `at`. Throws RangeError when the buffer is too short. */
  decode(bytes: Uint8Array, at = 0): StructValue<F> {
    if (bytes.byteLength < at + this.size) {
      // Tail fields the buffer does not cover are a caller bug, except for minsz-sized kernel replies.
      if (bytes.byteLength < at + this.minsz) throw new RangeError(`${this.cName}: need ${this.minsz} bytes`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: Record<string, number | bigint> = {};
    for (const f of this.fields) {
      if (at + f.offset + WIDTH[f.type] > bytes.byteLength) continue;
      out[f.name] = readField(dv, at + f.offset, f.type);
    }
    return out as StructValue<F>;
  }
}

function writeField(dv: DataView, off: number, type: FieldType, x: number | bigint): void {
  switch (type) {
    case "u8":
      dv.setUint8(off, Number(x));
      break;
    case "u16":
      dv.setUint16(off, Number(x), true);
      break;
    case "u32":
      dv.setUint32(off, Number(x) >>> 0, true);
      break;
    case "s32":
      dv.setInt32(off, Number(x), true);
      break;
    case "u64":
      dv.setBigUint64(off, BigInt.asUintN(64, BigInt(x)), true);
      break;
  }
}

function readField(dv: DataView, off: number, type: FieldType): number | bigint {
  switch (type) {
    case "u8":
      return dv.getUint8(off);
    case "u16":
      return dv.getUint16(off, true);
    case "u32":
      return dv.getUint32(off, true);
    case "s32":
      return dv.getInt32(off, true);
    case "u64":
      return dv.getBigUint64(off, true);
  }
}
