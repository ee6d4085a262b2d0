// The CLI's register accesses over the library's Region. The CLI's parsers hold a width in bytes and every value as
// a bigint (one type for hex formatting, masks and JSON at any width); the library takes widths in bits and values
// as number (8/16/32 bits) or bigint (64 bits). The conversion lives here, once.
import type { Region, Width as Bits } from "../vfio/region.ts";
import type { Width } from "./parse/access.ts";

/** The library's width (bits) for a CLI width (bytes). */
export function bitsOf(width: Width): Bits {
  return (width * 8) as Bits;
}

/** Check an access before any is made. @throws as Region.checkAccess */
export function checkRegister(region: Region, offset: number, width: Width): void {
  region.checkAccess(offset, bitsOf(width));
}

/** One register, as a bigint. @throws as Region.read */
export function readRegister(region: Region, offset: number, width: Width): bigint {
  return BigInt(region.read(offset, bitsOf(width)));
}

/** One register write from a bigint (it fits the width: the CLI's parsers checked). @throws as Region.write */
export function writeRegister(region: Region, offset: number, width: Width, value: bigint): void {
  const bits = bitsOf(width);
  region.write(offset, bits, bits === 64 ? value : Number(value));
}

/** `count` registers, each read once, as bigints. @throws as Region.readMany */
export function readRegisterRange(region: Region, offset: number, width: Width, count: number): bigint[] {
  return region.readMany(offset, bitsOf(width), count).map((v) => BigInt(v));
}
