// The devices a `bind` or `unbind` names: DEVICE... or --group-of DEVICE (every device of its IOMMU group, as sysfs
// lists them), each resolved and checked (unknown, named twice) before anything is touched.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { resolveDevice } from "../host/device-name.ts";
import { listDevices, type HostDevice } from "../host/discovery.ts";
import { groupBindMembers, groupMembers, type GroupSkip } from "../host/group-members.ts";
import { DeviceNotFoundError } from "../vfio/errors.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

export interface BindTargets {
  b: KernelBoundary;
  devs: HostDevice[];
  /** With --group-of: the group, and members on buses this tool does not handle (left as they are). */
  group?: { id: number; others: string[]; /** bind only: members left alone (a PCI bridge, a DMA-owner-free driver) */ skipped: GroupSkip[] };
}

/** @throws UsageError (no device, both forms, a device named twice, --group-of a device without a group), DeviceNotFoundError */
export async function bindTargets(ctx: CliContext, command: "bind" | "unbind", args: readonly string[], groupOf: string | undefined): Promise<BindTargets> {
  if (groupOf !== undefined && args.length > 0) {
    throw new UsageError(`${command} takes device names or --group-of, not both`, `vfio-plat ${command} --group-of ${groupOf}, or name every device`);
  }
  if (groupOf === undefined && args.length === 0) {
    throw new UsageError(`${command} needs a device`, `vfio-plat ${command} DEVICE [DEVICE...], or vfio-plat ${command} --group-of DEVICE`);
  }
  const b = await ctx.boundary();
  const all = listDevices(b);
  if (all.length === 0 && !ctx.sim) {
    throw new DeviceNotFoundError(
      "this machine shows no platform, AMBA or PCI devices",
      "run on the board itself, or use the simulated board: vfio-plat --sim ...",
    );
  }
  if (groupOf !== undefined) {
    const dev = resolveDevice(groupOf, all);
    if (dev.iommuGroup === undefined) {
      throw new UsageError(`${dev.name} is in no IOMMU group, so --group-of has no group to take`, `name it instead: vfio-plat ${command} ${dev.name}`);
    }
    const m = groupMembers(b, dev, all);
    // bind moves only the members that need it: a bridge cannot go to vfio-pci, and pcieport/pci-stub keep it viable.
    const { bind, skipped } = command === "bind" ? groupBindMembers(m.devices) : { bind: m.devices, skipped: [] };
    return { b, devs: bind, group: { id: dev.iommuGroup, others: m.others, skipped } };
  }
  const devs: HostDevice[] = [];
  for (const spec of args) {
    const d = resolveDevice(spec, all);
    const twice = devs.find((x) => x.bus === d.bus && x.name === d.name);
    if (twice) throw new UsageError(`${d.name} is named twice${spec !== d.name ? ` ('${spec}')` : ""}`, "name each device once");
    devs.push(d);
  }
  return { b, devs };
}
