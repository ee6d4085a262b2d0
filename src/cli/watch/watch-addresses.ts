// The addresses of `watch` as typed, made addresses on the one device the watch opens: `watch DEVICE ADDRESS...`
// (physical ones must lie in DEVICE) or `watch @0x... @0x...` (devmem's habit: the device is the one covering them,
// and it must be the same for all, since one watch holds one open session).
import type { CliContext } from "../context.ts";
import { parseAddress } from "../named-address.ts";
import { splitDevice } from "../parse/physical.ts";
import { resolveAddressDevice, type DeviceRef, type PhysicalNote } from "../physical-address.ts";
import { UsageError } from "../usage-error.ts";

/** One watched address as an address on the device, and the physical address it came from (when it did). */
export interface WatchRef {
  ref: DeviceRef;
  phys?: PhysicalNote;
}

/**
 * Parse `args` (DEVICE ADDRESS... or @ADDRESS...) and resolve every physical address to the device covering it.
 * @throws UsageError (no address; addresses in two devices without DEVICE; a name without DEVICE), the errors of
 *   resolveAddressDevice (PhysicalNotFoundError, PhysicalAddressError: outside DEVICE...)
 */
export async function watchAddresses(
  ctx: CliContext,
  args: readonly string[],
  options: { width?: string | number; phys?: boolean },
): Promise<{ device: string; refs: WatchRef[] }> {
  const phys = options.phys === true;
  const { device: given, rest } = splitDevice(args, phys);
  if (rest.length === 0) throw new UsageError("watch needs at least one address", "vfio-plat watch DEVICE [REGION:]OFFSET[.w]|NAME..., or vfio-plat watch @0xADDRESS...");
  // Every address is parsed (and refused) before any device is looked at.
  const parsed = rest.map((a) => ({ text: a, ref: parseAddress(a, options.width, phys) }));
  const refs: WatchRef[] = [];
  let found: { device: string; text: string } | undefined;
  for (const { text, ref } of parsed) {
    const r = await resolveAddressDevice(ctx, given, ref, "watch");
    if (given === undefined) {
      if (found && found.device !== r.device) {
        throw new UsageError(
          `watch reads one device, and ${found.text} is in ${found.device} but ${text} is in ${r.device}`,
          `run one watch per device: vfio-plat watch ${found.device} ... and vfio-plat watch ${r.device} ...`,
        );
      }
      found ??= { device: r.device, text };
    }
    refs.push(r.phys ? { ref: r.ref, phys: r.phys } : { ref: r.ref });
  }
  return { device: given ?? found!.device, refs };
}
