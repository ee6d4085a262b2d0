// Turning PL330 status and fault registers into words: channel/manager state codes (CSR/DSR), the fault-type bits of
// FTRn and FTRD, and the faulting-channel bitmap FSRC (pl330-smmu.md §1.4, §1.8). An SMMU fault reaches the DMAC only
// as a bus error, so these bits (instr_fetch_err, data_read_err, data_write_err) are what a test can see on the device.

export interface StateCode {
  code: number;
  name: string;
  meaning: string;
}

/** Thread state codes (CSR[3:0] for channels, DSR[3:0] for the manager). */
export const THREAD_STATES: Readonly<Record<number, StateCode>> = Object.fromEntries(
  (
    [
      [0x0, "Stopped", "not running (no valid PC)"],
      [0x1, "Executing", "running its program"],
      [0x2, "Cache miss", "waiting for an instruction cache line fill"],
      [0x3, "Updating PC", "computing the next fetch address"],
      [0x4, "Waiting for event", "blocked in DMAWFE"],
      [0x5, "At barrier", "waiting in DMARMB/DMAWMB/DMAFLUSHP for its transfers to drain"],
      [0x6, "Queue busy", "reserved code (Linux: waiting for a queue slot)"],
      [0x7, "Waiting for peripheral", "blocked in DMAWFP"],
      [0x8, "Killing", "DMAKILL issued, waiting for outstanding transactions"],
      [0x9, "Completing", "DMAEND executed, waiting for outstanding transactions"],
      [0xe, "Faulting completing", "fault detected, outstanding transactions still completing"],
      [0xf, "Faulting", "aborted; waits for DMAKILL through the debug interface"],
    ] as const
  ).map(([code, name, meaning]) => [code, { code, name, meaning }]),
);

export const STATE_STOPPED = 0x0;
export const STATE_COMPLETING = 0x9;
export const STATE_FAULTING_COMPLETING = 0xe;
export const STATE_FAULTING = 0xf;

/** The state of a 4-bit code; reserved codes get a "reserved" name. */
export function threadState(code: number): StateCode {
  const c = code & 0xf;
  return THREAD_STATES[c] ?? { code: c, name: `reserved (0x${c.toString(16)})`, meaning: "reserved state code" };
}

export interface ChannelStatus {
  state: StateCode;
  /** Event or peripheral the channel waits on (CSR[8:4]). */
  wakeup: number;
  /** The last DMAWFP used the burst form (CSR[14]). */
  dmawfpBurst: boolean;
  /** The last DMAWFP used the periph form (CSR[15]). */
  dmawfpPeriph: boolean;
  /** Channel runs Non-secure (CSR[21], from DMAGO's ns bit). */
  nonSecure: boolean;
}

/** Decode a CSRn value. */
export function decodeCsr(csr: number): ChannelStatus {
  return {
    state: threadState(csr & 0xf),
    wakeup: (csr >>> 4) & 0x1f,
    dmawfpBurst: (csr & (1 << 14)) !== 0,
    dmawfpPeriph: (csr & (1 << 15)) !== 0,
    nonSecure: (csr & (1 << 21)) !== 0,
  };
}

export interface ManagerStatus {
  state: StateCode;
  /** Event the manager waits on (DSR[8:4]). */
  wakeup: number;
  /** Manager Non-secure (DSR[9]). */
  nonSecure: boolean;
}

/** Decode DSR. */
export function decodeDsr(dsr: number): ManagerStatus {
  return { state: threadState(dsr & 0xf), wakeup: (dsr >>> 4) & 0x1f, nonSecure: (dsr & (1 << 9)) !== 0 };
}

export interface FaultBit {
  bit: number;
  name: string;
  kind: "precise" | "imprecise" | "flag";
  meaning: string;
}

/** FTRn bits (channel fault type). */
export const CHANNEL_FAULT_BITS: readonly FaultBit[] = [
  { bit: 0, name: "undef_instr", kind: "precise", meaning: "undefined instruction, or one a channel may not execute" },
  { bit: 1, name: "operand_invalid", kind: "precise", meaning: "operand not valid for this configuration" },
  { bit: 5, name: "ch_evnt_err", kind: "precise", meaning: "Non-secure channel used a secure event" },
  { bit: 6, name: "ch_periph_err", kind: "precise", meaning: "Non-secure channel used a secure peripheral" },
  { bit: 7, name: "ch_rdwr_err", kind: "precise", meaning: "Non-secure channel asked for a secure read or write in CCR" },
  { bit: 12, name: "mfifo_err", kind: "imprecise", meaning: "MFIFO too small for the load or store" },
  { bit: 13, name: "st_data_unavailable", kind: "precise", meaning: "DMAST without enough loaded data in the MFIFO" },
  { bit: 16, name: "instr_fetch_err", kind: "precise", meaning: "instruction fetch error: bus error response on an instruction fetch" },
  { bit: 17, name: "data_write_err", kind: "imprecise", meaning: "data write error: bus error response (BRESP) on a data write" },
  { bit: 18, name: "data_read_err", kind: "imprecise", meaning: "data read error: bus error response (RRESP) on a data read" },
  { bit: 30, name: "dbg_instr", kind: "flag", meaning: "the aborting instruction came from the debug interface" },
  { bit: 31, name: "lockup_err", kind: "imprecise", meaning: "channel locked up for lack of resources (watchdog)" },
];

/** FTRD bits (manager fault type). */
export const MANAGER_FAULT_BITS: readonly FaultBit[] = [
  { bit: 0, name: "undef_instr", kind: "precise", meaning: "undefined instruction" },
  { bit: 1, name: "operand_invalid", kind: "precise", meaning: "operand not valid for this configuration" },
  { bit: 4, name: "dmago_err", kind: "precise", meaning: "Non-secure manager issued a secure DMAGO" },
  { bit: 5, name: "mgr_evnt_err", kind: "precise", meaning: "Non-secure manager used a secure event" },
  { bit: 16, name: "instr_fetch_err", kind: "precise", meaning: "instruction fetch error: bus error response on a manager fetch" },
  { bit: 30, name: "dbg_instr", kind: "flag", meaning: "the aborting instruction came from the debug interface" },
];

function decodeBits(value: number, table: readonly FaultBit[]): FaultBit[] {
  const out: FaultBit[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    out.push(table.find((b) => b.bit === bit) ?? { bit, name: `reserved_bit${bit}`, kind: "flag", meaning: `reserved bit ${bit} set` });
  }
  return out;
}

/** The set bits of an FTRn value, low bit first; reserved bits are reported too. */
export function decodeChannelFault(ftr: number): FaultBit[] {
  return decodeBits(ftr >>> 0, CHANNEL_FAULT_BITS);
}

/** The set bits of FTRD. */
export function decodeManagerFault(ftrd: number): FaultBit[] {
  return decodeBits(ftrd >>> 0, MANAGER_FAULT_BITS);
}

/** Channels whose FSRC bit is set (Faulting or Faulting completing). */
export function faultingChannels(fsrc: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < 8; n++) if ((fsrc >>> n) & 1) out.push(n);
  return out;
}

/** Everything the registers say about one faulted channel, as read right after the fault. */
export interface ChannelFaultRegisters {
  channel: number;
  csr: number;
  cpc: number;
  sar: number;
  dar: number;
  ccr: number;
  lc0: number;
  lc1: number;
  ftr: number;
  fsrc: number;
  fsrd: number;
  ftrd: number;
}

export interface ChannelFaultReport extends ChannelFaultRegisters {
  status: ChannelStatus;
  bits: FaultBit[];
  managerBits: FaultBit[];
  /** The cause in a few words: "data write error", "instruction fetch error", ... (first cause bit). */
  cause: string;
}

/** Short cause names for the bits a bus error produces, and the others. */
const CAUSE_NAMES: Readonly<Record<string, string>> = {
  instr_fetch_err: "instruction fetch error",
  data_write_err: "data write error",
  data_read_err: "data read error",
  undef_instr: "undefined instruction",
  operand_invalid: "invalid operand",
  st_data_unavailable: "store without loaded data",
  mfifo_err: "MFIFO error",
  lockup_err: "lock-up (watchdog)",
  ch_evnt_err: "secure event from a Non-secure channel",
  ch_periph_err: "secure peripheral from a Non-secure channel",
  ch_rdwr_err: "secure access from a Non-secure channel",
};

/** Build the report for a channel fault from its registers. */
export function describeChannelFault(r: ChannelFaultRegisters): ChannelFaultReport {
  const bits = decodeChannelFault(r.ftr);
  const causes = bits.filter((b) => b.kind !== "flag");
  const cause = causes.length ? causes.map((b) => CAUSE_NAMES[b.name] ?? b.name).join(" + ") : r.ftr === 0 ? "no fault bits set" : "only flag bits set";
  return { ...r, status: decodeCsr(r.csr), bits, managerBits: decodeManagerFault(r.ftrd), cause };
}

const h8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/**
 * Human lines for a fault report: state, each fault bit, the program counter (with its offset into the program when
 * `program` is given), SAR/DAR and the fault status registers.
 */
export function formatChannelFault(r: ChannelFaultReport, program?: { address: number; length: number }): string[] {
  const lines = [`channel ${r.channel}: ${r.status.state.name} (CSR ${h8(r.csr)}: state 0x${r.status.state.code.toString(16)}${r.status.nonSecure ? ", non-secure" : ""})`];
  lines.push(`FTR${r.channel} ${h8(r.ftr)}: ${r.cause}`);
  for (const b of r.bits) lines.push(`  bit ${String(b.bit).padStart(2)} ${b.name} (${b.kind}): ${b.meaning}`);
  let pc = `CPC ${h8(r.cpc)}`;
  if (program) {
    const off = (r.cpc >>> 0) - program.address;
    pc += off >= 0 && off <= program.length ? ` (program +0x${off.toString(16)})` : " (outside the program)";
  }
  lines.push(`${pc}  SAR ${h8(r.sar)}  DAR ${h8(r.dar)}  CCR ${h8(r.ccr)}  LC0 ${r.lc0}  LC1 ${r.lc1}`);
  lines.push(`FSRC ${h8(r.fsrc)} (faulting channels: ${faultingChannels(r.fsrc).join(", ") || "none"})  FSRD ${h8(r.fsrd)}  FTRD ${h8(r.ftrd)}`);
  for (const b of r.managerBits) lines.push(`  manager bit ${String(b.bit).padStart(2)} ${b.name}: ${b.meaning}`);
  return lines;
}
