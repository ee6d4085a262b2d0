// A physical address on the command line (`read @0x09010ff0`, `write --phys DEV 0x... V`) becomes the device, region
// and offset that reach it, before the command does anything else: from then on it is an ordinary offset address, and
// the command reports both (JSON `phys`, and `write --dry-run` says what it resolved to).
import { listDevices } from "../host/discovery.ts";
import type { CliContext } from "./context.ts";
import { findDevice } from "./device-session.ts";
import type { AddressRef } from "./named-address.ts";
import type { PhysicalAccess } from "./parse/physical.ts";
import { UsageError } from "./usage-error.ts";

/** An address with no physical form left: a register name or an offset on the device. */
export type DeviceRef = Exclude<AddressRef, { phys: PhysicalAccess }>;

/** What a physical address resolved to. */
export interface PhysicalNote {
  address: bigint;
  device: string;
  region: number;
  offset: bigint;
}

/**
 * The device to open and the address as an offset on it: `ref` unchanged when it is not physical (DEVICE must then
 * have been given), else the device covering the physical address (the one given, which must cover it) and the
 * region and offset inside it.
 * @throws UsageError (no DEVICE for a non-physical address), PhysicalNotFoundError, PhysicalAddressError,
 *   PhysicalUnsupportedError, device lookup errors
 */
export async function resolveAddressDevice(
  ctx: CliContext,
  device: string | undefined,
  ref: AddressRef,
  command: string,
): Promise<{ device: string; ref: DeviceRef; phys?: PhysicalNote }> {
  if (!("phys" in ref)) {
    if (device === undefined) throw new UsageError(`${command} needs a DEVICE before a register address`, `vfio-plat ${command} DEVICE ADDRESS, or a physical address: vfio-plat ${command} @0xADDRESS`);
    return { device, ref };
  }
  const b = await ctx.boundary();
  const given = device === undefined ? undefined : (await findDevice(ctx, device)).dev;
  const { address, width, widthFrom } = ref.phys;
  // The resolver (device-tree reg and ranges, PCI resources) loads only for a physical address.
  const { resolvePhysical } = require("../host/physical-resolve.ts") as typeof import("../host/physical-resolve.ts");
  const hit = resolvePhysical(b, listDevices(b), address, width, given);
  const access = { region: { index: hit.region.index }, offset: hit.offset, width, widthFrom };
  return { device: hit.device.name, ref: { access }, phys: { address, device: hit.device.name, region: hit.region.index, offset: hit.offset } };
}

/** The `phys` member of a command's JSON: the physical address as typed, next to its region and offset. */
export function physJson(p: PhysicalNote | undefined): { phys?: string } {
  return p === undefined ? {} : { phys: `0x${p.address.toString(16)}` };
}

/** "@0x9010ff0 is 9010000.pl031 region 0 offset 0xff0" */
export function physWords(p: PhysicalNote): string {
  return `@0x${p.address.toString(16)} is ${p.device} region ${p.region} offset 0x${p.offset.toString(16)}`;
}
