// `vfio-plat expect DEVICE ADDRESS VALUE[:MASK]`: read a register or field (by name or offset) once and fail with
// exit 8 (VERIFY_FAILED, as the `run` verb) unless it equals VALUE under MASK, naming the bits and fields that differ.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { jsonDocument } from "../output/json.ts";
import { targetJson } from "../output/target-json.ts";
import { writeStdout } from "../output/stdio.ts";
import { expectTarget } from "../poll-register.ts";
import { regionOf } from "../resolve-access.ts";
import { checkRegister } from "../register-io.ts";
import { targetHex, targetLabel } from "../target-io.ts";
import { openTarget } from "../open-target.ts";
import { physJson } from "../physical-address.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"expect">): Promise<number> {
  const { device, target, value, mask, phys } = await openTarget(ctx, "expect", args, options);
  const region = regionOf(device, target.access);
  checkRegister(region, Number(target.access.offset), target.access.width);
  const c = expectTarget(device, target, value, mask);
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: device.name,
        ...physJson(phys),
        ...targetJson(target, region.index, c.value),
        ok: true,
      }),
    );
  } else {
    writeStdout(`${targetLabel(target, region.index)} = ${targetHex(target, c.value)} as expected\n`);
  }
  return 0;
}
