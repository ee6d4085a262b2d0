// QEMU's educational PCI device `edu` (QEMU docs/specs/edu.rst), BAR0 (region 0): identification, liveness check,
// the factorial unit, status and interrupt registers, and the DMA engine's source, destination, count and command.
// Accesses below 0x80 are 32-bit; the DMA registers from 0x80 are 64-bit (32-bit accesses also work).
import type { RegisterMap } from "../register-map.ts";
import { bit, field, reg } from "./define.ts";
import { EDU_IDENTITY } from "./identities.ts";

export { EDU_PCI_ID } from "./identities.ts";

/** edu's BAR0 (its PCI configuration header is added by builtinMapForPci). */
export const EDU_MAP: RegisterMap = {
  name: EDU_IDENTITY.name,
  description: "QEMU educational PCI device (docs/specs/edu.rst), BAR0",
  registers: [
    reg("ID", 0x00, "RO", {
      reset: 0x0100_00edn,
      description: "identification 0xRRrr00ed: major and minor version, then 0xed",
      fields: [field("ED", 0, 8), field("MINOR", 16, 8), field("MAJOR", 24, 8)],
    }),
    reg("LIVENESS", 0x04, "RW", { reset: 0n, description: "liveness check: reads the inverse of the value last written" }),
    reg("FACTORIAL", 0x08, "RW", { reset: 0n, description: "factorial: a write starts computing its factorial; reads the result", writeEffect: "starts computing the value's factorial" }),
    reg("STATUS", 0x20, "RW", {
      reset: 0n,
      description: "status",
      fields: [
        { ...bit("COMPUTING", 0, "the factorial is being computed", { "0": "idle", "1": "computing" }), access: "RO" },
        bit("IRQ_FACT", 7, "raise interrupt 0x001 when a factorial is done", { "0": "no interrupt", "1": "interrupt" }),
      ],
    }),
    reg("IRQ_STATUS", 0x24, "RO", {
      reset: 0n,
      description: "interrupt status: the values raised and not yet acknowledged (0x001 factorial, 0x100 DMA done)",
      fields: [bit("FACTORIAL_DONE", 0, "factorial done"), bit("DMA_DONE", 8, "DMA done")],
    }),
    reg("IRQ_RAISE", 0x60, "WO", { description: "interrupt raise: ORs the value into IRQ_STATUS and signals" }),
    reg("IRQ_ACK", 0x64, "WO", { description: "interrupt acknowledge: clears the written bits of IRQ_STATUS" }),
    reg("DMA_SRC", 0x80, "RW", { width: 64, reset: 0n, description: "DMA source address" }),
    reg("DMA_DST", 0x88, "RW", { width: 64, reset: 0n, description: "DMA destination address" }),
    reg("DMA_COUNT", 0x90, "RW", { width: 64, reset: 0n, description: "DMA transfer count in bytes" }),
    reg("DMA_CMD", 0x98, "RW", {
      width: 64,
      reset: 0n,
      description: "DMA command (the buffer is 4 KiB at DMA address 0x40000)",
      writeEffect: "START (bit 0) starts a DMA transfer",
      fields: [
        bit("START", 0, "start the transfer; reads 1 until it is done", { "0": "idle", "1": "running" }),
        bit("DIRECTION", 1, "direction", { "0": "RAM to the edu buffer", "1": "the edu buffer to RAM" }),
        bit("IRQ", 2, "raise interrupt 0x100 when done"),
      ],
    }),
  ],
};
