// `log --follow` / `--follow-new` (dmesg -w / -W): the kernel log's records printed as they arrive, until a signal
// (130/143). Text: the dmesg-style line of each record, and with --smmu a "fault:" line once an SMMU report is whole;
// --json: JSON Lines, one object per record ("type":"record"), decoded fault ("fault") and loss ("lost"). Records the
// ring buffer overwrote before they were read are said on stderr, and the follow goes on.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { listDevices } from "../host/discovery.ts";
import { followKernelLog, type LogBatch } from "../host/kernel-log-follow.ts";
import { describeSmmuFault, isSmmuRecord, type KernelLogRecord, type SmmuFault } from "../host/kernel-log.ts";
import { SmmuFaultStream } from "../host/smmu-fault-stream.ts";
import { streamOwner } from "../host/stream-owner.ts";
import type { CliContext } from "./context.ts";
import { JsonLinesWriter, toJson } from "./output/json.ts";
import { writeStderr, writeStdout } from "./output/stdio.ts";

/** dmesg's "[    5.123456]" for microseconds since boot. */
export function kernelStamp(usec: number): string {
  return `[${String(Math.floor(usec / 1e6)).padStart(5, " ")}.${String(usec % 1e6).padStart(6, "0")}]`;
}

/** The stderr line (with its newline) saying records were lost to the ring buffer and the follow goes on. */
export function lostRecordsNotice(lost: LogBatch["lost"], json: boolean): string {
  const count = typeof lost === "number" ? lost : null;
  const what = count === null ? "some kernel log records were" : `${count} kernel log record${count === 1 ? " was" : "s were"}`;
  const message = `${what} overwritten before they could be read (the kernel's ring buffer is full); following on`;
  return json ? `${toJson({ notice: { code: "KMSG_LOST", count, message } })}\n` : `vfio-plat: notice: ${message}\n`;
}

/** A record as one JSON Lines object (the fields of `log --json`'s records, plus its type). */
function recordJson(r: KernelLogRecord): { type: "record" } & Record<string, unknown> {
  return { type: "record", seq: r.seq, level: r.priority, usec: r.usec, message: r.message, device: r.dict.DEVICE ?? null };
}

/** A decoded fault as one JSON Lines object (the fields of `log --smmu --json`'s faults, plus its type). */
function faultJson(f: SmmuFault, o: ReturnType<typeof streamOwner>): { type: "fault" } & Record<string, unknown> {
  return {
    type: "fault",
    seq: f.seq,
    smmu: f.smmu,
    kind: f.kind,
    stream_id: f.streamId ?? null,
    iova: f.address === undefined ? null : `0x${f.address.toString(16)}`,
    access: f.access ?? null,
    device: o?.device ?? null,
    thread: o?.thread ?? null,
  };
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
        for (const r of records) jsonl.line(recordJson(r));
        for (const f of faults?.push(records) ?? []) jsonl.line(faultJson(f, owner(f)));
        return;
      }
      const lines: string[] = records.map((r) => `${kernelStamp(r.usec)} ${r.message}`);
      for (const f of faults?.push(records) ?? []) {
        const o = owner(f);
        lines.push(`fault: ${describeSmmuFault(f)}${o ? ` — ${o.device}${o.thread ? ` ${o.thread}` : ""}` : ""}`);
      }
      if (lines.length) writeStdout(`${lines.join("\n")}\n`);
    },
  });
}
