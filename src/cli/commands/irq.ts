// `vfio-plat irq DEVICE [INDEX]`: arm an interrupt on an eventfd and report each wakeup, gpiomon-style: an "armed"
// record first (so a script knows when to fire), one line per wakeup with the eventfd's coalesced count, level
// interrupts unmasked after each event, exit 7 when --timeout passes before --count wakeups, and Ctrl-C disables the
// interrupt and closes everything before exiting 130.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { openCliDevice } from "../device-session.ts";
import { JsonLinesWriter, jsonNanoseconds } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { parseU32 } from "../parse/numbers.ts";
import { formatPeriod } from "../parse/periods.ts";
import { TimeoutError } from "../../vfio/errors.ts";
import { InterruptedError, interruptedOf } from "../usage-error.ts";

function seconds(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${s}.${frac}`;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"irq">): Promise<number> {
  const [deviceSpec, indexText] = args;
  const index = indexText === undefined ? 0 : parseU32(indexText, "interrupt index");
  const want = options.count;
  const timeoutMs = options.timeout ?? -1;
  const { session } = await openCliDevice(ctx, deviceSpec!);
  const irq = session.device.irq(index);
  const name = session.device.name;
  const jl = ctx.json ? new JsonLinesWriter() : undefined;

  irq.enable();
  const trigger = irq.level ? "level" : "edge";
  if (jl) jl.line({ type: "armed", device: name, index, trigger, eventfd: true, clock: "realtime" });
  else writeStdout(`${name} irq ${index}: armed (${trigger}${irq.level ? ", unmasked after each event" : ""})\n`);
  if (!jl && process.stderr.isTTY) {
    writeStderr(`waiting for interrupt ${index} on ${name}${timeoutMs >= 0 ? ` (timeout ${formatPeriod(timeoutMs)})` : ""}…\n`);
  }
  if (options.trigger) irq.trigger();

  const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
  let events = 0;
  let reason: "count" | "timeout" | "signal" = "count";
  try {
    while (want === 0 || events < want) {
      const remaining = deadline === Infinity ? -1 : Math.max(0, deadline - performance.now());
      const ev = await irq.wait(remaining, { signal: ctx.abort.signal, autoUnmask: true });
      if (!ev) {
        reason = "timeout";
        break;
      }
      events++;
      if (jl) jl.line({ type: "irq", index, count: Number(ev.count), t_ns: jsonNanoseconds(ev.tNs) });
      else writeStdout(`${name} irq ${index}: count ${ev.count} at ${seconds(ev.tNs)}\n`);
    }
  } catch (caught) {
    const e = interruptedOf(caught);
    if (e instanceof InterruptedError) {
      irq.disable();
      jl?.line({ type: "end", reason: "signal", signal: e.signal, events });
    }
    throw e;
  }
  irq.disable();
  jl?.line({ type: "end", reason, events });
  if (reason === "timeout" && (want === 0 ? events === 0 : events < want)) {
    throw new TimeoutError(`no interrupt ${index} on ${name} within ${formatPeriod(timeoutMs)} (${events} of ${want || "≥1"} wakeups)`);
  }
  return 0;
}
