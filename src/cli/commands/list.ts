// `vfio-plat list`: every platform/AMBA/PCI device with its driver ([*] when driver_override forces it), IOMMU group,
// VFIO node and identity: device-tree compatible and reg-names, or a PCI function's [vendor:device] ids (lspci -nn).
// `--names` prints bare names for shell completion. Filters (bus, driver, compatible glob, VFIO or not, IOMMU group,
// device names) combine with AND; a filter that matches nothing prints nothing and exits 0, like `lspci -d`. Lists in a cell are joined with `|` (a compatible holds commas).
import { listDeviceNames, listDevices, pciIdText } from "../../host/discovery.ts";
import { filterDevices } from "../../host/device-filter.ts";
import { persistentDeviceKeys } from "../../host/persist-bind.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { formatTable } from "../output/table.ts";
import { escapeUnsafe } from "../output/safe-text.ts";

/**
 * One table cell for a list of strings (compatibles, reg-names): joined with `|`, which no compatible contains (a
 * compatible is "vendor,model", so commas cannot separate them) and which keeps the cell one whitespace-free column.
 * An entry that holds `|`, `"`, whitespace or a control character is shown JSON-quoted so the cell stays unambiguous.
 */
export function listCell(items: readonly string[]): string {
  if (items.length === 0) return "-";
  return items.map((s) => (s === "" || /[|"\s\p{Cc}]/u.test(s) ? JSON.stringify(s) : s)).join("|");
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"list">): Promise<number> {
  const b = await ctx.boundary();
  const filtered = args.length > 0 || [options.bus, options.driver, options.compatible, options.vfio, options.group].some((v) => v !== undefined);
  if (options.names && !filtered) {
    // Completion's path: names only, without describing every device.
    const names = listDeviceNames(b);
    writeStdout(names.length ? `${names.join("\n")}\n` : "");
    return 0;
  }
  const devices = filterDevices(listDevices(b), {
    bus: options.bus,
    driver: options.driver,
    compatible: options.compatible,
    vfio: options.vfio,
    iommuGroup: options.group,
    names: args,
  });
  if (options.names) {
    writeStdout(devices.length ? `${devices.map((d) => d.name).join("\n")}\n` : "");
    return 0;
  }
  // bind --persist's udev rules: a device with one is bound again at boot ([p]).
  const persistent = persistentDeviceKeys(b);
  const isPersistent = (d: { bus: string; name: string }) => persistent.has(`${d.bus}-${d.name}`);
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
          iommu: d.iommu ? { name: d.iommu.name, stream_ids: d.iommu.streamIds } : null,
          vfio: d.vfioBound,
          group_node: d.groupNode ?? null,
          persistent: isPersistent(d),
          compatible: d.compatible,
          reg_names: d.regNames,
          ...(d.bus === "pci"
            ? {
                pci: d.pci
                  ? { vendor: `0x${d.pci.vendor.toString(16).padStart(4, "0")}`, device: `0x${d.pci.device.toString(16).padStart(4, "0")}`, class: `0x${d.pci.class.toString(16).padStart(6, "0")}` }
                  : null,
              }
            : {}),
        })),
      }),
    );
    return 0;
  }
  if (devices.length === 0 && filtered) return 0; // nothing matched: no header either, as lspci -d prints nothing
  const c = ctx.colors.stdout;
  // Names, drivers and compatibles come from sysfs (or a simulated board's state file): shown escaped, never raw.
  const e = escapeUnsafe;
  const rows = devices.map((d) => [
    c.bold(e(d.name)),
    d.bus,
    `${d.vfioBound ? c.green(e(d.driver!)) : d.driver !== undefined ? e(d.driver) : c.dim("(none)")}${d.override ? c.yellow(" [*]") : ""}${isPersistent(d) ? c.cyan(" [p]") : ""}`,
    d.iommuGroup === undefined ? "-" : String(d.iommuGroup),
    e(d.groupNode ?? "-"),
    d.pci ? `[${pciIdText(d.pci)}]` : e(listCell(d.compatible)),
    e(listCell(d.regNames)),
  ]);
  const lines = formatTable(rows, { header: ["DEVICE", "BUS", "DRIVER", "GROUP", "NODE", "COMPATIBLE", "REG-NAMES"] });
  writeStdout(`${lines.join("\n")}\n`);
  // Masters the device tree gives stream IDs: which IOMMU, which IDs (their group holds all of them).
  for (const d of devices) {
    if (d.iommu && d.iommu.streamIds.length > 0) {
      const n = d.iommu.streamIds.length;
      writeStdout(`${e(d.name)}: behind ${e(d.iommu.name)}, group ${d.iommuGroup ?? "-"}, ${n} stream ID${n === 1 ? "" : "s"} (${d.iommu.streamIds.map((x) => `0x${x.toString(16)}`).join(" ")})\n`);
    }
  }
  if (devices.some((d) => d.override)) writeStdout("[*] driver_override is set\n");
  if (devices.some(isPersistent)) writeStdout("[p] bound again at boot (bind --persist)\n");
  return 0;
}
