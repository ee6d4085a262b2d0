// `vfio-plat run DEVICE [SCRIPT|-]` / `-e 'line; line'`: open the device once and run a script of steps (see
// script/parse-script.ts). The script comes from exactly one source, and is parsed and checked whole (flow before the
// device is opened, addresses and interrupts right after) before its first step. A signal stops it before the next
// step: exit 130/143/129, and with --json an `end` record naming the signal.
import { readFile } from "node:fs/promises";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { openCliDevice } from "../device-session.ts";
import { unlessStopped } from "../interrupt.ts";
import { JsonLinesWriter } from "../output/json.ts";
import { dmaInFlightNotice } from "../output/notices.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { checkScriptFlow, checkScriptOnDevice } from "../script/check-script.ts";
import { parseScript } from "../script/parse-script.ts";
import { runScript, type ScriptProgress } from "../script/run-script.ts";
import { resolveScriptNames, scriptUsesNames } from "../script/resolve-names.ts";
import { resolveScriptPhysical } from "../script/resolve-physical.ts";
import { deviceMap, refineDeviceMap } from "../named-address.ts";
import { strerror } from "../../boundary/errno.ts";
import { InterruptedError, interruptedOf, UsageError } from "../usage-error.ts";

const SOURCES = "give the script once: a FILE, - (stdin), or one -e 'line; line'";

/** Where the script comes from: a file, stdin, or -e text. Two sources, or -e twice, are refused (never one dropped). */
type ScriptSource = { file: string } | { stdin: true } | { inline: string };

function scriptSource(given: string | undefined, stdinDash: boolean, inline: string | undefined): ScriptSource {
  const named = [given !== undefined ? `FILE '${given}'` : undefined, stdinDash ? "- (stdin)" : undefined, inline !== undefined ? "-e" : undefined]
    .filter((x) => x !== undefined);
  if (named.length > 1) throw new UsageError(`two script sources: ${named.join(" and ")}`, SOURCES);
  if (inline !== undefined) return { inline };
  if (stdinDash) return { stdin: true };
  if (given !== undefined) return { file: given };
  throw new UsageError("run needs a script", "vfio-plat run DEVICE FILE, run DEVICE - (stdin), or -e 'line; line'");
}

/** The script's text. Reads are asynchronous so a signal while stdin is still open ends the command at once. */
async function readScript(src: ScriptSource, signal: AbortSignal): Promise<string> {
  if ("inline" in src) return src.inline.split(";").join("\n");
  const name = "file" in src ? src.file : "stdin";
  try {
    return await unlessStopped("file" in src ? readFile(src.file, "utf8") : Bun.stdin.text(), signal);
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    const code = (e as { code?: unknown }).code;
    const why = typeof code === "string" && /^E[A-Z]+$/.test(code) ? `${strerror(code)} (${code})` : (e as Error).message;
    throw new UsageError(`cannot read script ${name}: ${why}`, "check the path, or pass the script with -e");
  }
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"run">): Promise<number> {
  const [deviceSpec, script] = args;
  // The command-line scanner keeps "-" as a positional and every -e value as typed, and refuses -e given twice.
  const inline = options.execute;
  const src = scriptSource(script === "-" ? undefined : script, script === "-", inline);
  const lines = parseScript(await readScript(src, ctx.abort.signal));
  // Nothing to run is almost always a mistake (`-e "$STEPS"` with STEPS unset, the wrong file): say so, touch nothing.
  if (lines.length === 0) {
    const from = "inline" in src ? "-e" : "stdin" in src ? "stdin" : `'${src.file}'`;
    throw new UsageError(`the script from ${from} has no steps (only blank lines and comments)`, "give at least one step, e.g. -e 'read 0:0x0'");
  }
  checkScriptFlow(lines);
  const { b, dev, session } = await openCliDevice(ctx, deviceSpec!);
  // The map names registers, tells a dump which registers it must not read (unless --read-clear) and a masked write
  // at an offset which bits of the register it hits are write-1-to-clear.
  const hasDump = lines.some(({ step }) => step.op === "read" && step.count !== undefined);
  const hasMasked = lines.some(({ step }) => step.op === "write" && step.mask !== undefined);
  const dm = scriptUsesNames(lines) || options.regs !== undefined || hasMasked || (hasDump && !options.readClear) ? refineDeviceMap(deviceMap(b, dev.name, options.regs), session.device) : undefined;
  resolveScriptNames(lines, dm, dev.name);
  resolveScriptPhysical(lines, b, dev);
  checkScriptOnDevice(session.device, lines, session.dma);
  const jl = ctx.json ? new JsonLinesWriter() : undefined;
  jl?.line({ type: "start", device: session.device.name, steps: lines.length });
  const progress: ScriptProgress = { done: 0 };
  try {
    await runScript(
      session.device,
      lines,
      {
        json: ctx.json,
        text: (l) => writeStdout(`${l}\n`),
        record: (r) => jl?.line(r),
      },
      ctx.abort.signal,
      { b, space: session.dma, inFlightWarning: (why) => writeStderr(dmaInFlightNotice(session.device.name, why, ctx.json)) },
      progress,
      { ...(dm ? { map: dm.map } : {}), force: options.force === true, readClear: options.readClear === true },
    );
  } catch (caught) {
    const e = interruptedOf(caught);
    if (e instanceof InterruptedError) jl?.line({ type: "end", reason: "signal", signal: e.signal, steps: progress.done });
    throw e;
  }
  jl?.line({ type: "end", reason: "done", steps: lines.length });
  return 0;
}
