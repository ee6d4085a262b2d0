// Turning what the user typed into an open VFIO device: resolve the name against sysfs, check it is bound to VFIO,
// open it, and register the close with the command's cleanup. EBUSY becomes a BusyError naming the holding process and
// the node it holds (the group node or the device's cdev).
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { lookupDevice } from "../host/device-name.ts";
import { listDeviceNames, type HostDevice } from "../host/discovery.ts";
import { viabilityBlockers } from "../host/group-members.ts";
import { GroupNotViableError } from "../host/host-errors.ts";
import { VFIO_DRIVER_OF_BUS } from "../host/sysfs.ts";
import { VFIO_PCI_REGION_NAMES } from "../vfio/abi/constants.ts";
import { BusyError, DeviceNotFoundError } from "../vfio/errors.ts";
import { chooseIommuMode, openDevice, resolveGroupNode, type VfioSession } from "../vfio/session.ts";
import type { CliContext } from "./context.ts";

/** Find the device the user named. @throws UsageError, DeviceNotFoundError */
export async function findDevice(ctx: CliContext, spec: string): Promise<{ b: KernelBoundary; dev: HostDevice }> {
  const b = await ctx.boundary();
  try {
    return { b, dev: lookupDevice(b, spec) };
  } catch (e) {
    // On a machine with no device at all every name fails: say that instead (looked at only then, off the common path).
    if (!ctx.sim && listDeviceNames(b).length === 0) {
      throw new DeviceNotFoundError(
        "this machine shows no platform, AMBA or PCI devices",
        "run on the board itself, or use the simulated board: vfio-plat --sim ...",
      );
    }
    throw e;
  }
}

/** Open the named device for one command; closed by the context's cleanup. */
export async function openCliDevice(ctx: CliContext, spec: string): Promise<{ b: KernelBoundary; dev: HostDevice; session: VfioSession }> {
  const { b, dev } = await findDevice(ctx, spec);
  if (!dev.vfioBound) {
    throw new DeviceNotFoundError(
      `${dev.name} is not bound to VFIO (driver: ${dev.driver ?? "none"})`,
      `bind it first: vfio-plat bind ${dev.name} (to ${VFIO_DRIVER_OF_BUS[dev.bus]})`,
    );
  }
  // Both kernel paths refuse a group that is not viable (SET_CONTAINER and BIND_IOMMUFD: EPERM): name the members in the way.
  const blockers = viabilityBlockers(b, dev);
  if (blockers.length && dev.iommuGroup !== undefined) {
    throw new GroupNotViableError(dev.name, dev.iommuGroup, blockers.map((x) => ({ name: x.name, driver: x.driver! })));
  }
  try {
    // vfio-pci's regions have fixed meanings, so they get names (`read DEV CONFIG:0x0`); others use DT reg-names.
    const regionNames = dev.bus === "pci" ? VFIO_PCI_REGION_NAMES : dev.regNames;
    const session = openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name, regionNames, iommuMode: ctx.opts.iommuMode ?? "auto" });
    ctx.onCleanup(() => session.close());
    return { b, dev, session };
  } catch (e) {
    if (e instanceof BusyError) throw namedBusy(b, dev, chooseIommuMode(b, dev.sysfsPath, ctx.opts.iommuMode ?? "auto"), e);
    throw e;
  }
}

/**
 * The BusyError of a refused open, naming the process that holds the device through its group node or its cdev
 * (either blocks the other path); `e` itself when no other process is seen holding it (e.g. /proc not readable).
 */
function namedBusy(b: KernelBoundary, dev: HostDevice, mode: "group" | "iommufd", e: BusyError): BusyError {
  // Only a refused open needs to know who holds the device: its /proc scan loads then.
  const { deviceHolders } = require("../host/in-use.ts") as typeof import("../host/in-use.ts");
  const holders = deviceHolders(b, dev, process.pid);
  const first = holders[0];
  if (first === undefined || dev.iommuGroup === undefined) return e;
  // Holders come group node first: that is the node a busy group open or cdev bind met.
  const pids = holders.filter((h) => h.node === first.node).map((h) => h.pid);
  const cdevHeld = first.node.startsWith("/dev/vfio/devices/");
  const heldBy = `${cdevHeld ? `the cdev ${first.node}` : "the group"} is held by process ${pids.join(", ")}`;
  let what: string;
  if (mode === "group") what = `open ${resolveGroupNode(b, dev.iommuGroup)}: Device or resource busy (EBUSY)`;
  // The cdev path opens a device once: a second bind is EINVAL in the kernel, a busy device to the user.
  else if (cdevHeld) what = `bind ${first.node}: ${dev.name} is already open through its cdev (EBUSY; VFIO_DEVICE_BIND_IOMMUFD answers EINVAL)`;
  else what = `bind ${dev.name}'s cdev: the group ${first.node} is busy (EBUSY)`;
  return new BusyError(`cannot ${what}: ${heldBy}`, `wait for it to finish or stop it (kill ${pids[0]})`, pids[0]);
}
