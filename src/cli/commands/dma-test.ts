// `vfio-plat dma-test DEVICE`: copy memory with a PL330 through the IOMMU the way the kernel VFIO selftests' driver
// test does — map source, destination and microcode buffers, start Linux's memcpy program, wait for the completion
// interrupt, verify every byte (and guard bytes around the destination), report throughput. `--inject` maps the
// buffers so the copy faults (exit 1: the channel's fault registers and the SMMU's kernel-log record are printed), or
// runs a program that stops short so the verify finds the first byte not copied (exit 8).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { PL330_COMPATIBLE, Pl330Driver, type MemcpyOutcome, type Pl330Info } from "../../drivers/pl330/driver.ts";
import { decodeCcr, formatCcr } from "../../drivers/pl330/ccr.ts";
import { formatChannelFault, type ChannelFaultReport } from "../../drivers/pl330/faults.ts";
import { buildMemcpyProgram } from "../../drivers/pl330/program-builder.ts";
import { revisionName } from "../../drivers/pl330/registers.ts";
import { describeSmmuFault, kernelLogPosition, readKernelLog, smmuFaults, type SmmuFault } from "../../host/kernel-log.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import { InterruptedError, TimeoutError, UnsupportedError, UsageError, VerifyError } from "../../vfio/errors.ts";
import { findFreeIova, type IovaRange } from "../../vfio/iommu-info.ts";
import type { CliContext } from "../context.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { jsonDocument, jsonHex } from "../output/json.ts";
import { startProgress } from "../output/progress.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { DMA_TEST_FAULT_INJECTIONS, DMA_TEST_INJECTIONS, DMA_TEST_PATTERN_WORDS } from "../parse/choices.ts";
import { parseCount, parseSize, parseU32 } from "../parse/numbers.ts";
import { formatPeriod, parsePeriod } from "../parse/periods.ts";
import { rawOption } from "../parse/raw-option.ts";
import { checkpoint } from "../interrupt.ts";
import { pl330InWords } from "../dma-test/pl330-words.ts";
import { fillPattern, firstDifference, freshSeed } from "../script/dma-pattern.ts";
import type { DmaPattern } from "../script/parse-script.ts";

/** Bytes of guard before and after the destination, inside its mapping; the copy must leave them untouched. */
const GUARD = 256;
/** Largest copy: source and destination (plus guards) must both fit the PL330's 4 GiB bus address space. */
const MAX_SIZE = 1n << 30n;
const FAULT_INJECTIONS = DMA_TEST_FAULT_INJECTIONS;
const INJECTIONS = DMA_TEST_INJECTIONS;
type FaultInjection = (typeof FAULT_INJECTIONS)[number];
type Injection = (typeof INJECTIONS)[number];

/** What each fault injection must produce: the FTRn bit and the SMMU fault class. */
const EXPECTED: Record<FaultInjection, { bit: number; bitName: string; cause: string; smmu: string }> = {
  "readonly-dst": { bit: 17, bitName: "data_write_err", cause: "data write error", smmu: "permission" },
  "unmapped-src": { bit: 18, bitName: "data_read_err", cause: "data read error", smmu: "translation" },
  "unmapped-program": { bit: 16, bitName: "instr_fetch_err", cause: "instruction fetch error", smmu: "translation" },
};

/** `--pattern`: a DmaPattern, except that `random` has no seed of its own (each copy draws a fresh one). */
type Pattern = Exclude<DmaPattern, { kind: "random" }> | { kind: "random" };

/** The bytes for one copy: random takes a fresh seed from the CSPRNG every time. */
const copyPattern = (p: Pattern): DmaPattern => (p.kind === "random" ? { kind: "random", seed: freshSeed() } : p);

/** The copy faulted (injected or not): a failed copy, exit 1. The report has already been printed. */
export class DmaFaultError extends Error {
  override readonly name = "DmaFaultError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}


function parsePattern(text: string): Pattern {
  const t = text.toLowerCase();
  if ((DMA_TEST_PATTERN_WORDS as readonly string[]).includes(t)) return { kind: t as (typeof DMA_TEST_PATTERN_WORDS)[number] };
  const m = /^0x([0-9a-f]{1,2})$/.exec(t);
  if (m) return { kind: "byte", value: parseInt(m[1]!, 16) };
  throw new UsageError(`invalid --pattern '${text}'`, "use incrementing, random, zeros, ones or a byte value 0x00..0xff");
}

function patternName(p: Pattern): string {
  return p.kind === "byte" ? `0x${p.value.toString(16).padStart(2, "0")}` : p.kind;
}

/** Guard byte i: a sequence no copy of the patterns above reproduces by accident over a whole guard. */
const guardByte = (i: number) => (i * 7 + 0x5a) & 0xff;

function formatBytes(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}

const hex8 = (v: number | bigint) => `0x${v.toString(16).padStart(8, "0")}`;
const ms = (ns: bigint) => `${(Number(ns) / 1e6).toFixed(3)} ms`;
const mibPerS = (bytes: number, ns: bigint) => (Number(ns) > 0 ? bytes / (Number(ns) / 1e9) / (1 << 20) : Infinity);

/** `out` = the bitwise complement of `from` (same length; may be the same bytes): words where both are aligned. */
function complement(out: Uint8Array, from: Uint8Array): void {
  const words = out.byteOffset % 4 === 0 && from.byteOffset % 4 === 0 ? out.length >>> 2 : 0;
  const o32 = new Uint32Array(out.buffer, out.byteOffset, words);
  const f32 = new Uint32Array(from.buffer, from.byteOffset, words);
  for (let i = 0; i < words; i++) o32[i] = ~f32[i]!;
  for (let i = words * 4; i < out.length; i++) out[i] = ~from[i]! & 0xff;
}

interface Result {
  bytes: number;
  ns: bigint;
  verified: boolean;
}

/** A free IOVA of `length` bytes that nothing maps (for the unmapped injections), below 4 GiB. */
function unmappedIova(ranges: IovaRange[], length: number, page: number, mapped: readonly { iova: bigint; size: bigint }[]): number {
  const at = findFreeIova(ranges, BigInt(length), BigInt(page), mapped);
  if (at === undefined || at + BigInt(length) > 1n << 32n) throw new UnsupportedError("no unmapped IOVA below 4 GiB to aim the DMA at");
  return Number(at);
}

function below4G(what: string, iova: bigint, length: number): number {
  if (iova + BigInt(length) > 1n << 32n) {
    throw new UnsupportedError(`the ${what} buffer landed at IOVA ${jsonHex(iova)}, beyond the PL330's 32-bit reach`, "use a smaller --size");
  }
  return Number(iova);
}

export async function run(ctx: CliContext, args: string[], options: Record<string, unknown>): Promise<number> {
  try {
    return await dmaTest(ctx, args, options);
  } catch (e) {
    throw pl330InWords(e);
  }
}

async function dmaTest(ctx: CliContext, args: string[], options: Record<string, unknown>): Promise<number> {
  const [deviceSpec] = args;
  if (!deviceSpec) throw new UsageError("dma-test needs a device", "vfio-plat dma-test DEVICE [--size 64M]");
  const size = Number(parseSize(rawOption(options, "--size", "size") ?? "64M", "--size", { min: 1n, max: MAX_SIZE }));
  const iterations = parseCount(rawOption(options, "--iterations", "iterations") ?? "1", "--iterations", { max: 1_000_000n });
  const channel = parseU32(rawOption(options, "--channel", "channel") ?? "0", "--channel", { max: 7n });
  const pattern = parsePattern(rawOption(options, "--pattern", "pattern") ?? "incrementing");
  const injectText = rawOption(options, "--inject", "inject");
  if (injectText !== undefined && !INJECTIONS.includes(injectText as Injection)) {
    throw new UsageError(`invalid --inject '${injectText}'`, `use one of ${INJECTIONS.join(", ")}`);
  }
  const inject = injectText as Injection | undefined;
  const faultInjection = FAULT_INJECTIONS.find((f) => f === inject);
  const timeoutMs = parsePeriod(rawOption(options, "--timeout", "timeout") ?? "5s", "--timeout", { allowZero: false });

  // Refuse a device the board itself says is something else before binding questions come up.
  const { dev } = await findDevice(ctx, deviceSpec);
  if (dev.compatible.length > 0 && !dev.compatible.includes(PL330_COMPATIBLE)) {
    throw new UnsupportedError(
      `${dev.name} is not a PL330 DMA controller (compatible: ${dev.compatible.join(", ")})`,
      "dma-test drives an arm,pl330; see vfio-plat list",
    );
  }
  const noiommu = () =>
    new UnsupportedError(
      `${dev.name} is in a noiommu container: no IOMMU, so no DMA mapping — the device would need physical addresses`,
      "dma-test needs the device behind an IOMMU (VFIO type1); bind it on a board with an SMMU",
    );
  if (dev.groupNode?.includes("/noiommu-")) throw noiommu();
  const { b, session } = await openCliDevice(ctx, deviceSpec);
  const name = session.device.name;
  if (session.noiommu) throw noiommu();
  const driver = new Pl330Driver(b, session.device, session.device.region(0));
  const info = driver.init(); // identity first: nothing is written to a device that is not a PL330
  const identity = info.identity;
  driver.checkChannel(channel);
  const window = session.dma.dmaWindow();
  const page = Number(window.pageSize);
  const ranges = window.iovaRanges ?? [{ start: 0n, end: (1n << 32n) - 1n }];

  // Buffers. Cleanups run in reverse: the driver (kill a running channel, disable interrupts) is registered last so it
  // goes first, before any buffer is unmapped under a DMA that might still be running.
  const buffers: DmaBuffer[] = [];
  const releaseBuffers = () => {
    while (buffers.length) buffers.pop()!.release();
  };
  ctx.onCleanup(releaseBuffers);
  const allocate = (length: number, perm: { read: boolean; write: boolean }) => {
    const buf = DmaBuffer.allocate(b, session.dma, length, perm);
    buffers.push(buf);
    return buf;
  };
  // Memory: the source and the destination, nothing else per byte (the source is what the destination must equal).
  // Source: the device only reads it.
  const src = inject === "unmapped-src" ? undefined : allocate(size, { read: true, write: false });
  // Destination with guards, inside one mapping; device read+write (write withheld for --inject readonly-dst).
  const dst = allocate(size + 2 * GUARD, { read: true, write: inject !== "readonly-dst" });
  // Microcode: mapped device-READ-only on purpose. PL330 instruction fetches are privileged instruction reads, and on a
  // stage-1 SMMU (VMSAv8) a page writable at EL0 — every VFIO READ|WRITE mapping — is implicitly privileged-execute-
  // never (PXN): fetching the program from a read/write mapping takes a permission fault (pl330-smmu.md §2.3).
  const target = { ...info, revision: identity.revision };
  const fullProgram = buildMemcpyProgram({ src: 0, dst: GUARD, size, event: channel }, target);
  // --inject short-copy: the program leaves the last beat (a lone byte when the copy is one beat) uncopied;
  // --inject shifted-dst: it writes from one beat before the destination, into the guard there.
  const beat = fullProgram.burstSize;
  const copySize = inject === "short-copy" ? size - (size > beat ? beat : 1) : size;
  const shift = inject === "shifted-dst" ? beat : 0;
  if (copySize < 1) throw new UsageError("--inject short-copy needs at least 2 bytes to copy (it leaves the last beat uncopied)", "use --size 2 or more");
  const probeProgram =
    copySize === size && shift === 0 ? fullProgram : buildMemcpyProgram({ src: 0, dst: GUARD - shift, size: copySize, event: channel }, target);
  const injected =
    inject === "short-copy"
      ? { what: `copies ${copySize} of ${size} bytes`, why: `left the last ${size - copySize} byte${size - copySize === 1 ? "" : "s"} uncopied` }
      : inject === "shifted-dst"
        ? { what: `starts ${shift} byte${shift === 1 ? "" : "s"} before the destination`, why: `started the copy ${shift} byte${shift === 1 ? "" : "s"} before the destination` }
        : undefined;
  const programLength = Math.ceil(probeProgram.bytes.length / page) * page;
  const program = inject === "unmapped-program" ? undefined : allocate(programLength, { read: true, write: false });
  const programView = program ? program.bytes : new Uint8Array(programLength);
  const srcIova = src ? below4G("source", src.iova, size) : unmappedIova(ranges, size, page, session.dma.mappings);
  const dstIova = below4G("destination", dst.iova, dst.size) + GUARD;
  const programIova = program ? below4G("program", program.iova, programLength) : unmappedIova(ranges, programLength, page, session.dma.mappings);
  ctx.onCleanup(() => driver.remove());

  const json = ctx.json;
  if (!json) {
    writeStdout(`${name}: ${driver.describe()}\n`);
    writeStdout(
      `buffers: src iova ${hex8(srcIova)} (${src ? "device read" : "NOT mapped"}), dst iova ${hex8(dstIova)} ` +
        `(${inject === "readonly-dst" ? "device read only" : "device read/write"}, ${GUARD}-byte guards), ` +
        `program iova ${hex8(programIova)} (${program ? "device read only" : "NOT mapped"})\n`,
    );
    const c = decodeCcr(probeProgram.ccr);
    writeStdout(
      `program: ${probeProgram.bytes.length} bytes, CCR ${hex8(probeProgram.ccr)} (${c.srcBurstLen} x ${c.srcBurstSize}-byte bursts: ${formatCcr(c)}), ` +
        `${probeProgram.bursts} bursts + ${probeProgram.dregBeats} beats, event ${channel}` +
        `${injected ? ` (--inject ${inject}: ${injected.what})` : ""}\n`,
    );
  }

  const results: Result[] = [];
  const progress = startProgress({ label: "dma-test", total: iterations, unit: "copies", enabled: !json, delayMs: 0 });
  const dstData = dst.bytes.subarray(GUARD, GUARD + size);
  const doc = (extra: Record<string, unknown> = {}) =>
    jsonDocument({
      device: name,
      size,
      iterations,
      channel,
      event: channel,
      pattern: patternName(pattern),
      inject: inject ?? null,
      dmac: {
        revision: revisionName(identity.revision),
        periphid: hex8(identity.periphid),
        channels: info.numChannels,
        events: info.numEvents,
        bus_width_bits: info.busWidthBits,
        mfifo_lines: info.dataBufDep,
        manager_ns: info.managerNs,
      },
      buffers: { src: jsonHex(srcIova), dst: jsonHex(dstIova), program: jsonHex(programIova), guard: GUARD },
      program: { bytes: probeProgram.bytes.length, ccr: hex8(probeProgram.ccr), bursts: probeProgram.bursts, dreg_beats: probeProgram.dregBeats },
      results: results.map((r) => ({ bytes: r.bytes, ns: Number(r.ns), mib_per_s: Math.round(mibPerS(r.bytes, r.ns) * 100) / 100, verified: r.verified })),
      ...extra,
    });

  const srcData = src?.bytes.subarray(0, size);
  let it = 0;
  try {
    for (it = 1; it <= iterations; it++) {
      const between = () => checkpoint(ctx.abort.signal);
      if (it === 1 || pattern.kind === "random") await fillPattern(srcData ?? dstData, copyPattern(pattern), between);
      complement(dstData, srcData ?? dstData); // a copy that never happened cannot pass
      for (let i = 0; i < GUARD; i++) dst.bytes[i] = guardByte(i);
      for (let i = GUARD + size; i < dst.size; i++) dst.bytes[i] = guardByte(i);
      // A signal stops the run before the next copy starts (the wait below checks it too); the fills above ran
      // without a turn of the event loop, so the checkpoint gives pending handlers one.
      await checkpoint(ctx.abort.signal);

      const logSeq = kernelLogPosition(b);
      driver.memcpyStart({ channel, src: srcIova, dst: dstIova - shift, size: copySize, program: { iova: programIova, bytes: programView } });
      if (!json && process.stderr.isTTY && iterations === 1) {
        writeStderr(`waiting for the completion interrupt of ${name} channel ${channel} (timeout: ${formatPeriod(timeoutMs)} without progress)…\n`);
      }
      const outcome: MemcpyOutcome = await driver.memcpyWait(timeoutMs, ctx.abort.signal);

      if (outcome.status === "timeout") {
        const st = driver.kill(channel);
        const from = dstIova - shift;
        const moved = outcome.dar >= from && outcome.dar <= from + copySize ? outcome.dar - from : 0;
        if (json) writeStdout(doc({ timeout: { iteration: it, state: outcome.channel.state.name, event_seen: outcome.eventSeen, dar: hex8(outcome.dar), bytes_done: moved, after_kill: st.state.name }, end: { reason: "timeout" } }));
        throw new TimeoutError(
          `no completion from ${name} channel ${channel} and no progress for ${formatPeriod(timeoutMs)} (iteration ${it}/${iterations}; ` +
            `channel was ${outcome.channel.state.name}, DAR ${hex8(outcome.dar)}, ${moved} of ${copySize} bytes done` +
            `${outcome.eventSeen ? ", event seen but the channel never stopped" : ""}); channel killed (now ${st.state.name})`,
        );
      }
      if (outcome.status === "fault") {
        await reportFault(ctx, b, { name, channel, it, iterations, inject: faultInjection, info, fault: outcome.fault, logSeq, programIova, programLength: probeProgram.bytes.length, kill: () => driver.kill(channel), releaseBuffers, doc });
      }
      if (faultInjection) {
        // The injection should have faulted; a completed copy means the IOMMU did not enforce the mapping.
        const e = EXPECTED[faultInjection];
        if (json) writeStdout(doc({ fault: null, end: { reason: "no-fault" } }));
        throw new DmaFaultError(
          `--inject ${faultInjection}: the copy completed without a fault (expected a ${e.cause} and an SMMU ${e.smmu} fault)`,
          "the IOMMU did not enforce the mapping: check the SMMU profile (a bypassing or stage-2-only SMMU behaves differently)",
        );
      }
      const bad = firstDifference(dstData, srcData!);
      const guardBad = (() => {
        for (let i = 0; i < GUARD; i++) if (dst.bytes[i] !== guardByte(i)) return { at: i, where: "before" as const };
        for (let i = GUARD + size; i < dst.size; i++) if (dst.bytes[i] !== guardByte(i)) return { at: i, where: "after" as const };
        return undefined;
      })();
      results.push({ bytes: size, ns: outcome.ns, verified: bad < 0 && !guardBad });
      if (bad >= 0 || guardBad) {
        progress.end();
        const mismatch = guardBad
          ? {
              where: `guard ${guardBad.where}`,
              offset: guardBad.at - GUARD, // negative before the destination, >= size after it
              expected: guardByte(guardBad.at),
              got: dst.bytes[guardBad.at]!,
            }
          : { where: "data", offset: bad, expected: srcData![bad]!, got: dstData[bad]! };
        const b2 = (v: number) => `0x${v.toString(16).padStart(2, "0")}`;
        if (json) writeStdout(doc({ mismatch: { iteration: it, where: mismatch.where, offset: mismatch.offset, expected: b2(mismatch.expected), got: b2(mismatch.got) }, end: { reason: "mismatch" } }));
        const error = new VerifyError(
          mismatch.where === "data"
            ? `DMA data mismatch on ${name} (iteration ${it}/${iterations}): first difference at offset ${mismatch.offset} (0x${mismatch.offset.toString(16)}): expected ${b2(mismatch.expected)}, got ${b2(mismatch.got)}`
            : `DMA wrote outside the destination on ${name} (iteration ${it}/${iterations}): ${mismatch.where} byte at offset ${mismatch.offset} changed: expected ${b2(mismatch.expected)}, got ${b2(mismatch.got)}`,
        );
        if (injected) throw Object.assign(error, { hint: `--inject ${inject} ${injected.why}: a failed copy, by design` });
        throw error;
      }
      if (injected) {
        if (json) writeStdout(doc({ mismatch: null, end: { reason: "no-mismatch" } }));
        throw new DmaFaultError(`--inject ${inject}: the copy verified although its program ${injected.what}`, "the DMAC did not run the program it was given");
      }
      if (!json && iterations > 1) {
        progress.hide(); // the progress line shares the terminal: erase it before this line, redraw after
        writeStdout(`iteration ${it}/${iterations}: ${size} bytes in ${ms(outcome.ns)} (${mibPerS(size, outcome.ns).toFixed(1)} MiB/s), verified\n`);
      }
      progress.update(it);
    }
  } catch (e) {
    if (e instanceof InterruptedError) {
      // Stop the channel now (the cleanups try again) so the report below is true when it is printed.
      let stopped = true;
      try {
        if (driver.current) stopped = driver.kill(channel).state.name === "Stopped";
      } catch {
        stopped = false;
      }
      progress.end();
      const done = results.length;
      if (json) writeStdout(doc({ end: { reason: "signal", signal: e.signal, iteration: Math.min(it, iterations), copies_done: done, channel_stopped: stopped } }));
      else writeStdout(`dma-test: interrupted by ${e.signal} after ${done} of ${iterations} copies; channel ${channel} ${stopped ? "stopped, buffers unmapped" : "did NOT stop (DMAKILL failed)"}\n`);
      if (stopped) releaseBuffers(); // never unmap under a DMA that may still run (the cleanups kill it first)
    }
    throw e;
  } finally {
    progress.end();
  }

  if (json) {
    writeStdout(doc({ end: { reason: "done" } }));
    return 0;
  }
  const total = results.reduce((s, r) => s + r.ns, 0n);
  const rates = results.map((r) => mibPerS(r.bytes, r.ns));
  const what = iterations === 1 ? formatBytes(size) : `${iterations} x ${formatBytes(size)}`;
  const spread = iterations > 1 ? `, min ${Math.min(...rates).toFixed(1)} / max ${Math.max(...rates).toFixed(1)} MiB/s` : "";
  writeStdout(
    `dma-test: ${what} copied and verified on ${name} channel ${channel} in ${ms(total)} ` +
      `(${mibPerS(size * iterations, total).toFixed(1)} MiB/s${spread}), 0 mismatches\n`,
  );
  return 0;
}

interface FaultContext {
  name: string;
  channel: number;
  it: number;
  iterations: number;
  inject: FaultInjection | undefined;
  info: Pl330Info;
  fault: ChannelFaultReport;
  logSeq: number;
  programIova: number;
  programLength: number;
  kill: () => { state: { name: string } };
  releaseBuffers: () => void;
  doc: (extra: Record<string, unknown>) => string;
}

/** The SMMU's records since `seq`; waits up to 250 ms for them (an event-queue thread logs them asynchronously). */
async function smmuRecordsSince(b: KernelBoundary, seq: number): Promise<{ faults: SmmuFault[]; unavailable?: string }> {
  const until = performance.now() + 250;
  for (;;) {
    const log = readKernelLog(b, seq);
    if (log.unavailable) return { faults: [], unavailable: log.unavailable.reason };
    const faults = smmuFaults(log.records);
    if (faults.length > 0 || performance.now() >= until) return { faults };
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Print everything about a fault, kill the channel, release the buffers, and throw DmaFaultError (exit 1). */
async function reportFault(ctx: CliContext, b: KernelBoundary, f: FaultContext): Promise<never> {
  const smmu = await smmuRecordsSince(b, f.logSeq);
  const after = f.kill();
  f.releaseBuffers();
  const exp = f.inject ? EXPECTED[f.inject] : undefined;
  const bitOk = exp ? f.fault.bits.some((x) => x.bit === exp.bit) : false;
  const smmuOk = exp ? smmu.faults.some((s) => s.kind === exp.smmu) : false;
  const asExpected = exp ? bitOk && (smmuOk || smmu.unavailable !== undefined) : false;
  if (ctx.json) {
    const r = f.fault;
    writeStdout(
      f.doc({
        fault: {
          iteration: f.it,
          channel: f.channel,
          state: r.status.state.name,
          cause: r.cause,
          bits: r.bits.map((x) => x.name),
          csr: hex8(r.csr),
          cpc: hex8(r.cpc),
          sar: hex8(r.sar),
          dar: hex8(r.dar),
          ccr: hex8(r.ccr),
          ftr: hex8(r.ftr),
          fsrc: hex8(r.fsrc),
          fsrd: hex8(r.fsrd),
          ftrd: hex8(r.ftrd),
          smmu: smmu.faults.map((s) => ({
            format: s.format,
            kind: s.kind,
            name: s.name,
            event_id: s.eventId ?? null,
            stream_id: s.streamId ?? null,
            address: s.address !== undefined ? jsonHex(s.address) : null,
            access: s.access ?? null,
            instruction: s.instruction ?? null,
            privileged: s.privileged ?? null,
            lines: s.lines,
          })),
          kernel_log: smmu.unavailable ?? null,
          expected: exp ? { bit: exp.bitName, smmu: exp.smmu } : null,
          as_expected: exp ? asExpected : null,
          after_kill: after.state.name,
        },
        end: { reason: "fault" },
      }),
    );
  } else {
    const lines = [`dma-test: FAULT on ${f.name} channel ${f.channel} (iteration ${f.it}/${f.iterations}${f.inject ? `, --inject ${f.inject}` : ""})`];
    for (const l of formatChannelFault(f.fault, { address: f.programIova, length: f.programLength })) lines.push(`  ${l}`);
    if (smmu.unavailable) lines.push(`  SMMU fault record: ${smmu.unavailable}`);
    else if (smmu.faults.length === 0) lines.push("  SMMU fault record: none in the kernel log since the copy started");
    for (const s of smmu.faults) {
      lines.push(`  SMMU fault (kernel log): ${describeSmmuFault(s)}`);
      for (const l of s.lines) lines.push(`    ${l.replaceAll("\t", " ")}`);
    }
    if (exp) {
      lines.push(
        `  expected for --inject ${f.inject}: ${exp.cause} (${exp.bitName}) and an SMMU ${exp.smmu} fault — ` +
          (asExpected ? "as expected" : `NOT as expected (${bitOk ? "" : `no ${exp.bitName}`}${!bitOk && !smmuOk ? ", " : ""}${smmuOk ? "" : `no SMMU ${exp.smmu} fault`})`),
      );
    }
    lines.push(`  channel ${f.channel} killed (now ${after.state.name}); buffers unmapped`);
    writeStdout(`${lines.join("\n")}\n`);
  }
  const first = smmu.faults[0];
  const smmuText = first ? `; SMMU ${first.kind} fault${first.address !== undefined ? ` at iova ${hex8(first.address)}` : ""} (${first.name})` : "";
  throw new DmaFaultError(
    `DMA fault on ${f.name} channel ${f.channel}: ${f.fault.cause} (FTR${f.channel} ${hex8(f.fault.ftr)})${smmuText}`,
    exp
      ? asExpected
        ? `--inject ${f.inject} provoked exactly this fault: a failed copy, by design`
        : `--inject ${f.inject} should give a ${exp.cause} and an SMMU ${exp.smmu} fault`
      : "see the report above: the IOMMU refused an access, or the program is wrong",
  );
}

