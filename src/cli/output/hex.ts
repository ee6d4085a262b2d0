// Hex formatting for register values and offsets. Values are zero-padded to the access width so the width used is
// visible in the output (busybox devmem's rule), lowercase like memtool, setpci and i2cget.
import type { Width } from "../parse/access.ts";

function toBig(value: bigint | number, fn: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`${fn}: ${value} is not a safe integer`);
  }
  const v = BigInt(value);
  if (v < 0n) throw new RangeError(`${fn}: negative value ${v}`);
  return v;
}

/**
 * `0x` plus the value zero-padded to `widthBytes * 2` lowercase digits: hex(13n, 4) === "0x0000000d".
 * @throws RangeError when the value is negative, not a safe integer, or does not fit the width (a programming error:
 *   values come from reads of that width).
 */
export function hex(value: bigint | number, widthBytes: Width): string {
  return `0x${hexDigits(value, widthBytes)}`;
}

/** Like hex() without the `0x` (dump columns): hexDigits(13n, 2) === "000d". @throws RangeError as hex(). */
export function hexDigits(value: bigint | number, widthBytes: Width): string {
  const v = toBig(value, "hex");
  const digits = v.toString(16);
  if (digits.length > widthBytes * 2) {
    throw new RangeError(`hex: 0x${digits} does not fit ${widthBytes} byte(s)`);
  }
  return digits.padStart(widthBytes * 2, "0");
}

/**
 * An offset or address: `0x` plus at least `minDigits` (default 8) lowercase digits, more when the value needs them:
 * hexAddr(0x20) === "0x00000020", hexAddr(0x1_0000_0000n) === "0x100000000".
 * @throws RangeError when negative or not a safe integer.
 */
export function hexAddr(value: bigint | number, minDigits = 8): string {
  return `0x${toBig(value, "hexAddr").toString(16).padStart(minDigits, "0")}`;
}

/** Reverse the byte order of a `widthBytes`-wide value (for memtool's -x display of big-endian blocks). */
export function byteSwap(value: bigint, widthBytes: Width): bigint {
  let out = 0n;
  let v = value;
  for (let i = 0; i < widthBytes; i++) {
    out = (out << 8n) | (v & 0xffn);
    v >>= 8n;
  }
  return out;
}
