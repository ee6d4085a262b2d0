// `vfio-plat log [--smmu]`: the kernel log as /dev/kmsg hands it out (the real one, or the simulated board's), printed
// dmesg-style or as JSON. It is where the IOMMU reports what a device's DMA did wrong: `--smmu` keeps only the Arm
// SMMU drivers' records (arm-smmu-v3 "event 0x10 received:" and its four words, arm-smmu context faults), then one
// decoded line per fault naming the master its stream ID belongs to (and the PL330 thread, from the DT's iommus).
// `--follow` (dmesg -w) goes on printing new records as they arrive, `--follow-new` (dmesg -W) only new ones, until a
// signal (../log-follow.ts).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { listDevices } from "../../host/discovery.ts";
import { isSmmuRecord, parseKmsgRecord, smmuFaults, type KernelLogRecord } from "../../host/kernel-log.ts";
import { streamOwner } from "../../host/stream-owner.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { jsonDocument } from "../output/json.ts";
import { faultJson, faultLine, recordJson, recordLine } from "../output/kernel-log-output.ts";
import { writeStdout } from "../output/stdio.ts";
import { followLog } from "../log-follow.ts";

/** The faults in `records`, each with the master (and PL330 thread) its stream ID belongs to, when known. */
function decodedFaults(b: KernelBoundary, records: readonly KernelLogRecord[]) {
  const faults = smmuFaults(records);
  if (faults.length === 0) return [];
  const devices = listDevices(b);
  return faults.map((f) => ({ fault: f, owner: f.streamId === undefined ? undefined : streamOwner(devices, f.smmu, f.streamId) }));
}

export async function run(ctx: CliContext, _args: string[], options: OptionsOf<"log">): Promise<number> {
  const b = await ctx.boundary();
  if (options.follow === true || options.followNew === true) {
    return followLog(ctx, b, { smmu: options.smmu === true, newOnly: options.followNew === true });
  }
  const all = b.fs.readRecords("/dev/kmsg").map(parseKmsgRecord).filter((r): r is KernelLogRecord => r !== undefined);
  const smmu = options.smmu === true;
  const records = smmu ? all.filter(isSmmuRecord) : all;
  const faults = smmu ? decodedFaults(b, all) : [];
  if (ctx.json) {
    const decoded = faults.map(({ fault, owner }) => faultJson(fault, owner));
    writeStdout(jsonDocument({ backend: b.kind, records: records.map(recordJson), ...(smmu ? { faults: decoded } : {}) }));
    return 0;
  }
  writeStdout(records.map((r) => `${recordLine(r)}\n`).join(""));
  for (const { fault, owner } of faults) writeStdout(`${faultLine(fault, owner)}\n`);
  return 0;
}
