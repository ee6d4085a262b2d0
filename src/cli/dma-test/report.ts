// dma-test's reporting: the header lines (DMAC, buffers, program), the per-iteration and summary lines, the --json
// document every ending shares (done, mismatch, timeout, fault, signal), and the errors that end a run with its
// exit code (a mismatch: VerifyError, exit 8; a fault or an injection that did not bite: DmaFaultError, exit 1).
import { decodeCcr, formatCcr } from "../../drivers/pl330/ccr.ts";
import type { Pl330Info } from "../../drivers/pl330/driver.ts";
import { revisionName } from "../../drivers/pl330/registers.ts";
import { VerifyError } from "../../vfio/errors.ts";
import { hexAddr } from "../output/hex.ts";
import { jsonDocument, jsonHex } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { dmaTestPatternName, type DmaTestOptions } from "./options.ts";
import { GUARD, type CopyPlan } from "./plan.ts";
import type { Mismatch } from "./verify.ts";

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

/** One verified (or not) copy. */
export interface CopyResult {
  bytes: number;
  ns: bigint;
  verified: boolean;
}

/** Everything a report line or document names: the device, the options, the DMAC and the plan. */
export interface RunFacts {
  name: string;
  opts: DmaTestOptions;
  info: Pl330Info;
  plan: CopyPlan;
}

const hex2 = (v: number): string => `0x${v.toString(16).padStart(2, "0")}`;
const ms = (ns: bigint): string => `${(Number(ns) / 1e6).toFixed(3)} ms`;
const mibPerS = (bytes: number, ns: bigint): number => (Number(ns) > 0 ? bytes / (Number(ns) / 1e9) / (1 << 20) : Infinity);

function formatBytes(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}

/** The three header lines: the DMAC as the driver describes it, the buffers, the program. */
export function printHeader(f: RunFacts, dmac: string): void {
  const { name, opts, plan } = f;
  const p = plan.program;
  writeStdout(`${name}: ${dmac}\n`);
  if (plan.physical) {
    // noiommu: bus addresses are physical addresses and nothing confines the DMAC to these buffers.
    const pin = plan.dstBuffer.pinning;
    const pages = pin?.pages === "huge" ? `${formatBytes(pin.pageSize)} huge pages` : "locked small pages";
    writeStdout(
      `buffers (physical addresses, noiommu: no IOMMU confines the DMAC): src pa ${hexAddr(plan.srcIova)}, dst pa ${hexAddr(plan.dstIova)} ` +
        `(${GUARD}-byte guards), program pa ${hexAddr(plan.programIova)}; pinned in ${pages}; ` +
        `${plan.pieces.length} PL330 job${plan.pieces.length === 1 ? "" : "s"} per copy (one per physically contiguous piece)\n`,
    );
  } else {
    writeStdout(
      `buffers: src iova ${hexAddr(plan.srcIova)} (${plan.srcBuffer ? "device read" : "NOT mapped"}), dst iova ${hexAddr(plan.dstIova)} ` +
        `(${opts.inject === "readonly-dst" ? "device read only" : "device read/write"}, ${GUARD}-byte guards), ` +
        `program iova ${hexAddr(plan.programIova)} (${plan.programBuffer ? "device read only" : "NOT mapped"})\n`,
    );
  }
  const c = decodeCcr(p.ccr);
  writeStdout(
    `program: ${p.bytes.length} bytes, CCR ${hexAddr(p.ccr)} (${c.srcBurstLen} x ${c.srcBurstSize}-byte bursts: ${formatCcr(c)}), ` +
      `${p.bursts} bursts + ${p.dregBeats} beats, event ${opts.channel}` +
      `${plan.injected ? ` (--inject ${opts.inject}: ${plan.injected.what})` : ""}\n`,
  );
}

/** The --json document: the run's facts, every result so far, and `extra` (how it ended). */
export function jsonDoc(f: RunFacts, results: readonly CopyResult[], extra: Record<string, unknown> = {}): string {
  const { name, opts, info, plan } = f;
  const p = plan.program;
  return jsonDocument({
    device: name,
    size: opts.size,
    iterations: opts.iterations,
    channel: opts.channel,
    event: opts.channel,
    pattern: dmaTestPatternName(opts.pattern),
    inject: opts.inject ?? null,
    dmac: {
      revision: revisionName(info.identity.revision),
      periphid: hexAddr(info.identity.periphid),
      channels: info.numChannels,
      events: info.numEvents,
      bus_width_bits: info.busWidthBits,
      mfifo_lines: info.dataBufDep,
      manager_ns: info.managerNs,
    },
    buffers: {
      src: jsonHex(plan.srcIova),
      dst: jsonHex(plan.dstIova),
      program: jsonHex(plan.programIova),
      guard: GUARD,
      addresses: plan.physical ? "physical" : "iova",
      pages: plan.dstBuffer.pinning?.pages ?? null,
      pieces: plan.pieces.length,
    },
    program: { bytes: p.bytes.length, ccr: hexAddr(p.ccr), bursts: p.bursts, dreg_beats: p.dregBeats },
    results: results.map((r) => ({ bytes: r.bytes, ns: Number(r.ns), mib_per_s: Math.round(mibPerS(r.bytes, r.ns) * 100) / 100, verified: r.verified })),
    ...extra,
  });
}

/** `iteration N/M: ...` after each verified copy of a multi-copy run. */
export function iterationLine(f: RunFacts, it: number, ns: bigint): string {
  const { size, iterations } = f.opts;
  return `iteration ${it}/${iterations}: ${size} bytes in ${ms(ns)} (${mibPerS(size, ns).toFixed(1)} MiB/s), verified\n`;
}

/** The closing line of a run where every copy verified. */
export function summaryLine(f: RunFacts, results: readonly CopyResult[]): string {
  const { size, iterations, channel } = f.opts;
  const total = results.reduce((s, r) => s + r.ns, 0n);
  const rates = results.map((r) => mibPerS(r.bytes, r.ns));
  const what = iterations === 1 ? formatBytes(size) : `${iterations} x ${formatBytes(size)}`;
  const spread = iterations > 1 ? `, min ${Math.min(...rates).toFixed(1)} / max ${Math.max(...rates).toFixed(1)} MiB/s` : "";
  return (
    `dma-test: ${what} copied and verified on ${f.name} channel ${channel} in ${ms(total)} ` +
    `(${mibPerS(size * iterations, total).toFixed(1)} MiB/s${spread}), 0 mismatches\n`
  );
}

/** The line a signal ends the run with: copies done, and whether the channel stopped (then the buffers are unmapped). */
export function interruptedLine(f: RunFacts, signal: string, done: number, stopped: boolean): string {
  const { iterations, channel } = f.opts;
  return `dma-test: interrupted by ${signal} after ${done} of ${iterations} copies; channel ${channel} ${stopped ? "stopped, buffers unmapped" : "did NOT stop (DMAKILL failed); buffers unmapped anyway: the IOMMU faults what it still tries"}\n`;
}

/** The mismatch as --json reports it. */
export function mismatchJson(it: number, m: Mismatch): Record<string, unknown> {
  return { iteration: it, where: m.where, offset: m.offset, expected: hex2(m.expected), got: hex2(m.got) };
}

/** The error a mismatch ends the run with (exit 8); with an injection that changed the program, a hint saying so. */
export function mismatchError(f: RunFacts, it: number, m: Mismatch): VerifyError {
  const { name, opts, plan } = f;
  const when = `(iteration ${it}/${opts.iterations})`;
  const error = new VerifyError(
    m.where === "data"
      ? `DMA data mismatch on ${name} ${when}: first difference at offset ${m.offset} (0x${m.offset.toString(16)}): expected ${hex2(m.expected)}, got ${hex2(m.got)}`
      : `DMA wrote outside the destination on ${name} ${when}: ${m.where} byte at offset ${m.offset} changed: expected ${hex2(m.expected)}, got ${hex2(m.got)}`,
  );
  if (plan.injected) return Object.assign(error, { hint: `--inject ${opts.inject} ${plan.injected.why}: a failed copy, by design` });
  return error;
}
