// `vfio-plat watch DEVICE ADDRESS... [--interval D] [--count N]`: read every ADDRESS (an offset, a register, a field,
// or a physical address `@0x...`; DEVICE may be left out before physical ones) in one open session every interval, as watch(1) over a devmem loop would. On a terminal the frame is redrawn
// in place with the bits that changed highlighted; on a pipe one line per sample, with --json one JSON object per
// sample. A read-to-clear register is refused unless --read-clear (every sample would clear it). Ends after N samples
// (0), on a signal (130/143, the session closed first) or at a device error (its exit code).
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { sleepUnlessStopped, checkpoint } from "../interrupt.ts";
import { deviceMap, readClearIn, refineDeviceMap, refuseWriteOnlyRead, resolveTarget } from "../named-address.ts";
import { JsonLinesWriter } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { isTerminal } from "../output/terminal.ts";
import { checkRegister } from "../register-io.ts";
import { regionOf } from "../resolve-access.ts";
import { readTarget, targetLabel } from "../target-io.ts";
import { UsageError } from "../usage-error.ts";
import { Redraw } from "../watch/redraw.ts";
import { watchAddresses } from "../watch/watch-addresses.ts";
import { nextTick } from "../watch/tick-schedule.ts";
import { renderFrame, sampleJson, sampleLine, type Sample, type Watched } from "../watch/watch-render.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"watch">): Promise<number> {
  // Physical addresses become offsets on the device covering them before anything is opened.
  const { device: deviceSpec, refs } = await watchAddresses(ctx, args, options);
  const count = options.count === undefined ? 0 : Number(options.count);
  const intervalMs = options.interval;
  const { b, dev } = await findDevice(ctx, deviceSpec);
  // The map is always wanted: names need it, and an offset that hits a read-to-clear register must be refused too.
  const found = deviceMap(b, dev.name, options.regs);
  const { session } = await openCliDevice(ctx, deviceSpec);
  const device = session.device;
  const dm = refineDeviceMap(found, device);
  const watched: Watched[] = refs.map(({ ref, phys }) => {
    const target = resolveTarget(ref, dm, dev.name);
    refuseWriteOnlyRead(target, "watch");
    const region = regionOf(device, target.access);
    checkRegister(region, Number(target.access.offset), target.access.width);
    const rc = readClearIn(dm, region.index, target.access.offset, target.access.width, 1).get(0);
    const label = targetLabel(target, region.index);
    if (rc && !options.readClear) {
      throw new UsageError(
        `${label === rc.name ? label : `${label} (${rc.name})`} is read-to-clear (RC): every sample would clear what it holds`,
        "watch a register whose read changes nothing, or give --read-clear to read it anyway",
      );
    }
    return { target, region: region.index, ...(phys ? { phys } : {}) };
  });

  const tty = !ctx.json && isTerminal(1);
  const redraw = new Redraw(tty ? process.stdout.columns : undefined);
  const chalk = ctx.colors.stdout;
  const jsonl = new JsonLinesWriter();
  const start = performance.now();
  let tick = 0;
  let prev: Sample | undefined;
  for (let n = 1; ; n++) {
    await checkpoint(ctx.abort.signal);
    const sample: Sample = { at: new Date(), n, values: watched.map((w) => readTarget(device, w.target).value) };
    if (ctx.json) jsonl.line(sampleJson(device.name, watched, sample, prev));
    else if (tty) writeStdout(redraw.frame(renderFrame(device.name, watched, sample, prev, { intervalMs, ...(count ? { count } : {}), chalk })));
    else writeStdout(`${sampleLine(watched, sample)}\n`);
    prev = sample;
    if (count !== 0 && n >= count) return 0;
    const next = nextTick(start, intervalMs, tick, performance.now());
    tick = next.tick;
    await sleepUnlessStopped(next.delayMs, ctx.abort.signal);
  }
}
