// `pl330 exec`'s report: the channel's final registers by their names in the built-in PL330 register map (CSRn,
// CPCn, SARn, DARn, CCRn, LC0_n, LC1_n, FTRn), each with what it means (the state, where an address points, the CCR
// in TRM syntax, the fault bits), the events raised, and each buffer's SHA-256 (or a hexdump with --dump); as text or
// one JSON document.
import { decodeCcr, formatCcr } from "../../drivers/pl330/ccr.ts";
import type { ProgramRunOutcome } from "../../drivers/pl330/program-run.ts";
import { CCR, CPC, CSR, DAR, FTR, LC0, LC1, SAR } from "../../drivers/pl330/registers.ts";
import { PL330_MAP } from "../../registers/builtin/pl330.ts";
import { hexAddr } from "../output/hex.ts";
import { formatHexdump } from "../output/hexdump.ts";
import { jsonDocument, jsonHex, jsonNanoseconds, jsonRegister } from "../output/json.ts";
import type { Width } from "../parse/access.ts";
import { formatPeriod } from "../parse/periods.ts";
import { digest, initName, whereIn, type PlacedBuffer } from "./buffers.ts";

/** What the report needs besides the outcome. */
export interface ExecFacts {
  device: string;
  /** The program file as given, and where the channel fetched it. */
  source: string;
  program: { address: number; length: number };
  buffers: readonly PlacedBuffer[];
  dumps: readonly string[];
  timeoutMs: number;
}

interface RegisterLine {
  name: string;
  /** Access width in bytes, as the map gives it (JSON values are padded to it, as `read --json` pads them). */
  width: Width;
  value: number;
  meaning: string;
}

/** The register's name in the built-in PL330 map (the TRM's) and its width in bytes, found by its offset. */
function mapName(offset: number): { name: string; width: Width } {
  const r = PL330_MAP.registers.find((x) => x.region === 0 && x.offset === offset);
  if (!r) throw new Error(`the built-in PL330 map has no register at 0x${offset.toString(16)}`);
  return { name: r.name, width: (r.width / 8) as Width };
}

/** The channel's registers as the run left them, each with its meaning. */
export function registerLines(o: ProgramRunOutcome, f: ExecFacts): RegisterLine[] {
  const r = o.registers;
  const ch = o.channel;
  const where = (a: number) => whereIn(a, f.buffers, f.program) ?? "outside the buffers and the program";
  return [
    { ...mapName(CSR(ch)), value: r.csr, meaning: `${r.status.state.name}${r.status.nonSecure ? ", non-secure" : ""}` },
    { ...mapName(CPC(ch)), value: r.cpc, meaning: where(r.cpc) },
    { ...mapName(SAR(ch)), value: r.sar, meaning: where(r.sar) },
    { ...mapName(DAR(ch)), value: r.dar, meaning: where(r.dar) },
    { ...mapName(CCR(ch)), value: r.ccr, meaning: formatCcr(decodeCcr(r.ccr)) },
    { ...mapName(LC0(ch)), value: r.lc0, meaning: String(r.lc0) },
    { ...mapName(LC1(ch)), value: r.lc1, meaning: String(r.lc1) },
    { ...mapName(FTR(ch)), value: r.ftr, meaning: r.ftr === 0 ? "no fault" : `${r.cause}: ${r.bits.map((b) => `bit ${b.bit} ${b.name}`).join(", ")}` },
  ];
}

const ms = (ns: bigint) => `${(Number(ns) / 1e6).toFixed(2)} ms`;

/** The text report: headline, registers, fault bits, events, buffers (and dumps). */
export function textReport(o: ProgramRunOutcome, f: ExecFacts): string {
  const ch = o.channel;
  const state = o.registers.status.state.name;
  const head =
    o.status === "stopped"
      ? `channel ${ch} ${state} after ${ms(o.ns)}`
      : o.status === "fault"
        ? `FAULT on channel ${ch} after ${ms(o.ns)}: ${o.registers.cause}`
        : `channel ${ch} still ${state} after ${formatPeriod(f.timeoutMs)}: timed out`;
  const lines = [`pl330 exec: ${f.device} ${head}`];
  lines.push(`  program ${f.source}: ${f.program.length} bytes at ${hexAddr(f.program.address)}`);
  const regs = registerLines(o, f);
  const w = Math.max(...regs.map((r) => r.name.length));
  for (const r of regs) lines.push(`  ${r.name.padEnd(w)}  ${hexAddr(r.value)}  ${r.meaning}`);
  if (o.status === "fault") {
    for (const b of o.registers.bits) lines.push(`    bit ${String(b.bit).padStart(2)} ${b.name} (${b.kind}): ${b.meaning}`);
    for (const b of o.registers.managerBits) lines.push(`    manager bit ${String(b.bit).padStart(2)} ${b.name}: ${b.meaning}`);
  }
  const armed = o.armed.length
    ? ` (interrupts enabled for event${o.armed.length === 1 ? "" : "s"} ${o.armed.join(", ")}: ${o.interrupts} eventfd wakeup${o.interrupts === 1 ? "" : "s"})`
    : "";
  // An event's raw interrupt status latches only while its INTEN bit is set: with none enabled, none can be seen.
  if (o.armed.length === 0) lines.push("  events raised: not watched (no event interrupt enabled)");
  else lines.push(`  events raised: ${o.events.length ? o.events.join(", ") : "none"}${armed}`);
  if (o.afterKill) lines.push(`  channel ${ch} killed with DMAKILL (now ${o.afterKill.state.name})`);
  const nw = Math.max(0, ...f.buffers.map((b) => b.name.length));
  for (const b of f.buffers) {
    lines.push(`  buffer ${b.name.padEnd(nw)}  ${b.size} bytes at ${hexAddr(b.address)} (${initName(b.init)})  sha256 ${digest(b.data)}`);
    if (f.dumps.includes(b.name)) lines.push(...dumpLines(b).map((l) => `    ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

/** memtool-style lines of a buffer's bytes, offsets from its start. */
function dumpLines(b: PlacedBuffer): string[] {
  const words = Array.from(b.data, (x) => BigInt(x));
  return formatHexdump(words, { width: 1 });
}

/** The --json document. */
export function jsonReport(o: ProgramRunOutcome, f: ExecFacts): string {
  const r = o.registers;
  return jsonDocument({
    device: f.device,
    channel: o.channel,
    status: o.status,
    ns: jsonNanoseconds(o.ns),
    program: { source: f.source, address: jsonHex(f.program.address), length: f.program.length },
    state: r.status.state.name,
    registers: Object.fromEntries(registerLines(o, f).map((l) => [l.name, jsonRegister(l.value, l.width)])), // as `read --json` gives them
    fault:
      o.status === "fault"
        ? { cause: r.cause, bits: r.bits.map((b) => b.name), fsrc: jsonRegister(r.fsrc, 4), fsrd: jsonRegister(r.fsrd, 4), ftrd: jsonRegister(r.ftrd, 4), manager_bits: r.managerBits.map((b) => b.name) }
        : null,
    events: o.events,
    armed_events: o.armed,
    interrupts: o.interrupts,
    after_kill: o.afterKill?.state.name ?? null,
    buffers: f.buffers.map((b) => ({
      name: b.name,
      size: b.size,
      address: jsonHex(b.address),
      init: initName(b.init),
      sha256: digest(b.data),
      ...(f.dumps.includes(b.name) ? { bytes: Buffer.from(b.data).toString("hex") } : {}),
    })),
  });
}

/** Advice for a fault, by its first cause bit (the CLI's words; the driver only names the bits). */
const FAULT_HINTS: Readonly<Record<string, string>> = {
  undef_instr: "the byte at CPC is no instruction a channel runs: list the program with vfio-plat pl330 disasm",
  operand_invalid: "an operand this DMAC's configuration does not allow (an event, peripheral or burst size it lacks)",
  ch_rdwr_err: "the channel runs Non-secure: write SP2 DP2 in DMAMOV CCR (Non-secure data accesses)",
  ch_evnt_err: "the channel runs Non-secure and the event is Secure (CR3): use a Non-secure event",
  ch_periph_err: "the channel runs Non-secure and the peripheral is Secure (CR4)",
  st_data_unavailable: "a DMAST with too little data loaded: give source and destination the same burst bytes",
  mfifo_err: "the MFIFO is too small for these bursts: use shorter bursts",
  instr_fetch_err: "the program could not be fetched at CPC: the IOMMU refused it or nothing is mapped there",
  data_read_err: "a read at SAR was refused: the address lies outside the buffers or the IOMMU refused it",
  data_write_err: "a write at DAR was refused: the address lies outside the buffers, or in the read-only program buffer",
};

/** The hint of a fault report. */
export function faultHint(o: ProgramRunOutcome): string {
  const first = o.registers.bits.find((b) => b.kind !== "flag");
  return (first && FAULT_HINTS[first.name]) ?? "see the report above: an undefined instruction, a bad operand, or an address the IOMMU refused";
}
