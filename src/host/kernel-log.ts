// The kernel log as /dev/kmsg hands it out ("prio,seq,usec,flags;message" plus " KEY=value" dictionary lines), read
// from a sequence number on, and the IOMMU fault reports in it: arm-smmu-v3's "event 0xNN received:" followed by the
// event record's four 64-bit words, and arm-smmu's "Unhandled context fault: fsr=..., iova=..." (pl330-smmu.md
// §2.5-2.6). VFIO never forwards SMMU faults to user space; this log is the only place a test can find them.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { strerror } from "../boundary/errno.ts";

const KMSG_PATH = "/dev/kmsg";

export interface KernelLogRecord {
  seq: number;
  /** Microseconds since boot. */
  usec: number;
  /** Log level 0 (emerg) .. 7 (debug). */
  priority: number;
  /** Syslog facility (0 = kernel). */
  facility: number;
  /** The message's first line with /dev/kmsg's \xHH escapes undone. */
  message: string;
  /** Dictionary lines (SUBSYSTEM=platform, DEVICE=+platform:...). */
  dict: Record<string, string>;
}

export interface KernelLog {
  records: KernelLogRecord[];
  /** The sequence number the next record will have (pass it to a later read to get only newer records). */
  nextSeq: number;
  /** Why the log could not be read (EACCES under dmesg_restrict, ENOENT without /dev/kmsg); records are then empty. */
  unavailable?: { code: string; reason: string };
}

/** Undo /dev/kmsg's escaping: "\x09" -> tab, "\x5c" -> backslash. */
export function unescapeKmsg(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Parse one /dev/kmsg record ("6,1234,5678901,-;text" with optional ",caller=T1" header fields and "\n KEY=value"
 * dictionary lines). Returns undefined for text that is not a record.
 */
export function parseKmsgRecord(raw: string): KernelLogRecord | undefined {
  const semi = raw.indexOf(";");
  if (semi < 0) return undefined;
  const header = raw.slice(0, semi).split(",");
  const [prio, seq, usec] = header.map((x) => Number(x));
  if (header.length < 3 || ![prio, seq, usec].every((n) => Number.isSafeInteger(n) && n! >= 0)) return undefined;
  const [first, ...rest] = raw.slice(semi + 1).split("\n");
  const dict: Record<string, string> = {};
  for (const line of rest) {
    if (!line.startsWith(" ")) continue;
    const eq = line.indexOf("=");
    if (eq > 1) dict[line.slice(1, eq)] = unescapeKmsg(line.slice(eq + 1));
  }
  return { seq: seq!, usec: usec!, priority: prio! & 7, facility: prio! >> 3, message: unescapeKmsg(first ?? ""), dict };
}

/** A record of the Arm SMMU drivers: arm-smmu-v3 and arm-smmu prefix every line with their driver name. */
export function isSmmuRecord(r: { message: string }): boolean {
  return /^arm-smmu(-v3)? /.test(r.message);
}

function unavailableReason(e: SyscallError): string {
  const base = `cannot read ${KMSG_PATH}: ${strerror(e.code)} (${e.code})`;
  if (e.code === "EACCES" || e.code === "EPERM") return `${base} — reading the kernel log needs root, CAP_SYSLOG, or sysctl kernel.dmesg_restrict=0`;
  if (e.code === "ENOENT") return `${base} — this system has no ${KMSG_PATH}`;
  return base;
}

/**
 * Read the kernel log: every record with sequence number >= `sinceSeq` (all records when omitted). Never blocks.
 * A log the process may not read (EACCES/EPERM), or that does not exist (ENOENT), gives no records and `unavailable`
 * with the reason instead of an error: the log is a diagnostic, not something a test must have.
 * @throws errors other than SyscallError (programming errors)
 */
export function readKernelLog(b: Pick<KernelBoundary, "fs">, sinceSeq?: number): KernelLog {
  let raw: string[];
  try {
    raw = b.fs.readRecords(KMSG_PATH);
  } catch (e) {
    if (e instanceof SyscallError) return { records: [], nextSeq: sinceSeq ?? 0, unavailable: { code: e.code, reason: unavailableReason(e) } };
    throw e;
  }
  const all = raw.map(parseKmsgRecord).filter((r): r is KernelLogRecord => r !== undefined);
  const last = all.length ? all[all.length - 1]!.seq : -1;
  const records = sinceSeq === undefined ? all : all.filter((r) => r.seq >= sinceSeq);
  return { records, nextSeq: Math.max(last + 1, sinceSeq ?? 0) };
}

/** Where the log ends now: the sequence number the next record will get (0 when unreadable or empty). */
export function kernelLogPosition(b: Pick<KernelBoundary, "fs">): number {
  return readKernelLog(b).nextSeq;
}

/** Fault classes both SMMU generations report for a VFIO domain, plus the rest under "other". */
export type SmmuFaultKind = "translation" | "permission" | "address-size" | "access-flag" | "external" | "tlb-conflict" | "other";

export interface SmmuFault {
  format: "smmuv3" | "smmuv2";
  /** Sequence number of the record that starts the report. */
  seq: number;
  usec: number;
  /** The reporting driver and SMMU ("arm-smmu-v3", "9050000.smmuv3"). */
  driver: string;
  smmu: string;
  kind: SmmuFaultKind;
  /** SMMUv3 event name (F_TRANSLATION) or the SMMUv2 FSR bit names (TF, PF...). */
  name: string;
  /** SMMUv3 event ID. */
  eventId?: number;
  /** The device's stream ID (SMMUv3 record word 0 [63:32]; SMMUv2 CBFRSYNRA[15:0]). */
  streamId?: number;
  /** The faulting input address (IOVA), when reported. */
  address?: bigint;
  /** Direction and attributes of the faulting transaction, when reported. */
  access?: "read" | "write";
  instruction?: boolean;
  privileged?: boolean;
  /** SMMUv2 syndrome. */
  fsr?: number;
  fsynr?: number;
  cbfrsynra?: number;
  cb?: number;
  /** SMMUv3 raw record words as logged (up to four). */
  dwords?: bigint[];
  /** The log lines the report was built from. */
  lines: string[];
}

/** SMMUv3 event names by ID (IHI 0070; the IDs Linux names). */
const SMMUV3_EVENT_NAMES: Readonly<Record<number, string>> = {
  0x01: "F_UUT",
  0x02: "C_BAD_STREAMID",
  0x03: "F_STE_FETCH",
  0x04: "C_BAD_STE",
  0x05: "F_BAD_ATS_TREQ",
  0x06: "F_STREAM_DISABLED",
  0x07: "F_TRANSL_FORBIDDEN",
  0x08: "C_BAD_SUBSTREAMID",
  0x09: "F_CD_FETCH",
  0x0a: "C_BAD_CD",
  0x0b: "F_WALK_EABT",
  0x10: "F_TRANSLATION",
  0x11: "F_ADDR_SIZE",
  0x12: "F_ACCESS",
  0x13: "F_PERMISSION",
  0x20: "F_TLB_CONFLICT",
  0x21: "F_CFG_CONFLICT",
  0x24: "E_PAGE_REQUEST",
  0x25: "F_VMS_FETCH",
};

const V3_KIND: Readonly<Record<number, SmmuFaultKind>> = {
  0x10: "translation",
  0x11: "address-size",
  0x12: "access-flag",
  0x13: "permission",
  0x0b: "external",
  0x20: "tlb-conflict",
};

const PREFIX = /^(\S+) (\S+): (.*)$/;
const V3_START = /^event 0x([0-9a-f]+) received:$/i;
const V3_WORD = /^\s*0x([0-9a-f]{1,16})\s*$/i;
const V2_FAULT = /^Unhandled context fault: fsr=0x([0-9a-f]+), iova=0x([0-9a-f]+), fsynr=0x([0-9a-f]+), cbfrsynra=0x([0-9a-f]+), cb=(\d+)/i;
const V2_DECODED = /^(FSR|FSYNR0)\s+= /;

/** Decode the raw words of an SMMUv3 event record into `f` (fields of the words present). */
function decodeV3Words(f: SmmuFault): void {
  const w = f.dwords ?? [];
  if (w[0] !== undefined) f.streamId = Number((w[0] >> 32n) & 0xffff_ffffn);
  if (w[1] !== undefined) {
    const bit = (n: bigint) => ((w[1]! >> n) & 1n) === 1n;
    f.privileged = bit(33n);
    f.instruction = bit(34n);
    f.access = bit(35n) ? "read" : "write";
  }
  if (w[2] !== undefined) f.address = w[2];
}

/** Kind and FSR bit names of an SMMUv2 FSR value. */
function v2Kind(fsr: number): { kind: SmmuFaultKind; name: string } {
  const names: [number, string, SmmuFaultKind][] = [
    [1, "TF", "translation"],
    [3, "PF", "permission"],
    [2, "AFF", "access-flag"],
    [7, "ASF", "address-size"],
    [4, "EF", "external"],
    [5, "TLBMCF", "tlb-conflict"],
    [6, "TLBLKF", "other"],
    [8, "UUT", "other"],
  ];
  const set = names.filter(([bit]) => (fsr >>> bit) & 1);
  return { kind: set[0]?.[2] ?? "other", name: set.map(([, n]) => n).join("|") || "none" };
}

/**
 * Find SMMU fault reports in kernel log records (in order). SMMUv3: a record "event 0xNN received:" from a
 * driver+device, then up to four records from the same driver+device holding the record's 64-bit words (other
 * devices' records may be interleaved). SMMUv2: one "Unhandled context fault: ..." record; the decoded "FSR = ..." and
 * "FSYNR0 = ..." lines that follow are attached to it.
 */
export function smmuFaults(records: readonly KernelLogRecord[]): SmmuFault[] {
  const out: SmmuFault[] = [];
  const openV3 = new Map<string, SmmuFault>(); // by "driver device": the report still collecting words
  let lastV2: SmmuFault | undefined;
  for (const r of records) {
    const m = PREFIX.exec(r.message);
    if (!m) continue;
    const [, driver, smmu, text] = m as unknown as [string, string, string, string];
    const key = `${driver} ${smmu}`;
    const start = V3_START.exec(text);
    if (start) {
      const eventId = parseInt(start[1]!, 16);
      const f: SmmuFault = {
        format: "smmuv3",
        seq: r.seq,
        usec: r.usec,
        driver,
        smmu,
        kind: V3_KIND[eventId] ?? "other",
        name: SMMUV3_EVENT_NAMES[eventId] ?? `event 0x${eventId.toString(16)}`,
        eventId,
        dwords: [],
        lines: [r.message],
      };
      out.push(f);
      openV3.set(key, f);
      continue;
    }
    const open = openV3.get(key);
    const word = V3_WORD.exec(text);
    if (open && word) {
      open.dwords!.push(BigInt(`0x${word[1]}`));
      open.lines.push(r.message);
      decodeV3Words(open);
      if (open.dwords!.length >= 4) openV3.delete(key);
      continue;
    }
    const v2 = V2_FAULT.exec(text);
    if (v2) {
      const fsr = parseInt(v2[1]!, 16);
      const fsynr = parseInt(v2[3]!, 16);
      const { kind, name } = v2Kind(fsr);
      lastV2 = {
        format: "smmuv2",
        seq: r.seq,
        usec: r.usec,
        driver,
        smmu,
        kind,
        name,
        fsr,
        fsynr,
        cbfrsynra: parseInt(v2[4]!, 16),
        cb: Number(v2[5]),
        streamId: parseInt(v2[4]!, 16) & 0xffff,
        address: BigInt(`0x${v2[2]}`),
        access: fsynr & (1 << 4) ? "write" : "read",
        privileged: (fsynr & (1 << 5)) !== 0,
        instruction: (fsynr & (1 << 6)) !== 0,
        lines: [r.message],
      };
      out.push(lastV2);
      continue;
    }
    if (lastV2 && `${lastV2.driver} ${lastV2.smmu}` === key && V2_DECODED.test(text)) lastV2.lines.push(r.message);
  }
  return out;
}

/**
 * One line for a fault report: "arm-smmu-v3 9050000.smmuv3: F_PERMISSION (event 0x13): write, data, unprivileged,
 * stream 0x0, iova 0x00101000".
 */
export function describeSmmuFault(f: SmmuFault): string {
  const what = f.format === "smmuv3" ? `${f.name} (event 0x${f.eventId!.toString(16).padStart(2, "0")})` : `${f.kind} fault (fsr 0x${f.fsr!.toString(16)}: ${f.name})`;
  const attrs: string[] = [];
  if (f.access) attrs.push(f.access);
  if (f.instruction !== undefined) attrs.push(f.instruction ? "instruction" : "data");
  if (f.privileged !== undefined) attrs.push(f.privileged ? "privileged" : "unprivileged");
  if (f.streamId !== undefined) attrs.push(`stream 0x${f.streamId.toString(16)}`);
  if (f.address !== undefined) attrs.push(`iova 0x${f.address.toString(16).padStart(8, "0")}`);
  if (f.cb !== undefined) attrs.push(`cb ${f.cb}`);
  return `${f.driver} ${f.smmu}: ${what}${attrs.length ? `: ${attrs.join(", ")}` : ""}`;
}
