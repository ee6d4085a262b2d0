// Turning what the user typed into an open VFIO device: resolve the name against sysfs, check it is bound to VFIO,
// open it, and register the close with the command's cleanup. EBUSY becomes a BusyError naming the holding process.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { resolveDevice } from "../host/device-name.ts";
import { listDevices, type HostDevice } from "../host/discovery.ts";
import { groupHolders } from "../host/in-use.ts";
import { VFIO_DRIVER_OF_BUS } from "../host/sysfs.ts";
import { VFIO_PCI_REGION_NAMES } from "../vfio/abi/constants.ts";
import { BusyError, DeviceNotFoundError } from "../vfio/errors.ts";
import { chooseIommuMode, openDevice, resolveGroupNode, type VfioSession } from "../vfio/session.ts";
import type { CliContext } from "./context.ts";

/** Find the device the user named. @throws UsageError, DeviceNotFoundError */
export async function findDevice(ctx: CliContext, spec: string): Promise<{ b: KernelBoundary; dev: HostDevice }> {
  const b = await ctx.boundary();
  const devices = listDevices(b);
  if (devices.length === 0 && !ctx.sim) {
    throw new DeviceNotFoundError(
      "this machine shows no platform, AMBA or PCI devices",
      "run on the board itself, or use the simulated board: vfio-plat --sim ...",
    );
  }
  return { b, dev: resolveDevice(spec, devices) };
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
  try {
    // vfio-pci's regions have fixed meanings, so they get names (`read DEV CONFIG:0x0`); others use DT reg-names.
    const regionNames = dev.bus === "pci" ? VFIO_PCI_REGION_NAMES : dev.regNames;
    const session = openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name, regionNames, iommuMode: ctx.opts.iommuMode ?? "auto" });
    ctx.onCleanup(() => session.close());
    return { b, dev, session };
  } catch (e) {
    if (e instanceof BusyError && dev.iommuGroup !== undefined) {
      const node = resolveGroupNode(b, dev.iommuGroup);
      const pids = groupHolders(b, node).filter((p) => p !== process.pid);
      if (pids.length) {
        const cdev = chooseIommuMode(b, dev.sysfsPath, ctx.opts.iommuMode ?? "auto") === "iommufd";
        const what = cdev ? `bind ${dev.name}'s cdev: the group ${node} is busy (EBUSY)` : `open ${node}: Device or resource busy (EBUSY)`;
        throw new BusyError(
          `cannot ${what}: the group is held by process ${pids.join(", ")}`,
          `wait for it to finish or stop it (kill ${pids[0]})`,
          pids[0],
        );
      }
    }
    throw e;
  }
}
