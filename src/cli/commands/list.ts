// `vfio-plat list`: every platform/AMBA device with its driver ([*] when driver_override forces it), IOMMU group,
// VFIO node and device-tree identity. `--names` prints bare names for shell completion.
import { listDeviceNames, listDevices } from "../../host/discovery.ts";
import type { CliContext } from "../context.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { formatTable } from "../output/table.ts";

export async function run(ctx: CliContext, _args: string[], options: Record<string, unknown>): Promise<number> {
  const b = await ctx.boundary();
  if (options.names) {
    const names = listDeviceNames(b);
    writeStdout(names.length ? `${names.join("\n")}\n` : "");
    return 0;
  }
  const devices = listDevices(b);
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        backend: b.kind,
        devices: devices.map((d) => ({
          name: d.name,
          bus: d.bus,
          driver: d.driver ?? null,
          driver_override: d.override ?? null,
          iommu_group: d.iommuGroup ?? null,
          vfio: d.vfioBound,
          group_node: d.groupNode ?? null,
          compatible: d.compatible,
          reg_names: d.regNames,
        })),
      }),
    );
    return 0;
  }
  const c = ctx.colors.stdout;
  const rows = devices.map((d) => [
    c.bold(d.name),
    d.bus,
    `${d.vfioBound ? c.green(d.driver!) : (d.driver ?? c.dim("(none)"))}${d.override ? c.yellow(" [*]") : ""}`,
    d.iommuGroup === undefined ? "-" : String(d.iommuGroup),
    d.groupNode ?? "-",
    d.compatible.join(",") || "-",
    d.regNames.join(",") || "-",
  ]);
  const lines = formatTable(rows, { header: ["DEVICE", "BUS", "DRIVER", "GROUP", "NODE", "COMPATIBLE", "REG-NAMES"] });
  writeStdout(`${lines.join("\n")}\n`);
  if (devices.some((d) => d.override)) writeStdout("[*] driver_override is set\n");
  return 0;
}
