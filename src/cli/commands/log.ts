// `vfio-plat log [--smmu]`: the kernel log as /dev/kmsg hands it out (the real one, or the simulated board's), printed
// dmesg-style or as JSON. It is where the IOMMU reports what a device's DMA did wrong: `--smmu` keeps only the Arm
// SMMU drivers' records (arm-smmu-v3 "event 0x10 received:" and its four words, arm-smmu context faults), then one
// decoded line per fault naming the master its stream ID belongs to (and the PL330 thread, from the DT's iommus).
// `--follow` (dmesg -w) goes on printing new records as they arrive, `--follow-new` (dmesg -W) only new ones, until a
// signal (../log-follow.ts).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { listDevices } from "../../host/discovery.ts";
import { describeSmmuFault, isSmmuRecord, parseKmsgRecord as parseLogRecord, smmuFaults, type KernelLogRecord } from "../../host/kernel-log.ts";
import { streamOwner } from "../../host/stream-owner.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { followLog, kernelStamp } from "../log-follow.ts";

/** One /dev/kmsg record: "prio,seq,usec,flags;message", then " KEY=value" dictionary lines. */
export interface KmsgRecord {
  seq: number;
  /** Log level (the priority's low three bits: 3 err, 4 warning, 6 info, ...). */
  level: number;
  /** Microseconds since boot. */
  usec: number;
  /** The message with /dev/kmsg's \xHH escapes undone. */
  message: string;
  /** DEVICE= from the dictionary ("+pci:0000:00:02.0"), when the record names one. */
  device?: string;
}

/** Parse a record; undefined for a line that is not one. */
export function parseKmsgRecord(text: string): KmsgRecord | undefined {
  const m = /^(\d+),(\d+),(\d+),[^;]*;([^\n]*)((?:\n.*)*)$/.exec(text);
  if (!m) return undefined;
  const device = /\n DEVICE=(\S+)/.exec(m[5] ?? "")?.[1];
  const message = m[4]!.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return { seq: Number(m[2]), level: Number(m[1]) & 7, usec: Number(m[3]), message, ...(device ? { device } : {}) };
}

const stamp = kernelStamp;

/** The faults in `raw` records, each with the master (and PL330 thread) its stream ID belongs to, when known. */
function decodedFaults(b: KernelBoundary, raw: string[]) {
  const faults = smmuFaults(raw.map(parseLogRecord).filter((r): r is KernelLogRecord => r !== undefined));
  if (faults.length === 0) return [];
  const devices = listDevices(b);
  return faults.map((f) => ({ fault: f, owner: f.streamId === undefined ? undefined : streamOwner(devices, f.smmu, f.streamId) }));
}

export async function run(ctx: CliContext, _args: string[], options: OptionsOf<"log">): Promise<number> {
  const b = await ctx.boundary();
  if (options.follow === true || options.followNew === true) {
    return followLog(ctx, b, { smmu: options.smmu === true, newOnly: options.followNew === true });
  }
  const raw = b.fs.readRecords("/dev/kmsg");
  let records = raw.map(parseKmsgRecord).filter((r): r is KmsgRecord => r !== undefined);
  const smmu = options.smmu === true;
  if (smmu) records = records.filter(isSmmuRecord);
  const faults = smmu ? decodedFaults(b, raw) : [];
  if (ctx.json) {
    const decoded = faults.map(({ fault: f, owner }) => ({
      seq: f.seq,
      smmu: f.smmu,
      kind: f.kind,
      stream_id: f.streamId ?? null,
      iova: f.address === undefined ? null : `0x${f.address.toString(16)}`,
      access: f.access ?? null,
      device: owner?.device ?? null,
      thread: owner?.thread ?? null,
    }));
    writeStdout(jsonDocument({ backend: b.kind, records: records.map((r) => ({ ...r, device: r.device ?? null })), ...(smmu ? { faults: decoded } : {}) }));
    return 0;
  }
  writeStdout(records.map((r) => `${stamp(r.usec)} ${r.message}\n`).join(""));
  for (const { fault, owner } of faults) {
    const who = owner ? ` — ${owner.device}${owner.thread ? ` ${owner.thread}` : ""}` : "";
    writeStdout(`fault: ${describeSmmuFault(fault)}${who}\n`);
  }
  return 0;
}
