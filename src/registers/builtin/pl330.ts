// The ARM CoreLink DMA-330 (PL330) DMA controller (ARM DDI 0424, register summary; pl330-smmu.md §1.2): the manager's
// status, interrupt and fault registers, each channel's FTRn/CSRn/CPCn/SARn/DARn/CCRn/LC0_n/LC1_n for n = 0..7, the
// debug interface, the configuration registers and the PrimeCell IDs. Offsets, thread states and fault bits come from
// the driver's own tables (src/drivers/pl330), so the map and the driver cannot drift apart.
import type { FieldSpec, RegisterMap, RegisterSpec } from "../register-map.ts";
import { CHANNEL_FAULT_BITS, MANAGER_FAULT_BITS, THREAD_STATES, type FaultBit } from "../../drivers/pl330/faults.ts";
import * as R from "../../drivers/pl330/registers.ts";
import { bit, field, primeCellIdRegisters, reg } from "./define.ts";
import { PL330_IDENTITY } from "./identities.ts";

/** State-code meanings for CSRn/DSR [3:0]: every code the driver names, or only the manager's. */
function stateValues(codes?: readonly number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of Object.values(THREAD_STATES)) if (!codes || codes.includes(s.code)) out[String(s.code)] = s.name;
  return out;
}

/** Fault-type bits as one-bit fields, named as the TRM spells them (upper case). */
function faultFields(bits: readonly FaultBit[]): FieldSpec[] {
  return bits.map((b) => bit(b.name.toUpperCase(), b.bit, `${b.meaning} (${b.kind})`));
}

/** Bytes per beat by the 3-bit burst-size code. */
const BURST_SIZE: Record<string, string> = { "0": "1 byte", "1": "2 bytes", "2": "4 bytes", "3": "8 bytes", "4": "16 bytes" };
const SECURITY: Record<string, string> = { "0": "Secure", "1": "Non-secure" };

/** CCRn (pl330-smmu.md §1.6): the source half, the destination half and the endian swap. */
const CCR_FIELDS: FieldSpec[] = [
  bit("SRC_INC", 0, "source address increments after each beat", { "0": "fixed", "1": "incrementing" }),
  field("SRC_BURST_SIZE", 1, 3, { description: "bytes per source beat", values: BURST_SIZE }),
  field("SRC_BURST_LEN", 4, 4, { description: "beats per source burst, minus 1" }),
  field("SRC_PROT_CTRL", 8, 3, { description: "ARPROT[2:0]: bit 0 privileged, bit 1 Non-secure, bit 2 instruction" }),
  field("SRC_CACHE_CTRL", 11, 3, { description: "ARCACHE[2:0]" }),
  bit("DST_INC", 14, "destination address increments after each beat", { "0": "fixed", "1": "incrementing" }),
  field("DST_BURST_SIZE", 15, 3, { description: "bytes per destination beat", values: BURST_SIZE }),
  field("DST_BURST_LEN", 18, 4, { description: "beats per destination burst, minus 1" }),
  field("DST_PROT_CTRL", 22, 3, { description: "AWPROT[2:0]: bit 0 privileged, bit 1 Non-secure, bit 2 instruction" }),
  field("DST_CACHE_CTRL", 25, 3, { description: "AWCACHE[3], AWCACHE[1], AWCACHE[0]" }),
  field("ENDIAN_SWAP_SIZE", 28, 3, {
    description: "byte swap between load and store",
    values: { "0": "no swap", "1": "16-bit", "2": "32-bit", "3": "64-bit", "4": "128-bit" },
  }),
];

/** Reset value of CCRn: source and destination prot 0b010 (Non-secure, unprivileged, data), 1-byte fixed beats. */
export const PL330_CCR_RESET = 0x0080_0200n;

/** The eight registers of channel n. */
function channelRegisters(n: number): RegisterSpec[] {
  return [
    reg(`FTR${n}`, R.FTR(n), "RO", { reset: 0n, description: `fault type of channel ${n}`, fields: faultFields(CHANNEL_FAULT_BITS) }),
    reg(`CSR${n}`, R.CSR(n), "RO", {
      reset: 0n,
      description: `channel ${n} status`,
      fields: [
        field("CHANNEL_STATUS", 0, 4, { description: "thread state", values: stateValues() }),
        field("WAKEUP_NUMBER", 4, 5, { description: "event or peripheral the channel waits for" }),
        bit("DMAWFP_B_NS", 14, "the last DMAWFP was the burst form", { "0": "single", "1": "burst" }),
        bit("DMAWFP_PERIPH", 15, "the last DMAWFP used the periph operand", { "0": "no", "1": "yes" }),
        bit("CNS", 21, "security state of the channel (DMAGO's ns bit)", SECURITY),
      ],
    }),
    reg(`CPC${n}`, R.CPC(n), "RO", { reset: 0n, description: `channel ${n} program counter` }),
    reg(`SAR${n}`, R.SAR(n), "RO", { reset: 0n, description: `channel ${n} source address` }),
    reg(`DAR${n}`, R.DAR(n), "RO", { reset: 0n, description: `channel ${n} destination address` }),
    reg(`CCR${n}`, R.CCR(n), "RO", { reset: PL330_CCR_RESET, description: `channel ${n} control`, fields: CCR_FIELDS }),
    reg(`LC0_${n}`, R.LC0(n), "RO", {
      reset: 0n,
      description: `channel ${n} loop counter 0`,
      fields: [field("LOOP_COUNTER_ITERATIONS", 0, 8)],
    }),
    reg(`LC1_${n}`, R.LC1(n), "RO", {
      reset: 0n,
      description: `channel ${n} loop counter 1`,
      fields: [field("LOOP_COUNTER_ITERATIONS", 0, 8)],
    }),
  ];
}

const MANAGER_STATES = [0x0, 0x1, 0x2, 0x3, 0x4, 0xf];

const GLOBAL_REGISTERS: RegisterSpec[] = [
  reg("DSR", R.DSR, "RO", {
    // Bit 9 (boot_manager_ns) and the state (Executing when boot_from_pc) follow the DMAC's tie-offs.
    reset: 0n,
    resetMask: 0xffff_fdf0n,
    description: "DMA manager status",
    fields: [
      field("DMA_STATUS", 0, 4, { description: "manager thread state", values: stateValues(MANAGER_STATES) }),
      field("WAKEUP_EVENT", 4, 5, { description: "event the manager waits for" }),
      bit("DNS", 9, "security state of the manager", SECURITY),
    ],
  }),
  reg("DPC", R.DPC, "RO", { description: "DMA manager program counter (the boot address when booting from CR2)" }),
  reg("INTEN", R.INTEN, "RW", { reset: 0n, description: "bit N: 0 = DMASEV N signals event N, 1 = DMASEV N raises irq[N]" }),
  reg("INT_EVENT_RIS", R.INT_EVENT_RIS, "RO", { reset: 0n, description: "bit N: event N is active or irq[N] is high" }),
  reg("INTMIS", R.INTMIS, "RO", { reset: 0n, description: "bit N: irq[N] is high (INT_EVENT_RIS AND INTEN)" }),
  reg("INTCLR", R.INTCLR, "WO", { description: "write 1 to bit N to clear irq[N] (only where INTEN[N] is 1)" }),
  reg("FSRD", R.FSRD, "RO", {
    reset: 0n,
    description: "fault status of the manager",
    fields: [bit("FS_MGR", 0, "the manager thread is Faulting", { "0": "no fault", "1": "Faulting" })],
  }),
  reg("FSRC", R.FSRC, "RO", {
    reset: 0n,
    description: "fault status of the channels",
    fields: [field("FAULT_STATUS", 0, 8, { description: "bit n: channel n is Faulting or Faulting completing" })],
  }),
  reg("FTRD", R.FTRD, "RO", { reset: 0n, description: "fault type of the manager", fields: faultFields(MANAGER_FAULT_BITS) }),
];

const DEBUG_REGISTERS: RegisterSpec[] = [
  reg("DBGSTATUS", R.DBGSTATUS, "RO", {
    reset: 0n,
    description: "debug status",
    fields: [bit("DBGSTATUS", 0, "the debug instruction is executing", { "0": "idle", "1": "busy" })],
  }),
  reg("DBGCMD", R.DBGCMD, "WO", {
    description: "debug command: 0 executes the instruction held in DBGINST0/1",
    fields: [field("DBGCMD", 0, 2, { values: { "0": "execute DBGINST0/1" } })],
  }),
  reg("DBGINST0", R.DBGINST0, "WO", {
    description: "debug instruction 0: target thread and the first two instruction bytes",
    fields: [
      bit("DEBUG_THREAD", 0, "thread that executes the instruction", { "0": "DMA manager", "1": "DMA channel" }),
      field("CHANNEL_NUMBER", 8, 3),
      field("INSTRUCTION_BYTE0", 16, 8),
      field("INSTRUCTION_BYTE1", 24, 8),
    ],
  }),
  reg("DBGINST1", R.DBGINST1, "WO", {
    description: "debug instruction 1: instruction bytes 2 to 5",
    fields: [0, 1, 2, 3].map((i) => field(`INSTRUCTION_BYTE${i + 2}`, 8 * i, 8)),
  }),
];

/** Configuration registers: tie-offs chosen by the SoC designer, so no reset value is given. */
const CONFIG_REGISTERS: RegisterSpec[] = [
  reg("CR0", R.CR0, "RO", {
    description: "configuration 0",
    fields: [
      bit("PERIPH_REQ", 0, "peripheral request interfaces present", { "0": "none", "1": "present" }),
      bit("BOOT_EN", 1, "the manager boots from CR2 at reset"),
      bit("MGR_NS_AT_RST", 2, "security state of the manager at reset", SECURITY),
      field("NUM_CHNLS", 4, 3, { description: "channel threads, minus 1" }),
      field("NUM_PERIPH_REQ", 12, 5, { description: "peripheral request interfaces, minus 1" }),
      field("NUM_EVENTS", 17, 5, { description: "events and interrupts, minus 1" }),
    ],
  }),
  reg("CR1", R.CR1, "RO", {
    description: "configuration 1: the instruction cache",
    fields: [
      field("I_CACHE_LEN", 0, 3, { description: "cache line length", values: { "2": "4 bytes", "3": "8 bytes", "4": "16 bytes", "5": "32 bytes" } }),
      field("NUM_I_CACHE_LINES", 4, 4, { description: "cache lines, minus 1" }),
    ],
  }),
  reg("CR2", R.CR2, "RO", { description: "configuration 2: the manager's boot address" }),
  reg("CR3", R.CR3, "RO", { description: "configuration 3: bit N = event N is Non-secure at reset" }),
  reg("CR4", R.CR4, "RO", { description: "configuration 4: bit N = peripheral interface N is Non-secure at reset" }),
  reg("CRD", R.CRD, "RO", {
    description: "DMA configuration: the AXI master and the MFIFO",
    fields: [
      field("DATA_WIDTH", 0, 3, { description: "AXI data bus width", values: { "2": "32-bit", "3": "64-bit", "4": "128-bit" } }),
      field("WR_CAP", 4, 3, { description: "write issuing capability, minus 1" }),
      field("WR_Q_DEP", 8, 4, { description: "write queue depth, minus 1" }),
      field("RD_CAP", 12, 3, { description: "read issuing capability, minus 1" }),
      field("RD_Q_DEP", 16, 4, { description: "read queue depth, minus 1" }),
      field("DATA_BUFFER_DEP", 20, 10, { description: "MFIFO lines, minus 1" }),
    ],
  }),
  reg("WD", R.WD, "RW", {
    reset: 0n,
    description: "watchdog (r1p0 and later)",
    fields: [
      bit("WD_IRQ_ONLY", 0, "what a lock-up does", {
        "0": "abort the locked channels and raise irq_abort",
        "1": "only raise irq_abort",
      }),
    ],
  }),
];

const ID_NAMES = ["periph_id_0", "periph_id_1", "periph_id_2", "periph_id_3", "pcell_id_0", "pcell_id_1", "pcell_id_2", "pcell_id_3"];

/** The PL330's register map (compatible "arm,pl330"); every channel register of channels 0..7. */
export const PL330_MAP: RegisterMap = {
  name: PL330_IDENTITY.name,
  description: "ARM CoreLink DMA-330 (PL330) DMA controller (DDI 0424)",
  compatible: [...PL330_IDENTITY.compatible],
  // In address order, as the TRM's summary lists them (FTRn sit between FTRD and CSR0).
  registers: [
    ...GLOBAL_REGISTERS,
    ...Array.from({ length: R.MAX_CHANNELS }, (_, n) => channelRegisters(n)).flat(),
    ...DEBUG_REGISTERS,
    ...CONFIG_REGISTERS,
    ...primeCellIdRegisters((i) => ID_NAMES[i]!, [0x30, 0x13, 0x04, 0x00]),
  ].sort((a, b) => a.offset - b.offset),
};
