// Physical addresses as typed: `@0x09010ff0[.b|.w|.l|.q]` wherever an ADDRESS is accepted, or a plain number with
// `--phys`. A device name never starts with '@' (nor with 0x: sysfs names are hex without it, or PCI addresses), so
// DEVICE may be left out before one and the device covering the address is found (devmem's habit).
import { UsageError } from "../usage-error.ts";
import { parseAccess, widthName, type Access, type Width } from "./access.ts";

/** The mark of a physical address in ADDRESS position. */
export const PHYS_MARK = "@";

/** A physical address and the access width at it. */
export interface PhysicalAccess {
  address: bigint;
  width: Width;
  widthFrom: Access["widthFrom"];
}

/** True when `text` is to be read as a physical address: it starts with '@', or `--phys` was given. */
export function isPhysicalText(text: string, phys: boolean): boolean {
  return text.startsWith(PHYS_MARK) || phys;
}

/**
 * True when the first positional word is a physical address standing in for DEVICE: `@...`, or with `--phys` a
 * number written `0x...` (no device name has either shape).
 */
export function omitsDevice(positionals: readonly string[], phys: boolean): boolean {
  const first = positionals[0];
  return first !== undefined && (first.startsWith(PHYS_MARK) || (phys && /^0x/i.test(first)));
}

/** DEVICE (absent when a physical address stands in for it) and the words after it. */
export function splitDevice(positionals: readonly string[], phys: boolean): { device?: string; rest: string[] } {
  if (omitsDevice(positionals, phys)) return { rest: [...positionals] };
  const [device, ...rest] = positionals;
  return device === undefined ? { rest } : { device, rest };
}

/**
 * Parse `@ADDRESS[.b|.w|.l|.q]` (or, with --phys, `ADDRESS[.w]`) and an optional --width.
 * @throws UsageError for a REGION: part, a register name, a bad number or width (as an offset's)
 */
export function parsePhysical(text: string, widthOption?: string | number): PhysicalAccess {
  const body = text.startsWith(PHYS_MARK) ? text.slice(PHYS_MARK.length) : text;
  const form = "a physical address is @0xADDRESS[.b|.w|.l|.q] (or a number with --phys), e.g. @0x09010ff0.w";
  if (body.includes(":")) throw new UsageError(`invalid physical address '${text}': a physical address has no REGION: part`, form);
  if (/^[A-Za-z_]/.test(body) && !/^0[xob]/i.test(body)) {
    throw new UsageError(`invalid physical address '${text}': a register name is not a physical address`, form);
  }
  if (body === "") throw new UsageError(`invalid physical address '${text}': no number after '@'`, form);
  const a = parseAccess(body, widthOption);
  // Refused as typed, before any device is looked at: an unaligned MMIO access can raise SIGBUS.
  const w = BigInt(a.width);
  if (a.offset % w !== 0n) {
    throw new UsageError(
      `physical address 0x${a.offset.toString(16)} is not aligned for a ${widthName(a.width)} access`,
      `use a multiple of ${a.width} (e.g. @0x${(a.offset - (a.offset % w)).toString(16)}) or a narrower width`,
    );
  }
  return { address: a.offset, width: a.width, widthFrom: a.widthFrom };
}
