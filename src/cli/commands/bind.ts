// `vfio-plat bind DEVICE`: hand a device to vfio-platform / vfio-amba as a reversible transaction (see host/bind.ts).
import { bindDevice } from "../../host/bind.ts";
import type { CliContext } from "../context.ts";
import { findDevice } from "../device-session.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";

export async function run(ctx: CliContext, args: string[], options: Record<string, unknown>): Promise<number> {
  const { b, dev } = await findDevice(ctx, args[0]!);
  const r = bindDevice(b, dev, {
    stateDir: ctx.stateDir(),
    force: options.force === true,
    ...(typeof options.driver === "string" ? { driver: options.driver } : {}),
  });
  const d = r.device;
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: d.name,
        outcome: r.outcome,
        driver: d.driver ?? null,
        previous_driver: r.previousDriver ?? null,
        iommu_group: d.iommuGroup ?? null,
        group_node: r.groupNode ?? null,
      }),
    );
  } else if (r.outcome === "already") {
    writeStderr(`vfio-plat: notice: ${d.name} is already bound to ${d.driver}${r.groupNode ? ` (${r.groupNode})` : ""}\n`);
  } else {
    writeStdout(`${d.name}: bound to ${d.driver} (was ${r.previousDriver ?? "unbound"}), group ${d.iommuGroup ?? "-"}: ${r.groupNode ?? "-"}\n`);
  }
  return 0;
}
