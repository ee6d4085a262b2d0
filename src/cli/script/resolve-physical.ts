// Physical addresses in a `run` script (`read @0x09010ff0`, `write @0x09010010 1`): once the device is open, each
// becomes a region and offset of THAT device (a script drives one device, so an address outside it is refused),
// before line 1 runs, like register names.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { HostDevice } from "../../host/discovery.ts";
import { resolvePhysical } from "../../host/physical-resolve.ts";
import { InvalidArgumentError } from "../../vfio/errors.ts";
import type { ScriptLine } from "./parse-script.ts";

/**
 * Resolve every step of `lines` that has a physical address, in place, on `dev`.
 * @throws PhysicalAddressError "line N: ..." (not in the device, runs past a region's end), PhysicalUnsupportedError
 */
export function resolveScriptPhysical(lines: readonly ScriptLine[], b: KernelBoundary, dev: HostDevice): void {
  for (const { line, step } of lines) {
    if (!("phys" in step) || step.phys === undefined) continue;
    const { address, width, widthFrom } = step.phys;
    try {
      const hit = resolvePhysical(b, [dev], address, width, dev);
      step.access = { region: { index: hit.region.index }, offset: hit.offset, width, widthFrom };
    } catch (e) {
      if (e instanceof InvalidArgumentError && !e.message.startsWith("line ")) e.message = `line ${line}: ${e.message}`;
      throw e;
    }
  }
}
