// `log --follow` / `--follow-new` (dmesg -w / -W): the kernel log's records printed as they arrive, until a signal
// (130/143). Text: the dmesg-style line of each record, and with --smmu a "fault:" line once an SMMU report is whole;
// --json: JSON Lines, one object per record ("type":"record"), decoded fault ("fault") and loss ("lost"). Records the
// ring buffer overwrote before they were read are said on stderr, and the follow goes on.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { listDevices } from "../host/discovery.ts";
import { followKernelLog, type LogBatch } from "../host/kernel-log-follow.ts";
import { isSmmuRecord, type SmmuFault } from "../host/kernel-log.ts";
import { SmmuFaultStream } from "../host/smmu-fault-stream.ts";
import { streamOwner } from "../host/stream-owner.ts";
import type { CliContext } from "./context.ts";
import { JsonLinesWriter, toJson } from "./output/json.ts";
import { faultJson, faultLine, recordJson, recordLine } from "./output/kernel-log-output.ts";
import { writeStderr, writeStdout } from "./output/stdio.ts";

/** The stderr line (with its newline) saying records were lost to the ring buffer and the follow goes on. */
export function lostRecordsNotice(lost: LogBatch["lost"], json: boolean): string {
  const count = typeof lost === "number" ? lost : null;
  const what = count === null ? "some kernel log records were" : `${count} kernel log record${count === 1 ? " was" : "s were"}`;
  const message = `${what} overwritten before they could be read (the kernel's ring buffer is full); following on`;
  return json ? `${toJson({ notice: { code: "KMSG_LOST", count, message } })}\n` : `vfio-plat: notice: ${message}\n`;
}

/**
 * Follow the log until a signal: print each batch as it arrives (only the SMMU drivers' records and their decoded
 * faults with `smmu`). @throws InterruptedError (through the caller) on a signal; SyscallError when /dev/kmsg cannot
 * be opened or read
 */
export async function followLog(ctx: CliContext, b: KernelBoundary, opts: { smmu: boolean; newOnly: boolean }): Promise<never> {
  const faults = opts.smmu ? new SmmuFaultStream() : undefined;
  let devices: ReturnType<typeof listDevices> | undefined; // listed once, at the first fault
  const owner = (f: SmmuFault) => (f.streamId === undefined ? undefined : streamOwner((devices ??= listDevices(b)), f.smmu, f.streamId));
  const jsonl = new JsonLinesWriter(); // the first record of the stream carries "schema": 1
  return followKernelLog(b, {
    newOnly: opts.newOnly,
    signal: ctx.abort.signal,
    onBatch: (batch) => {
      if (batch.lost !== 0) writeStderr(lostRecordsNotice(batch.lost, ctx.json));
      const records = opts.smmu ? batch.records.filter(isSmmuRecord) : batch.records;
      if (ctx.json) {
        for (const r of records) jsonl.line({ type: "record", ...recordJson(r) });
        for (const f of faults?.push(records) ?? []) jsonl.line({ type: "fault", ...faultJson(f, owner(f)) });
        return;
      }
      const lines = records.map(recordLine);
      for (const f of faults?.push(records) ?? []) lines.push(faultLine(f, owner(f)));
      if (lines.length) writeStdout(`${lines.join("\n")}\n`);
    },
  });
}
