// TEST HOOK of the simulated driver core, inert unless a test puts `injectedFaults` on a device in board.json: a
// write to the device's driver_override, an unbind of it from a driver that is not VFIO's, or a VFIO driver's probe of
// it fails with the errno named, so bind's rollbacks can be tested on any device and any step (a real kernel refuses
// these for reasons a board cannot be made to have on demand: a module's probe bug, a driver that cannot let go).
import type { BoardState } from "../state/board-state.ts";
import { fail } from "../kernel/errno.ts";
import { isVfioDriver } from "./driver-core.ts";

/** Where a fault can be injected: the driver_override write, the native driver's unbind, a VFIO driver's probe. */
export type FaultPoint = "override" | "unbind" | "probe";

/** Throw the errno injected at `point` of device `name`, if any. `driver`: the driver being unbound or probing. @throws Errno */
export function injectedFault(s: BoardState, name: string, point: FaultPoint, driver?: string): void {
  const code = s.devices[name]?.injectedFaults?.[point];
  if (code === undefined) return;
  // "unbind" is the native driver's, "probe" a VFIO driver's: the way back (a VFIO unbind, a native probe) still works.
  if (point === "unbind" && isVfioDriver(driver)) return;
  if (point === "probe" && !isVfioDriver(driver)) return;
  fail(code);
}
