// The plan binds one device at a time, so two plan devices in one IOMMU group cannot both be tested by it: each one's
// steps would run while its group mate is still on its kernel driver (the group is not viable; the kernel's cdev path
// refuses the open too). Until the runner binds per group, such a plan is refused before anything runs.
import type { HostDevice } from "../../host/discovery.ts";
import { UsageError } from "../usage-error.ts";
import type { Plan } from "./plan-types.ts";

/**
 * Refuse `plan` when two different devices of it share an IOMMU group and the plan would bind one of them (a device
 * already on VFIO, or given `bind: false`, is the user's: the group is then as viable as the user made it).
 * @param devs each plan device as resolved on the board, in plan order
 * @throws UsageError (exit 2) naming the group, its devices and the fix
 */
export function checkGroupMates(plan: Plan, devs: readonly HostDevice[]): void {
  const groups = new Map<number, number[]>();
  devs.forEach((d, i) => {
    if (d.iommuGroup !== undefined) groups.set(d.iommuGroup, [...(groups.get(d.iommuGroup) ?? []), i]);
  });
  for (const [group, members] of groups) {
    const names = [...new Set(members.map((i) => devs[i]!.name))];
    if (names.length < 2) continue;
    const binds = members.filter((i) => plan.devices[i]!.bind !== false && !devs[i]!.vfioBound);
    if (binds.length === 0) continue;
    const first = plan.devices[binds[0]!]!;
    throw new UsageError(
      `${first.at}: ${names.join(" and ")} share IOMMU group ${group}: the plan binds one device at a time, so each one's steps would run with the other still on its kernel driver`,
      `bind the group first (${names.map((n) => `vfio-plat bind ${n}`).join("; ")}) and give each of them bind: false in the plan`,
    );
  }
}
