// Kernel log records and decoded SMMU faults as `log` prints them, once for both ways of reading the log (the whole
// log, and `log --follow` as records arrive): the dmesg-style line, the "fault:" line naming the master, and the
// JSON shapes of a record and a fault (`log --json`'s arrays, `log --follow --json`'s lines with a `type` added).
import type { KernelLogRecord, SmmuFault } from "../../host/kernel-log.ts";
import { describeSmmuFault } from "../../host/kernel-log.ts";
import type { StreamOwner } from "../../host/stream-owner.ts";

/** dmesg's "[    5.123456]" for microseconds since boot. */
export function kernelStamp(usec: number): string {
  return `[${String(Math.floor(usec / 1e6)).padStart(5, " ")}.${String(usec % 1e6).padStart(6, "0")}]`;
}

/** "[    5.123456] message", as dmesg prints a record. */
export function recordLine(r: KernelLogRecord): string {
  return `${kernelStamp(r.usec)} ${r.message}`;
}

/** "fault: <decoded> — <master> [<thread>]": a decoded fault and, when known, the device its stream ID belongs to. */
export function faultLine(f: SmmuFault, owner: StreamOwner | undefined): string {
  return `fault: ${describeSmmuFault(f)}${owner ? ` — ${owner.device}${owner.thread ? ` ${owner.thread}` : ""}` : ""}`;
}

/** A record in JSON: seq, level (the priority's low bits), usec, message, device (DEVICE= of its dictionary, or null). */
export function recordJson(r: KernelLogRecord): { seq: number; level: number; usec: number; message: string; device: string | null } {
  return { seq: r.seq, level: r.priority, usec: r.usec, message: r.message, device: r.dict.DEVICE ?? null };
}

/** A decoded fault in JSON, its IOVA as a hex string and the master (and PL330 thread) when known, else null. */
export function faultJson(f: SmmuFault, owner: StreamOwner | undefined): Record<string, unknown> {
  return {
    seq: f.seq,
    smmu: f.smmu,
    kind: f.kind,
    stream_id: f.streamId ?? null,
    iova: f.address === undefined ? null : `0x${f.address.toString(16)}`,
    access: f.access ?? null,
    device: owner?.device ?? null,
    thread: owner?.thread ?? null,
  };
}
