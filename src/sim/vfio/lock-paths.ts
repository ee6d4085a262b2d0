// Where the simulated kernel keeps the lock files that make a VFIO node single-holder across processes: one per open
// group (/dev/vfio/N) and one per bound device cdev (vfio_df_open's "opened once"). Their holder pid is what
// /proc/<pid>/fd shows, so the sim's files and its /proc must agree on these names.
import { join } from "node:path";

/** Lock file of group `g`, held while some process has the group node open. */
export function groupLockPath(locksDir: string, g: number): string {
  return join(locksDir, `group-${g}.lock`);
}

/** Lock file of device `name`'s cdev, held while some process has it bound (VFIO_DEVICE_BIND_IOMMUFD). */
export function cdevLockPath(locksDir: string, name: string): string {
  return join(locksDir, `cdev-${name}.lock`);
}
