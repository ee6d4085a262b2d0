// The configuration header every conventional PCI function has (PCI Local Bus Specification 3.0, §6.1, type 0
// header), as vfio-pci shows it in region 7: identity, COMMAND/STATUS, class, BARs, subsystem IDs, the expansion ROM,
// the capabilities pointer and the interrupt registers. Names are the kernel's pci_regs.h spelling
// (PCI_COMMAND, PCI_BASE_ADDRESS_0, ...).
import type { FieldSpec, RegisterMap, RegisterSpec } from "../register-map.ts";
import { bit, field, reg } from "./define.ts";
import { PCI_CONFIG_IDENTITY } from "./identities.ts";

/** vfio-pci's configuration-space region index. */
export const PCI_CONFIG_REGION = 7;

/** A header register, named with the PCI_ prefix as pci_regs.h spells it (so it never clashes with a BAR's names). */
function cfg(name: string, offset: number, width: 8 | 16 | 32, access: RegisterSpec["access"], extra: Partial<RegisterSpec> = {}): RegisterSpec {
  return reg(`PCI_${name}`, offset, access, { region: PCI_CONFIG_REGION, width, ...extra });
}

const ENABLE = { "0": "disabled", "1": "enabled" };

/** A BAR as a memory BAR reads (an I/O BAR has its address from bit 2 and bit 1 reserved). */
const BAR_FIELDS: FieldSpec[] = [
  { ...bit("IO_SPACE", 0, "the BAR maps I/O space", { "0": "memory", "1": "I/O" }), access: "RO" },
  field("MEM_TYPE", 1, 2, { access: "RO", description: "memory BAR width", values: { "0": "32-bit", "2": "64-bit" } }),
  { ...bit("PREFETCHABLE", 3, "memory BAR is prefetchable"), access: "RO" },
  field("ADDRESS", 4, 28, { description: "base address bits [31:4] (the low bits of a BAR's size read 0)" }),
];

const STATUS_FIELDS: FieldSpec[] = [
  { ...bit("INTERRUPT_STATUS", 3, "the function's INTx is asserted"), access: "RO" },
  { ...bit("CAP_LIST", 4, "a capability list starts at CAPABILITY_LIST"), access: "RO" },
  { ...bit("CAPABLE_66MHZ", 5, "66 MHz capable"), access: "RO" },
  { ...bit("FAST_BACK_TO_BACK_CAPABLE", 7), access: "RO" },
  bit("MASTER_DATA_PARITY_ERROR", 8),
  field("DEVSEL_TIMING", 9, 2, { access: "RO", values: { "0": "fast", "1": "medium", "2": "slow" } }),
  bit("SIGNALED_TARGET_ABORT", 11),
  bit("RECEIVED_TARGET_ABORT", 12),
  bit("RECEIVED_MASTER_ABORT", 13),
  bit("SIGNALED_SYSTEM_ERROR", 14),
  bit("DETECTED_PARITY_ERROR", 15),
];

/** The type-0 header in region 7; BARs, interrupt line and cache settings are assigned by firmware, so have no reset. */
export const PCI_CONFIG_MAP: RegisterMap = {
  name: PCI_CONFIG_IDENTITY.name,
  description: "PCI type 0 configuration header (region 7)",
  registers: [
    cfg("VENDOR_ID", 0x00, 16, "RO", { description: "vendor ID" }),
    cfg("DEVICE_ID", 0x02, 16, "RO", { description: "device ID" }),
    cfg("COMMAND", 0x04, 16, "RW", {
      reset: 0n,
      description: "command (decoding and bus mastering)",
      fields: [
        bit("IO_SPACE", 0, "respond to I/O space accesses", ENABLE),
        bit("MEMORY_SPACE", 1, "respond to memory space accesses", ENABLE),
        bit("BUS_MASTER", 2, "the function may master the bus (DMA, MSI)", ENABLE),
        bit("SPECIAL_CYCLES", 3),
        bit("MEMORY_WRITE_AND_INVALIDATE", 4),
        bit("VGA_PALETTE_SNOOP", 5),
        bit("PARITY_ERROR_RESPONSE", 6),
        bit("SERR_ENABLE", 8),
        bit("FAST_BACK_TO_BACK_ENABLE", 9),
        bit("INTERRUPT_DISABLE", 10, "INTx is disabled", { "0": "INTx enabled", "1": "INTx disabled" }),
      ],
    }),
    cfg("STATUS", 0x06, 16, "W1C", {
      // The error bits and INTERRUPT_STATUS start clear; capability and timing bits are the function's own.
      reset: 0n,
      resetMask: 0xf908n,
      description: "status (error bits: write 1 to clear)",
      fields: STATUS_FIELDS,
    }),
    cfg("REVISION_ID", 0x08, 8, "RO", { description: "revision ID" }),
    cfg("CLASS_PROG", 0x09, 8, "RO", { description: "class code: programming interface" }),
    cfg("CLASS_DEVICE", 0x0a, 16, "RO", {
      description: "class code: sub-class and base class",
      fields: [field("SUB_CLASS", 0, 8), field("BASE_CLASS", 8, 8)],
    }),
    cfg("CACHE_LINE_SIZE", 0x0c, 8, "RW", { description: "system cache line size in 32-bit words" }),
    cfg("LATENCY_TIMER", 0x0d, 8, "RW", { description: "latency timer in bus clocks" }),
    cfg("HEADER_TYPE", 0x0e, 8, "RO", {
      reset: 0n,
      resetMask: 0x7fn,
      description: "header type (0 for this layout) and multi-function bit",
      fields: [
        field("LAYOUT", 0, 7, { values: { "0": "type 0 (device)", "1": "type 1 (PCI-to-PCI bridge)", "2": "type 2 (CardBus bridge)" } }),
        bit("MULTI_FUNCTION", 7, "the device has more than one function"),
      ],
    }),
    cfg("BIST", 0x0f, 8, "RW", {
      description: "built-in self test",
      writeEffect: "START (bit 6) starts the self test",
      fields: [field("COMPLETION_CODE", 0, 4, { access: "RO" }), bit("START", 6), { ...bit("CAPABLE", 7, "the function supports BIST"), access: "RO" }],
    }),
    ...[0, 1, 2, 3, 4, 5].map((i) => cfg(`BASE_ADDRESS_${i}`, 0x10 + 4 * i, 32, "RW", { description: `base address register ${i}`, fields: BAR_FIELDS })),
    cfg("CARDBUS_CIS", 0x28, 32, "RO", { description: "CardBus CIS pointer" }),
    cfg("SUBSYSTEM_VENDOR_ID", 0x2c, 16, "RO", { description: "subsystem vendor ID" }),
    cfg("SUBSYSTEM_ID", 0x2e, 16, "RO", { description: "subsystem ID" }),
    cfg("ROM_ADDRESS", 0x30, 32, "RW", {
      description: "expansion ROM base address",
      fields: [bit("ROM_ENABLE", 0, "decode the ROM", ENABLE), field("ADDRESS", 11, 21, { description: "ROM address bits [31:11]" })],
    }),
    cfg("CAPABILITY_LIST", 0x34, 8, "RO", { description: "offset of the first capability (when PCI_STATUS.CAP_LIST is set)" }),
    cfg("INTERRUPT_LINE", 0x3c, 8, "RW", { description: "interrupt line the firmware routed INTx to" }),
    cfg("INTERRUPT_PIN", 0x3d, 8, "RO", {
      description: "INTx pin the function uses",
      fields: [field("PIN", 0, 8, { values: { "0": "none", "1": "INTA", "2": "INTB", "3": "INTC", "4": "INTD" } })],
    }),
    cfg("MIN_GNT", 0x3e, 8, "RO", { description: "minimum grant (burst period, 1/4 us)" }),
    cfg("MAX_LAT", 0x3f, 8, "RO", { description: "maximum latency (1/4 us)" }),
  ],
};
