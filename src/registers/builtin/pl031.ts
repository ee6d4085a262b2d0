// The ARM PrimeCell PL031 real-time clock (ARM DDI 0224, "Summary of RTC registers"): a 32-bit seconds counter
// (RTCDR), the match register that raises the alarm, the load and control registers, the interrupt mask, raw and
// masked status and clear registers, then the PrimeCell ID block. Names and reset values as the TRM gives them.
import type { RegisterMap } from "../register-map.ts";
import { bit, primeCellIdRegisters, reg } from "./define.ts";
import { PL031_IDENTITY } from "./identities.ts";

const ID_NAMES = ["RTCPeriphID0", "RTCPeriphID1", "RTCPeriphID2", "RTCPeriphID3", "RTCPCellID0", "RTCPCellID1", "RTCPCellID2", "RTCPCellID3"];

/** The PL031's register map (compatible "arm,pl031"). */
export const PL031_MAP: RegisterMap = {
  name: PL031_IDENTITY.name,
  description: "ARM PrimeCell PL031 real-time clock (DDI 0224)",
  compatible: [...PL031_IDENTITY.compatible],
  registers: [
    reg("RTCDR", 0x000, "RO", {
      reset: 0n,
      description: "data register: the current value of the 1 Hz counter (seconds)",
    }),
    reg("RTCMR", 0x004, "RW", {
      reset: 0n,
      description: "match register: the interrupt latches when RTCDR reaches this value",
    }),
    reg("RTCLR", 0x008, "RW", {
      reset: 0n,
      description: "load register: writing loads the counter; reads give the value last written",
      writeEffect: "loads the counter (RTCDR) with the value",
    }),
    reg("RTCCR", 0x00c, "RW", {
      reset: 0n,
      description: "control register",
      fields: [
        bit("RTC_START", 0, "1 starts the counter; once set, writes have no effect until a system reset", {
          "0": "stopped",
          "1": "started",
        }),
      ],
    }),
    reg("RTCIMSC", 0x010, "RW", {
      reset: 0n,
      description: "interrupt mask set or clear register",
      fields: [bit("RTCIMSC", 0, "1 lets the latched match reach RTCINTR", { "0": "masked", "1": "enabled" })],
    }),
    reg("RTCRIS", 0x014, "RO", {
      reset: 0n,
      description: "raw interrupt status (before masking)",
      fields: [bit("RTCRIS", 0, "the match interrupt is latched", { "0": "clear", "1": "pending" })],
    }),
    reg("RTCMIS", 0x018, "RO", {
      reset: 0n,
      description: "masked interrupt status (RTCRIS AND RTCIMSC): the level of RTCINTR",
      fields: [bit("RTCMIS", 0, "RTCINTR is asserted", { "0": "clear", "1": "asserted" })],
    }),
    reg("RTCICR", 0x01c, "WO", {
      description: "interrupt clear register: writing 1 clears the latched match",
      fields: [bit("RTCICR", 0, "1 clears the interrupt")],
    }),
    ...primeCellIdRegisters((i) => ID_NAMES[i]!, [0x31, 0x10, 0x04, 0x00]),
  ],
};
