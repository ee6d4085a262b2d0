// dma-test's fault report: when a copy faults, everything about it — the channel's fault registers decoded, the
// SMMU's record from the kernel log, whether an `--inject` produced exactly the fault it should — then the channel
// is killed, the buffers unmapped, and the run ends with DmaFaultError (exit 1).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { formatChannelFault, type ChannelFaultReport } from "../../drivers/pl330/faults.ts";
import { describeSmmuFault, readKernelLog, smmuFaults, type SmmuFault } from "../../host/kernel-log.ts";
import { jsonHex } from "../output/json.ts";
import { hexAddr } from "../output/hex.ts";
import { writeStdout } from "../output/stdio.ts";
import { EXPECTED } from "./options.ts";
import { DmaFaultError, type RunFacts } from "./report.ts";

/** The fault as the run saw it, and how to end the copy. */
interface FaultSeen {
  it: number;
  fault: ChannelFaultReport;
  /** Kernel log position from just before the copy started. */
  logSeq: number;
  /** DMAKILL the channel; its state afterwards. */
  kill: () => { state: { name: string } };
  /** The --json document with `extra`. */
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
export async function reportFault(b: KernelBoundary, json: boolean, f: RunFacts, seen: FaultSeen): Promise<never> {
  const { name, opts, plan } = f;
  const { channel, iterations, faultInjection: inject } = opts;
  const smmu = await smmuRecordsSince(b, seen.logSeq);
  const after = seen.kill();
  plan.release();
  const exp = inject ? EXPECTED[inject] : undefined;
  const bitOk = exp ? seen.fault.bits.some((x) => x.bit === exp.bit) : false;
  const smmuOk = exp ? smmu.faults.some((s) => s.kind === exp.smmu) : false;
  const asExpected = exp ? bitOk && (smmuOk || smmu.unavailable !== undefined) : false;
  const r = seen.fault;
  if (json) {
    writeStdout(
      seen.doc({
        fault: {
          iteration: seen.it,
          channel,
          state: r.status.state.name,
          cause: r.cause,
          bits: r.bits.map((x) => x.name),
          csr: hexAddr(r.csr),
          cpc: hexAddr(r.cpc),
          sar: hexAddr(r.sar),
          dar: hexAddr(r.dar),
          ccr: hexAddr(r.ccr),
          ftr: hexAddr(r.ftr),
          fsrc: hexAddr(r.fsrc),
          fsrd: hexAddr(r.fsrd),
          ftrd: hexAddr(r.ftrd),
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
    const lines = [`dma-test: FAULT on ${name} channel ${channel} (iteration ${seen.it}/${iterations}${inject ? `, --inject ${inject}` : ""})`];
    for (const l of formatChannelFault(r, { address: plan.programIova, length: plan.program.bytes.length })) lines.push(`  ${l}`);
    if (smmu.unavailable) lines.push(`  SMMU fault record: ${smmu.unavailable}`);
    else if (smmu.faults.length === 0) lines.push("  SMMU fault record: none in the kernel log since the copy started");
    for (const s of smmu.faults) {
      lines.push(`  SMMU fault (kernel log): ${describeSmmuFault(s)}`);
      for (const l of s.lines) lines.push(`    ${l.replaceAll("\t", " ")}`);
    }
    if (exp) {
      lines.push(
        `  expected for --inject ${inject}: ${exp.cause} (${exp.bitName}) and an SMMU ${exp.smmu} fault — ` +
          (asExpected ? "as expected" : `NOT as expected (${bitOk ? "" : `no ${exp.bitName}`}${!bitOk && !smmuOk ? ", " : ""}${smmuOk ? "" : `no SMMU ${exp.smmu} fault`})`),
      );
    }
    lines.push(`  channel ${channel} killed (now ${after.state.name}); buffers unmapped`);
    writeStdout(`${lines.join("\n")}\n`);
  }
  const first = smmu.faults[0];
  const smmuText = first ? `; SMMU ${first.kind} fault${first.address !== undefined ? ` at iova ${hexAddr(first.address)}` : ""} (${first.name})` : "";
  throw new DmaFaultError(
    `DMA fault on ${name} channel ${channel}: ${r.cause} (FTR${channel} ${hexAddr(r.ftr)})${smmuText}`,
    exp
      ? asExpected
        ? `--inject ${inject} provoked exactly this fault: a failed copy, by design`
        : `--inject ${inject} should give a ${exp.cause} and an SMMU ${exp.smmu} fault`
      : "see the report above: the IOMMU refused an access, or the program is wrong",
  );
}
