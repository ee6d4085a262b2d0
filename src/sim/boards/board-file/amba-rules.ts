// What a board file's AMBA device may be, as Linux makes one (drivers/of/platform.c, drivers/amba/bus.c,
// drivers/vfio/platform/vfio_amba.c): exactly one MMIO window (an AMBA device has one resource, reg[0], and vfio-amba
// exposes only that) and at most AMBA_NR_IRQS = 9 interrupts. The device-tree builder applies the same rule.
import type { DeviceSpec } from "../board-spec.ts";
import { at, type JsonReader } from "./json-reader.ts";

/** The number of interrupts the amba bus decodes for a device (AMBA_NR_IRQS). */
export const AMBA_NR_IRQS = 9;

/**
 * Refuse an AMBA device that has no or several regions, or more than AMBA_NR_IRQS interrupts.
 * @throws BoardFileError at `path`.regions or `path`.irqs
 */
export function checkAmbaDevice(r: JsonReader, dev: DeviceSpec, path: string): void {
  if (dev.bus !== "amba") return;
  if (dev.regions.length !== 1) {
    r.fail(at(path, "regions"), "exactly one region on bus amba (an AMBA device has one resource, reg[0], the only one vfio-amba exposes)", r.words(`${dev.regions.length} regions`));
  }
  if (dev.irqs.length > AMBA_NR_IRQS) {
    r.fail(at(path, "irqs"), `at most ${AMBA_NR_IRQS} interrupts on bus amba (AMBA_NR_IRQS)`, r.words(`${dev.irqs.length} interrupts`));
  }
}
