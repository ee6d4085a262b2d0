// The ARM PrimeCell PL011 UART (ARM DDI 0183, "Summary of registers"): data and receive-status registers, flags, the
// baud-rate divisors, line and UART control, FIFO levels, the interrupt mask/raw/masked/clear set, DMA control and the
// PrimeCell ID block. UARTDR reads pop the receive FIFO, so it is read-to-clear: only read when asked by name.
import type { FieldSpec, RegisterMap } from "../register-map.ts";
import { bit, ENABLED, field, primeCellIdRegisters, reg } from "./define.ts";
import { PL011_IDENTITY } from "./identities.ts";

/** The eleven interrupt sources, bit by bit, as UARTIMSC/RIS/MIS/ICR share them (bit 0 ring indicator ... 10 overrun). */
const SOURCES = ["RI", "CTS", "DCD", "DSR", "RX", "TX", "RT", "FE", "PE", "BE", "OE"] as const;

/** Field names of each interrupt register, as the TRM spells them (e.g. RXIM, RXRIS, RXMIS, RXIC; RIMIM for the modem lines). */
function interruptFields(kind: "IMSC" | "RIS" | "MIS" | "ICR"): FieldSpec[] {
  return SOURCES.map((s, i) => {
    const modem = i < 4;
    const name =
      kind === "IMSC" ? (modem ? `${s}MIM` : `${s}IM`) : kind === "RIS" ? (modem ? `${s}RMIS` : `${s}RIS`) : kind === "MIS" ? (modem ? `${s}MMIS` : `${s}MIS`) : modem ? `${s}MIC` : `${s}IC`;
    return bit(name, i);
  });
}

/** Receive error bits: in UARTDR [11:8] with each character, in UARTRSR [3:0] for the last one read. */
function errorFields(lsb: number): FieldSpec[] {
  return [bit("FE", lsb, "framing error"), bit("PE", lsb + 1, "parity error"), bit("BE", lsb + 2, "break error"), bit("OE", lsb + 3, "overrun error")];
}

const FIFO_LEVEL = { "0": "1/8 full", "1": "1/4 full", "2": "1/2 full", "3": "3/4 full", "4": "7/8 full" };

const ID_NAMES = ["UARTPeriphID0", "UARTPeriphID1", "UARTPeriphID2", "UARTPeriphID3", "UARTPCellID0", "UARTPCellID1", "UARTPCellID2", "UARTPCellID3"];

/** The PL011's register map (compatible "arm,pl011"). */
export const PL011_MAP: RegisterMap = {
  name: PL011_IDENTITY.name,
  description: "ARM PrimeCell PL011 UART (DDI 0183)",
  compatible: [...PL011_IDENTITY.compatible],
  registers: [
    reg("UARTDR", 0x000, "RC", {
      description: "data register: a read pops the receive FIFO, a write queues a character to send",
      writeEffect: "queues the character to send",
      fields: [field("DATA", 0, 8, { description: "the character" }), ...errorFields(8)],
    }),
    // One address, two registers (DDI 0183): reads are UARTRSR, writes are UARTECR, where any value written clears all
    // four error bits ("the data value is not important"). So the register is writable but no bit of it is: a field
    // write would clear the other three too, and a readback of a 1 could never match.
    reg("UARTRSR", 0x004, "RW", {
      reset: 0n,
      description: "receive status (reads) / error clear UARTECR (writes): any write clears all error bits, whatever its value",
      writeEffect: "clears the four error bits (UARTECR), whatever the value",
      fields: errorFields(0).map((f) => ({ ...f, access: "RO" as const })),
    }),
    reg("UARTFR", 0x018, "RO", {
      // CTS, DSR, DCD and RI follow the modem inputs.
      reset: 0x090n,
      resetMask: 0xffff_fef8n,
      description: "flag register",
      fields: [
        bit("CTS", 0, "clear to send"),
        bit("DSR", 1, "data set ready"),
        bit("DCD", 2, "data carrier detect"),
        bit("BUSY", 3, "the UART is sending data"),
        bit("RXFE", 4, "receive FIFO empty"),
        bit("TXFF", 5, "transmit FIFO full"),
        bit("RXFF", 6, "receive FIFO full"),
        bit("TXFE", 7, "transmit FIFO empty"),
        bit("RI", 8, "ring indicator"),
      ],
    }),
    reg("UARTILPR", 0x020, "RW", { reset: 0n, description: "IrDA low-power counter", fields: [field("ILPDVSR", 0, 8)] }),
    reg("UARTIBRD", 0x024, "RW", { reset: 0n, description: "integer baud-rate divisor", fields: [field("BAUD_DIVINT", 0, 16)] }),
    reg("UARTFBRD", 0x028, "RW", { reset: 0n, description: "fractional baud-rate divisor", fields: [field("BAUD_DIVFRAC", 0, 6)] }),
    reg("UARTLCR_H", 0x02c, "RW", {
      reset: 0n,
      description: "line control",
      fields: [
        bit("BRK", 0, "send break"),
        bit("PEN", 1, "parity enable", ENABLED),
        bit("EPS", 2, "even parity select", { "0": "odd", "1": "even" }),
        bit("STP2", 3, "two stop bits"),
        bit("FEN", 4, "FIFOs enabled", ENABLED),
        field("WLEN", 5, 2, { description: "word length", values: { "0": "5 bits", "1": "6 bits", "2": "7 bits", "3": "8 bits" } }),
        bit("SPS", 7, "stick parity select"),
      ],
    }),
    reg("UARTCR", 0x030, "RW", {
      reset: 0x300n,
      description: "control register",
      fields: [
        bit("UARTEN", 0, "UART enable", ENABLED),
        bit("SIREN", 1, "SIR enable", ENABLED),
        bit("SIRLP", 2, "SIR low-power mode"),
        bit("LBE", 7, "loopback enable", ENABLED),
        bit("TXE", 8, "transmit enable", ENABLED),
        bit("RXE", 9, "receive enable", ENABLED),
        bit("DTR", 10, "data transmit ready"),
        bit("RTS", 11, "request to send"),
        bit("OUT1", 12, "UART Out1 modem output"),
        bit("OUT2", 13, "UART Out2 modem output"),
        bit("RTSEN", 14, "RTS hardware flow control", ENABLED),
        bit("CTSEN", 15, "CTS hardware flow control", ENABLED),
      ],
    }),
    reg("UARTIFLS", 0x034, "RW", {
      reset: 0x12n,
      description: "interrupt FIFO level select",
      fields: [
        field("TXIFLSEL", 0, 3, { description: "transmit interrupt at the FIFO becoming", values: FIFO_LEVEL }),
        field("RXIFLSEL", 3, 3, { description: "receive interrupt at the FIFO becoming", values: FIFO_LEVEL }),
      ],
    }),
    reg("UARTIMSC", 0x038, "RW", { reset: 0n, description: "interrupt mask set/clear: 1 lets the source through", fields: interruptFields("IMSC") }),
    // The modem status bits [3:0] follow the modem inputs.
    reg("UARTRIS", 0x03c, "RO", { reset: 0n, resetMask: 0xffff_fff0n, description: "raw interrupt status", fields: interruptFields("RIS") }),
    reg("UARTMIS", 0x040, "RO", { reset: 0n, description: "masked interrupt status (UARTRIS AND UARTIMSC)", fields: interruptFields("MIS") }),
    reg("UARTICR", 0x044, "WO", { description: "interrupt clear: write 1 to clear a source", fields: interruptFields("ICR") }),
    reg("UARTDMACR", 0x048, "RW", {
      reset: 0n,
      description: "DMA control",
      fields: [bit("RXDMAE", 0, "receive DMA", ENABLED), bit("TXDMAE", 1, "transmit DMA", ENABLED), bit("DMAONERR", 2, "receive DMA stops on an error interrupt")],
    }),
    ...primeCellIdRegisters((i) => ID_NAMES[i]!, [0x11, 0x10, 0x04, 0x00]),
  ],
};
