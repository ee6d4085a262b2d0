// Addresses by name on the command line: an address argument is `[REGION:]OFFSET[.w]` as before, or a register name
// from the device's register map ("RTCDR", "CSR0.CHANNEL_STATUS", matched case-insensitively). This file parses the
// two forms apart, finds the map a device gets (library registerMapFor, `--regs FILE` first) and turns a name into the
// region, offset and width the register code needs, keeping the register and field for decoding and field writes.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { mapDependsOnDevice, refineRegisterMap, registerMapFor, type MapSource } from "../registers/map-for-device.ts";
import { NamedRegisters, type RegionSource } from "../registers/named-registers.ts";
import type { FieldSpec, RegisterMap, RegisterSpec } from "../registers/register-map.ts";
import { looksLikeName, registersIn, resolveName } from "../registers/resolve.ts";
import { effectiveAccess, readHasSideEffect } from "../registers/write-plan.ts";
import { accessLabel, isWidth, parseAccess, parseWidthOption, widthName, type Access } from "./parse/access.ts";
import { isPhysicalText, parsePhysical, type PhysicalAccess } from "./parse/physical.ts";
import { UsageError } from "./usage-error.ts";

/**
 * An address as typed: a register name (resolved once the device's map is known), a parsed offset access, or a
 * physical address (physical-address.ts turns it into the covering device's offset access).
 */
export type AddressRef = { name: string; widthOption?: string | number } | { access: Access } | { phys: PhysicalAccess };

/** An address resolved against the device: the access, and the register (and field) when it was named or mapped. */
export interface Target {
  access: Access;
  register?: RegisterSpec;
  field?: FieldSpec;
  /** The name as the map spells it ("CSR0.CHANNEL_STATUS"), for output; absent for an offset address. */
  name?: string;
}

/** A device's map and why it applies. */
export interface DeviceMap {
  map: RegisterMap;
  source: MapSource;
}

/**
 * Parse an address argument: a NAME or NAME.FIELD (a word starting with a letter), else `[REGION:]OFFSET[.w]`.
 * @throws UsageError for a bad offset form or width (a name's width comes from its map, checked at resolve time).
 */
export function parseAddress(text: string, widthOption?: string | number, phys = false): AddressRef {
  if (isPhysicalText(text, phys)) return { phys: parsePhysical(text, widthOption) };
  if (looksLikeName(text)) {
    if (widthOption !== undefined) parseWidthOption(widthOption); // a bad --width is refused before the device is opened
    return widthOption === undefined ? { name: text } : { name: text, widthOption };
  }
  return { access: parseAccess(text, widthOption) };
}

/** True when `ref` needs the device's register map. */
export function isNamed(ref: AddressRef): ref is { name: string; widthOption?: string | number } {
  return "name" in ref;
}

/**
 * The register map `device` gets (`regsFile` wins), or undefined when none applies.
 * @throws RegisterMapFileError for a bad map file
 */
export function deviceMap(b: KernelBoundary, device: string, regsFile: string | undefined): DeviceMap | undefined {
  return registerMapFor(b, device, regsFile !== undefined ? { regsFile } : {});
}

/**
 * `dm` made exact by the open device's own registers (refineRegisterMap: a virtio-mmio transport's layout from its
 * Version register, its device-specific space from DeviceID; neither read has a side effect). The one place the CLI
 * refines a map: every command that resolves names or shows the map calls it once the device is open.
 * @throws region access errors
 */
export function refineDeviceMap(dm: DeviceMap | undefined, device: RegionSource): DeviceMap | undefined {
  if (dm === undefined || !mapDependsOnDevice(dm)) return dm;
  const named = new NamedRegisters(device, dm.map);
  return refineRegisterMap(dm, (name) => named.read(name));
}

/** True when `dm` can be final only once the device is open (see refineDeviceMap). */
export function mapNeedsOpenDevice(dm: DeviceMap | undefined): boolean {
  return dm !== undefined && mapDependsOnDevice(dm);
}

/** Why a map applies, in words: "built-in, for the device's compatible or PCI ID", "--regs FILE", the board file. */
export function mapSourceWords(source: MapSource): string {
  switch (source.kind) {
    case "builtin":
      return source.readFrom
        ? `built-in map ${source.key}, for the device's compatible and its ${source.readFrom.join(" and ")} registers`
        : `built-in map ${source.key}, for the device's compatible or PCI ID`;
    case "file":
      return `--regs ${source.path}`;
    case "board-file":
      return `named by the board file (${source.path})`;
  }
}

/**
 * Resolve `ref` on `device` with its map `dm`. An offset address is kept as typed; a name becomes its register's
 * region, offset and width (a `--width` that disagrees with the map is refused).
 * @throws UsageError when a name is used and the device has no map; UnknownRegisterError for an unknown name
 */
export function resolveTarget(ref: AddressRef, dm: DeviceMap | undefined, device: string): Target {
  if ("phys" in ref) throw new Error("a physical address must be resolved to its device first (physical-address.ts)");
  if (!isNamed(ref)) return { access: ref.access };
  if (dm === undefined) {
    throw new UsageError(
      `${device} has no register map, so '${ref.name}' names nothing`,
      "give a map with --regs FILE (docs/register-maps.md), or an offset: [REGION:]OFFSET[.b|.w|.l|.q]",
    );
  }
  const { register, field } = resolveName(dm.map, ref.name);
  const bytes = register.width / 8;
  if (!isWidth(bytes)) throw new UsageError(`register ${register.name} is ${register.width} bits wide: no access has that width`);
  if (ref.widthOption !== undefined) {
    const w = parseWidthOption(ref.widthOption);
    if (w !== bytes) {
      throw new UsageError(
        `conflicting widths: ${register.name} is ${widthName(bytes)} in map ${dm.map.name} but --width says ${widthName(w)}`,
        "leave --width out for a named register (or use an offset address)",
      );
    }
  }
  const access: Access = { region: { index: register.region }, offset: BigInt(register.offset), width: bytes, widthFrom: "option" };
  const name = field ? `${register.name}.${field.name}` : register.name;
  return field ? { access, register, field, name } : { access, register, name };
}

/**
 * Refuse to read `t` for `command` (read, poll, expect) when it names a write-only register or field: its reads show
 * nothing the device holds, so a poll of it times out and an expect fails for certain. An offset stays readable.
 * @throws UsageError
 */
export function refuseWriteOnlyRead(t: Target, command: string): void {
  const r = t.register;
  if (!r || !t.name || effectiveAccess(r, t.field) !== "WO") return;
  const offset = accessLabel(r.region, r.offset, t.access.width);
  const instead = command === "read" ? "" : `${command} a register that shows the device's state (a status register); `;
  throw new UsageError(`${t.name} is write-only (WO): reading it shows nothing of what was written`, `${instead}the raw bus value is readable by offset: ${offset}`);
}

/** The register of `dm` that an offset access hits exactly (same region, offset and width), for --decode. */
export function registerAt(dm: Pick<DeviceMap, "map"> | undefined, region: number, offset: bigint, width: number): RegisterSpec | undefined {
  return dm?.map.registers.find((r) => r.region === region && BigInt(r.offset) === offset && r.width === width * 8);
}

/**
 * The read-to-clear registers a dump of `count` accesses of `width` bytes from `offset` in `region` would touch, by
 * access index: a dump must not clear them unless asked.
 */
export function readClearIn(dm: Pick<DeviceMap, "map"> | undefined, region: number, offset: bigint, width: number, count: number): Map<number, RegisterSpec> {
  const out = new Map<number, RegisterSpec>();
  if (dm === undefined) return out;
  const start = offset;
  const end = offset + BigInt(width * count);
  // The library finds the registers the range touches; only which dump entries each RC one covers is the CLI's.
  for (const r of registersIn(dm.map, region, Number(offset), width * count)) {
    if (!readHasSideEffect(r)) continue; // RC, or a field of it is
    const rs = BigInt(r.offset);
    const re = rs + BigInt(r.width / 8);
    const first = Number((rs > start ? rs - start : 0n) / BigInt(width));
    const last = Number(((re < end ? re : end) - start - 1n) / BigInt(width));
    for (let i = first; i <= last; i++) out.set(i, r);
  }
  return out;
}
