// `vfio-plat reset DEVICE`: VFIO_DEVICE_RESET. vfio-platform has reset functions only for a few devices; for the rest
// the kernel answers EINVAL, which we report as "unsupported" before asking.
import type { CliContext } from "../context.ts";
import { openCliDevice } from "../device-session.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  const { session } = await openCliDevice(ctx, args[0]!);
  session.device.reset();
  if (ctx.json) writeStdout(jsonDocument({ device: session.device.name, reset: true }));
  else writeStdout(`${session.device.name}: reset\n`);
  return 0;
}
