// The CLI's advice for the refusals of physical addresses (src/host/physical-errors.ts): what to type instead, naming
// vfio-plat's commands. The message itself (the facts) is the library's; library-words.ts calls this.
import { PhysicalAddressError, PhysicalNotFoundError, PhysicalUnsupportedError } from "../../host/physical-errors.ts";

/** The advice for a physical-address refusal, else undefined. */
export function physicalHint(e: unknown): string | undefined {
  if (e instanceof PhysicalUnsupportedError) return `address ${e.device} by region and offset instead: DEVICE [REGION:]OFFSET (vfio-plat info ${e.device})`;
  if (!(e instanceof PhysicalNotFoundError) && !(e instanceof PhysicalAddressError)) return undefined;
  const r = e.refusal;
  const at = `@0x${r.address.toString(16)}`;
  switch (r.reason) {
    case "not-bound":
      return `bind it first: vfio-plat bind ${r.device}`;
    case "uncovered":
      return "check the address against the device tree or lspci -v; `vfio-plat list` shows the devices";
    case "not-in-device":
      return `give the device that covers ${at} (read, write, poll, expect and watch find it when DEVICE is left out)`;
    case "straddles": {
      const last = r.window.base + r.window.size - BigInt(r.bytes);
      return r.window.size >= BigInt(r.bytes) ? `the last ${r.bytes * 8}-bit address in it is @0x${last.toString(16)}; use a narrower width or a lower address` : "use a narrower width";
    }
    case "ambiguous":
      return `name the device: vfio-plat read ${r.devices[0]} ${at}`;
  }
}
