// `vfio-plat unbind DEVICE`: take a device away from VFIO and give it back to the driver it had before `bind`.
import { unbindDevice } from "../../host/bind.ts";
import type { CliContext } from "../context.ts";
import { findDevice } from "../device-session.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  const { b, dev } = await findDevice(ctx, args[0]!);
  const from = dev.driver;
  const r = unbindDevice(b, dev, { stateDir: ctx.stateDir() });
  if (ctx.json) {
    writeStdout(jsonDocument({ device: dev.name, unbound_from: from ?? null, driver: r.restoredDriver ?? null }));
  } else {
    writeStdout(`${dev.name}: unbound from ${from}, ${r.restoredDriver ? `back on ${r.restoredDriver}` : "left without a driver"}\n`);
  }
  return 0;
}
