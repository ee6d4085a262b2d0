// `vfio-plat run DEVICE [SCRIPT|-]` / `-e 'line; line'`: open the device once and run a script of steps (see
// script/parse-script.ts). The whole script is parsed before the device is opened.
import { readFileSync } from "node:fs";
import type { CliContext } from "../context.ts";
import { openCliDevice } from "../device-session.ts";
import { JsonLinesWriter } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { parseScript } from "../script/parse-script.ts";
import { runScript } from "../script/run-script.ts";
import { UsageError } from "../../vfio/errors.ts";

function readScript(source: string | undefined, inline: unknown): string {
  if (typeof inline === "string") return inline.split(";").join("\n");
  if (source === undefined) throw new UsageError("run needs a script", "vfio-plat run DEVICE FILE, run DEVICE - (stdin), or -e 'line; line'");
  try {
    return readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read script ${source}: ${(e as Error).message}`);
  }
}

export async function run(ctx: CliContext, args: string[], options: Record<string, unknown>): Promise<number> {
  const [deviceSpec, given] = args;
  // cac drops a lone "-" (stdin) from the positionals; take it from the raw command line.
  const raw = options.rawArgs as string[] | undefined;
  const source = given ?? (raw?.includes("-") ? "-" : undefined);
  const lines = parseScript(readScript(source, options.execute ?? options.e));
  const { b, session } = await openCliDevice(ctx, deviceSpec!);
  const jl = ctx.json ? new JsonLinesWriter() : undefined;
  jl?.line({ type: "start", device: session.device.name, steps: lines.length });
  await runScript(
    session.device,
    lines,
    {
      json: ctx.json,
      text: (l) => writeStdout(`${l}\n`),
      record: (r) => jl?.line(r),
    },
    ctx.abort.signal,
    { b, space: session.dma },
  );
  jl?.line({ type: "end", reason: "done", steps: lines.length });
  return 0;
}
