// Before `run` frees a DMA buffer of a noiommu device: with no IOMMU, pages handed back to the kernel stay reachable by
// a channel or queue still running, so the device is reset first (VFIO_DEVICE_RESET) when it has a reset function.
// When it has none (or the reset fails) the buffer is freed anyway and the user is told once that DMA may be in flight.
import type { Device } from "../../vfio/device.ts";

/** Reset-or-warn, once per script run; a no-op behind an IOMMU (unmapping there cuts the device off the pages). */
export class QuiesceBeforeFree {
  #warned = false;

  constructor(
    private readonly device: Device,
    private readonly noiommu: boolean,
    /** Called at most once, with why the device could not be stopped (the CLI turns it into one warning line). */
    private readonly warn: (why: string) => void,
  ) {}

  /** Call right before freeing buffers the device may have been given. Never throws. */
  beforeFree(): void {
    if (!this.noiommu) return;
    const why = this.reset();
    if (why === undefined || this.#warned) return;
    this.#warned = true;
    this.warn(why);
  }

  /** Reset the device (VFIO_DEVICE_RESET) without warning: undefined when it was reset, else why not. Never throws. */
  reset(): string | undefined {
    try {
      if (!this.device.info().hasReset) return "it has no reset function";
      this.device.reset();
      return undefined;
    } catch (e) {
      return `its reset failed (${e instanceof Error ? e.message : String(e)})`;
    }
  }
}
