// `info DEVICE` when the device's IOMMU group is not viable: VFIO will not open it, so regions and interrupts are
// unknown, but sysfs still tells its bus, driver, group and the group's members with their drivers. info prints those,
// then the refusal (exit 1) names the members in the way and the fix.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import type { HostDevice } from "../host/discovery.ts";
import { blocksViability, groupMembers } from "../host/group-members.ts";
import type { CliContext } from "./context.ts";
import { jsonDocument } from "./output/json.ts";
import { writeStdout } from "./output/stdio.ts";
import { formatTable } from "./output/table.ts";

/** Print what sysfs knows of `dev` and its group (text or JSON); the caller then throws the refusal. */
export function printUnopenedInfo(ctx: CliContext, b: KernelBoundary, dev: HostDevice): void {
  const { devices, others } = groupMembers(b, dev);
  const members = devices.map((d) => ({ name: d.name, driver: d.driver ?? null, blocks: blocksViability(d.driver) }));
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: dev.name,
        bus: dev.bus,
        driver: dev.driver ?? null,
        iommu_group: dev.iommuGroup ?? null,
        viable: false,
        group_members: members.map((m) => ({ device: m.name, driver: m.driver, blocks_viability: m.blocks })),
        other_members: others,
        regions: null,
        irqs: null,
      }),
    );
    return;
  }
  const out = [`${dev.name}: ${dev.bus} device on ${dev.driver ?? "no driver"}, IOMMU group ${dev.iommuGroup ?? "-"} (not viable: VFIO will not open it)`];
  out.push(`  group ${dev.iommuGroup ?? "-"} members:`);
  out.push(...formatTable(members.map((m) => [`  ${m.name}`, m.driver ?? "no driver", m.blocks ? "in the way (a kernel driver owns its DMA)" : "free for VFIO"])));
  for (const o of others) out.push(`  ${o}  (not a platform, AMBA or PCI device: not checked)`);
  out.push("  regions and interrupts: unknown until the group is viable");
  writeStdout(`${out.join("\n")}\n`);
}
