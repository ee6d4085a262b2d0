// `vfio-plat pl330 exec DEVICE PROGRAM`: run your own PL330 program on one channel. The program (.s assembled, or a
// binary) goes into a buffer the device may only read, the `--buffer`s are mapped (or pinned on noiommu) and named for
// the assembler, the channel starts through the debug registers, and the report gives its final registers, the
// events raised and each buffer's digest. Exit 0 when it stopped cleanly, 1 on a fault, 7 on timeout (DMAKILL).
import { readFileSync } from "node:fs";
import { AsmError, assemble } from "../../drivers/pl330/assembler.ts";
import { Pl330Driver } from "../../drivers/pl330/driver.ts";
import { PL330_COMPATIBLE } from "../../drivers/pl330/errors.ts";
import type { ProgramRunOutcome } from "../../drivers/pl330/program-run.ts";
import type { DmaBuffer } from "../../vfio/dma-buffer.ts";
import { TimeoutError, UnsupportedError } from "../../vfio/errors.ts";
import type { OptionsOf } from "../command-options.ts";
import type { CliContext } from "../context.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { DmaFaultError } from "../dma-test/report.ts";
import { pl330InWords } from "../dma-test/pl330-words.ts";
import { hexAddr } from "../output/hex.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { formatPeriod } from "../parse/periods.ts";
import { InterruptedError, interruptedOf, UsageError } from "../usage-error.ts";
import { allocateBuffer, checkDumps, parseBufferSpecs, placeBuffers } from "./buffers.ts";
import { pl330BufferAddress } from "../../drivers/pl330/reach.ts";
import { parseEvents } from "./events.ts";
import { faultHint, jsonReport, textReport, type ExecFacts } from "./report.ts";

/** The default wait for the program to end. */
const DEFAULT_TIMEOUT_MS = 5000;
/** Program files read as assembly text; anything else is microcode bytes. */
const ASSEMBLY = /\.(s|asm)$/i;

interface ProgramSource {
  name: string;
  /** Assembly text, or the bytes of a binary. */
  text?: string;
  bytes?: Uint8Array;
}

function readProgram(path: string): ProgramSource {
  let data: Buffer;
  try {
    data = readFileSync(path === "-" ? 0 : path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`, "PROGRAM is a .s file (assembled) or a binary");
  }
  const name = path === "-" ? "<stdin>" : path;
  if (path === "-" || ASSEMBLY.test(path)) return { name, text: data.toString("utf8") };
  if (data.length === 0) throw new UsageError(`${name} is empty`, "a binary program needs at least one instruction (DMAEND is 0x00)");
  return { name, bytes: new Uint8Array(data) };
}

/** Assemble with the buffers' addresses as names and `base` for labels. @throws UsageError naming the file and line */
function assembleAt(src: ProgramSource, base: number, symbols: Record<string, number>): Uint8Array {
  if (src.bytes) return src.bytes;
  try {
    const r = assemble(src.text!, { base, symbols });
    if (r.bytes.length === 0) throw new UsageError(`${src.name} assembles to nothing`, "a program ends with DMAEND");
    return r.bytes;
  } catch (e) {
    if (e instanceof AsmError) {
      const names = Object.keys(symbols);
      throw new UsageError(`${src.name}: ${e.message}`, names.length ? `the buffer names are ${names.join(", ")}; see docs/dma-test.md for the syntax` : "name buffers with --buffer NAME=SIZE; see docs/dma-test.md for the syntax");
    }
    throw e;
  }
}

export async function exec(ctx: CliContext, args: string[], options: OptionsOf<"pl330">): Promise<number> {
  try {
    return await execProgram(ctx, args, options);
  } catch (e) {
    throw pl330InWords(e);
  }
}

async function execProgram(ctx: CliContext, args: string[], options: OptionsOf<"pl330">): Promise<number> {
  const [deviceSpec, programPath, ...extra] = args;
  const usage = "vfio-plat pl330 exec DEVICE PROGRAM [--buffer NAME=SIZE[:INIT]]... [--channel N] [--events LIST|none]";
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
  const source = readProgram(programPath);
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

  // Cleanups run in reverse: the buffers' release is registered before the driver's, so the channel stops first.
  const held: DmaBuffer[] = [];
  ctx.onCleanup(() => {
    while (held.length) held.pop()!.release();
  });
  ctx.onCleanup(() => driver.remove());
  const keep = (buf: DmaBuffer) => held.push(buf);
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
      const state = driver.channelStatus(channel).state.name;
      if (ctx.json) writeStdout(`${JSON.stringify({ device: facts.device, channel, status: "signal", signal: e.signal, state })}\n`);
      else writeStdout(`pl330 exec: interrupted by ${e.signal}; channel ${channel} killed (now ${state}); buffers unmapped on exit\n`);
    }
    throw e;
  }
  writeStdout(ctx.json ? jsonReport(outcome, facts) : textReport(outcome, facts));
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
