// The shared start of `poll` and `expect`: DEVICE ADDRESS VALUE[:MASK] checked (the value against the register or
// field it names) and the device opened (a physical address first resolved to the device covering it), so both commands refuse the same bad input the same way.
import type { CliContext } from "./context.ts";
import { findDevice, openCliDevice } from "./device-session.ts";
import { deviceMap, isNamed, parseAddress, refineDeviceMap, refuseWriteOnlyRead, resolveTarget, type Target } from "./named-address.ts";
import { parseTargetValue } from "./target-io.ts";
import { UsageError } from "./usage-error.ts";
import { splitDevice } from "./parse/physical.ts";
import { resolveAddressDevice, type PhysicalNote } from "./physical-address.ts";
import type { Device } from "../vfio/device.ts";

/**
 * Parse `args` (DEVICE ADDRESS VALUE[:MASK]) for `command`, resolve the address on the device and open it.
 * @throws UsageError, UnknownRegisterError, device errors
 */
export async function openTarget(
  ctx: CliContext,
  command: string,
  args: string[],
  options: { width?: string | number; regs?: string; phys?: boolean },
): Promise<{ device: Device; target: Target; value: bigint; mask?: bigint; phys?: PhysicalNote }> {
  const { device: given, rest } = splitDevice(args, options.phys === true);
  const [addr, valueText] = rest;
  if (addr === undefined || valueText === undefined) {
    throw new UsageError(`${command} needs an address and a value`, `vfio-plat ${command} DEVICE [REGION:]OFFSET[.w]|NAME VALUE[:MASK]`);
  }
  const parsed = parseAddress(addr, options.width, options.phys === true);
  const { device: deviceSpec, ref, phys } = await resolveAddressDevice(ctx, given, parsed, command);
  const { b, dev } = await findDevice(ctx, deviceSpec);
  const found = isNamed(ref) || options.regs !== undefined ? deviceMap(b, dev.name, options.regs) : undefined;
  const { session } = await openCliDevice(ctx, deviceSpec);
  const target = resolveTarget(ref, refineDeviceMap(found, session.device), dev.name);
  refuseWriteOnlyRead(target, command);
  const { value, mask } = parseTargetValue(target, valueText);
  return { device: session.device, target, value, ...(mask !== undefined ? { mask } : {}), ...(phys ? { phys } : {}) };
}
