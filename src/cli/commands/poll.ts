// `vfio-plat poll DEVICE ADDRESS VALUE[:MASK] [--timeout D] [--interval D]`: read a register or field (by name or
// offset) until it equals VALUE under MASK: exit 0 with the value, or 7 at the timeout naming the last value and the
// bits (and fields) that differ. The wait devmem users script by hand; a signal stops it between reads (130/143).
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { jsonDocument } from "../output/json.ts";
import { targetJson } from "../output/target-json.ts";
import { writeStdout } from "../output/stdio.ts";
import { pollTarget } from "../poll-register.ts";
import { regionOf } from "../resolve-access.ts";
import { checkRegister } from "../register-io.ts";
import { targetHex, targetLabel } from "../target-io.ts";
import { openTarget } from "../open-target.ts";
import { physJson } from "../physical-address.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"poll">): Promise<number> {
  const { device, target, value, mask, phys } = await openTarget(ctx, "poll", args, options);
  const region = regionOf(device, target.access);
  checkRegister(region, Number(target.access.offset), target.access.width);
  const r = await pollTarget(device, target, value, mask, { timeoutMs: options.timeout, intervalMs: options.interval, signal: ctx.abort.signal });
  const label = targetLabel(target, region.index);
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: device.name,
        ...physJson(phys),
        ...targetJson(target, region.index, r.value),
        reads: r.reads,
      }),
    );
  } else {
    writeStdout(`${label} = ${targetHex(target, r.value)} after ${r.reads} read${r.reads === 1 ? "" : "s"}\n`);
  }
  return 0;
}
