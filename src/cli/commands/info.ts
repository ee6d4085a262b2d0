// `vfio-plat info DEVICE`: what VFIO reports for the device (flags, regions, interrupts), plus whether each region
// flagged MMAP could really be mapped (lsuio -m: trust, but try).
import { flagNames } from "../../vfio/abi/constants.ts";
import type { CliContext } from "../context.ts";
import { openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { formatTable } from "../output/table.ts";

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  const { dev, session } = await openCliDevice(ctx, args[0]!);
  const device = session.device;
  const info = device.info();
  const regions = device.regions().map((r) => {
    const mmap = r.mappable ? r.tryMap() : undefined;
    r.unmap();
    return { r, mmap };
  });
  const irqs = device.irqs();
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: device.name,
        bus: dev.bus,
        driver: dev.driver ?? null,
        api: info.api,
        flags: info.flagNames,
        iommu_group: session.groupId,
        group_node: session.group.path,
        noiommu: session.noiommu,
        regions: regions.map(({ r, mmap }) => ({
          index: r.index,
          name: r.name ?? null,
          size: r.size,
          offset: `0x${r.info.offset.toString(16)}`,
          flags: r.flagNames,
          mmap_tested: mmap ? mmap.ok : null,
        })),
        irqs: irqs.map((i) => ({
          index: i.index,
          count: i.info.count,
          flags: flagNames("irq", i.info.flags),
          trigger: i.level ? "level" : "edge",
        })),
      }),
    );
    return 0;
  }
  const out: string[] = [];
  out.push(`${device.name}: ${info.api}, flags ${hex(info.flags, 4)} (${info.flagNames.join("|") || "none"})`);
  out.push(`  IOMMU group ${session.groupId} (${session.group.path})${session.noiommu ? ", noiommu: no DMA isolation" : ""}`);
  out.push(`  ${info.numRegions} region(s):`);
  const regionRows = regions.map(({ r, mmap }) => [
    `  ${r.index}`,
    r.name ?? "-",
    `size 0x${r.size.toString(16)}`,
    `offset 0x${r.info.offset.toString(16)}`,
    r.flagNames.join("|") || "none",
    mmap === undefined ? "" : mmap.ok ? "mmap ok" : `mmap FAILED (${mmap.error})`,
  ]);
  out.push(...formatTable(regionRows));
  out.push(`  ${info.numIrqs} interrupt(s):`);
  const irqRows = irqs.map((i) => [
    `  ${i.index}`,
    `count ${i.info.count}`,
    i.level ? "level" : "edge",
    flagNames("irq", i.info.flags).join("|") || "none",
  ]);
  out.push(...formatTable(irqRows));
  writeStdout(`${out.join("\n")}\n`);
  return 0;
}
