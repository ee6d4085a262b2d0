// `vfio-plat pl330 exec DEVICE PROGRAM`: run your own PL330 program on one channel. The program (assembly text, or a
// binary) goes into a buffer the device may only read, the `--buffer`s are mapped (or pinned on noiommu) and named for
// the assembler, the channel starts through the debug registers, and the report gives its final registers, the
// events raised and each buffer's digest. Exit 0 when it stopped cleanly, 1 on a fault, 7 on timeout (DMAKILL); the
// buffers are freed only once the channel is seen Stopped (else kept, exit 1).
import { Pl330Driver } from "../../drivers/pl330/driver.ts";
import { PL330_COMPATIBLE, Pl330Error } from "../../drivers/pl330/errors.ts";
import type { ProgramRunOutcome } from "../../drivers/pl330/program-run.ts";
import { TimeoutError, UnsupportedError } from "../../vfio/errors.ts";
import type { OptionsOf } from "../command-options.ts";
import type { CliContext } from "../context.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { DmaFaultError } from "../dma-test/report.ts";
import { pl330InWords } from "../dma-test/pl330-words.ts";
import { hexAddr } from "../output/hex.ts";
import { dmaInFlightNotice, dmaKeptNotice } from "../output/notices.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { formatPeriod } from "../parse/periods.ts";
import { InterruptedError, interruptedOf, UsageError } from "../usage-error.ts";
import { pl330BufferAddress } from "../../drivers/pl330/reach.ts";
import { QuiesceBeforeFree } from "../script/quiesce-before-free.ts";
import { allocateBuffer, checkDumps, parseBufferSpecs, placeBuffers } from "./buffers.ts";
import { parseEvents } from "./events.ts";
import { assembleAt, readProgram, type ProgramKind } from "./program-source.ts";
import { ExecBuffers } from "./release.ts";
import { faultHint, jsonReport, textReport, type ExecFacts } from "./report.ts";

/** The default wait for the program to end. */
const DEFAULT_TIMEOUT_MS = 5000;

export async function exec(ctx: CliContext, args: string[], options: OptionsOf<"pl330">): Promise<number> {
  try {
    return await execProgram(ctx, args, options);
  } catch (e) {
    throw pl330InWords(e);
  }
}

async function execProgram(ctx: CliContext, args: string[], options: OptionsOf<"pl330">): Promise<number> {
  const [deviceSpec, programPath, ...extra] = args;
  const usage = "vfio-plat pl330 exec DEVICE PROGRAM [--buffer NAME=SIZE[:INIT]]... [--channel N] [--events LIST|none] [--asm|--binary]";
  if (!deviceSpec || !programPath) throw new UsageError("pl330 exec needs a device and a program", usage);
  if (extra.length) throw new UsageError(`too many arguments for pl330 exec: ${extra.map((w) => `'${w}'`).join(" ")}`, usage);
  const foreign = (["output", "listing", "base", "hex", "device", "length"] as const).find((k) => options[k] !== undefined);
  if (foreign) throw new UsageError(`--${foreign} is an option of pl330 asm or disasm, not of exec`, usage);
  const specs = parseBufferSpecs(options.buffer ?? []);
  const dumps = options.dump ?? [];
  checkDumps(dumps, specs);
  const channel = options.channel ?? 0;
  const events = parseEvents(options.events);
  const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (options.asm && options.binary) throw new UsageError("--asm and --binary contradict each other", "give one: --asm reads PROGRAM as assembly text, --binary as microcode bytes");
  const kind: ProgramKind = options.asm ? "asm" : options.binary ? "binary" : "auto";
  const source = readProgram(programPath, kind);
  // Assembly mistakes are bad input: find them before any device is touched (addresses stand in for the real ones).
  assembleAt(source, 0x1000_0000, Object.fromEntries(specs.map((s) => [s.name, 0x2000_0000])));

  const { dev } = await findDevice(ctx, deviceSpec);
  if (dev.compatible.length > 0 && !dev.compatible.includes(PL330_COMPATIBLE)) {
    throw new UnsupportedError(`${dev.name} is not a PL330 DMA controller (compatible: ${dev.compatible.join(", ")})`, "pl330 exec drives an arm,pl330; see vfio-plat list");
  }
  const { b, session } = await openCliDevice(ctx, deviceSpec);
  const driver = new Pl330Driver(b, session.device, session.device.region(0));
  driver.init(); // the identity first: nothing is written to a device that is not a PL330
  driver.checkChannel(channel);

  // Cleanups run in reverse: the buffers' release is registered before the driver's, so the channel stops first (a
  // program's channel too, even on a second Ctrl-C while the run still waits); the release then frees the buffers
  // only once the channel reads Stopped (on noiommu: or the device was reset), else keeps them and says so.
  const name = session.device.name;
  const quiesce = new QuiesceBeforeFree(session.device, session.noiommu, (why) => writeStderr(dmaInFlightNotice(name, why, ctx.json)));
  const held = new ExecBuffers(session.noiommu, () => driver.channelStatus(channel), quiesce, (st) =>
    writeStderr(dmaKeptNotice(name, channel, st.state.name, session.noiommu, ctx.json)),
  );
  ctx.onCleanup(() => held.release());
  ctx.onCleanup(() => driver.remove());
  const keep = held.keep;
  const buffers = placeBuffers(b, session, specs, keep);
  const symbols = Object.fromEntries(buffers.map((x) => [x.name, x.address]));
  const length = assembleAt(source, 0, symbols).length;
  // Read-only to the device: PL330 fetches are privileged instruction reads, which a stage-1 SMMU refuses from a
  // writable page (pl330-smmu.md §2.3). On noiommu nothing enforces it.
  const programBuffer = allocateBuffer(b, session, length, false, keep);
  const address = pl330BufferAddress(session.device.name, "program", programBuffer, length);
  const code = assembleAt(source, address, symbols);
  const facts: ExecFacts = { device: session.device.name, source: source.name, program: { address, length: code.length }, buffers, dumps, timeoutMs };

  if (!ctx.json) {
    writeStderr(`pl330 exec: running ${source.name} on ${facts.device} channel ${channel} (program at ${hexAddr(address)}${session.noiommu ? ", physical addresses" : ""}); timeout ${formatPeriod(timeoutMs)}\n`);
  }
  let outcome: ProgramRunOutcome;
  try {
    outcome = await driver.runProgram(
      { channel, code, program: { iova: programBuffer.iova, bytes: programBuffer.bytes }, ...(events !== undefined ? { events } : {}) },
      timeoutMs,
      ctx.abort.signal,
    );
  } catch (caught) {
    const e = interruptedOf(caught);
    if (e instanceof InterruptedError) {
      const stuck = held.confirmStopped();
      const state = stuck?.state.name ?? "Stopped";
      if (ctx.json) writeStdout(`${JSON.stringify({ device: facts.device, channel, status: "signal", signal: e.signal, state })}\n`);
      else writeStdout(`pl330 exec: interrupted by ${e.signal}; channel ${channel} killed (now ${state}); buffers ${stuck ? "kept mapped" : "unmapped on exit"}\n`);
    }
    throw e;
  }
  writeStdout(ctx.json ? jsonReport(outcome, facts) : textReport(outcome, facts));
  // DMAKILL did not stop it (nor, on noiommu, a reset): the buffers stay (the release keeps them) and the run fails.
  const stuck = held.confirmStopped();
  if (stuck) {
    const message = `channel ${channel} of ${facts.device} stays ${stuck.state.name} after DMAKILL: its DMA buffers are kept mapped, not freed`;
    throw new Pl330Error({ reason: "channel-stuck", channel, state: stuck.state.name }, facts.device, message);
  }
  const r = outcome.registers;
  if (outcome.status === "fault") {
    throw new DmaFaultError(
      `DMA fault on ${facts.device} channel ${channel}: ${r.cause} (FTR${channel} ${hexAddr(r.ftr)}, CPC ${hexAddr(r.cpc)})`,
      faultHint(outcome),
    );
  }
  if (outcome.status === "timeout") {
    throw new TimeoutError(
      `${source.name} did not end within ${formatPeriod(timeoutMs)} on ${facts.device} channel ${channel} (it was ${r.status.state.name}); channel killed (now ${outcome.afterKill?.state.name ?? "unknown"})`,
    );
  }
  return 0;
}
