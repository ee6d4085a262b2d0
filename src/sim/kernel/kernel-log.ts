// The simulated kernel's printk: records go into the board's kernel log (what /dev/kmsg and dmesg read), with
// dev_printk's driver and device prefix. One place for the lines the VFIO drivers log at open and close.
import type { DeviceSpec } from "../boards/board-spec.ts";
import { printk } from "../state/board-state.ts";
import type { StateStore } from "../state/state-store.ts";
import { VFIO_DRIVER_FOR_BUS } from "../sysfs/driver-core.ts";
import { devMessage, KERN_INFO, KERN_WARNING, type LogDevice } from "./dev-printk.ts";

export class KernelLog {
  constructor(private readonly store: StateStore) {}

  /** Append records to the board's log in one state update (shared with the rest of a StateStore.batch). */
  printk(records: { message: string; priority: number }[]): void {
    const now = Date.now(); // stamped when logged, not when a batch writes it
    this.store.change((s) => {
      for (const r of records) printk(s, r.message, r.priority, now);
    });
  }

  /** dev_printk(priority, dev, text) about a board device (its bound driver names it). */
  device(spec: DeviceSpec, text: string, priority = KERN_INFO): void {
    this.printk([{ message: devMessage(this.logDevice(spec), text), priority }]);
  }

  /** vfio_platform_call_reset's log line (at open_device and close_device). */
  reset(spec: DeviceSpec): void {
    this.device(spec, spec.hasReset ? "reset" : "no reset function found!", spec.hasReset ? KERN_INFO : KERN_WARNING);
  }

  private logDevice(spec: DeviceSpec): LogDevice {
    const driver = this.store.read().devices[spec.name]?.driver ?? VFIO_DRIVER_FOR_BUS[spec.bus];
    return { driver, name: spec.name, bus: spec.bus };
  }
}
