// The PL330 driver's waiting and range limits, in one place: how long a channel may take to settle, the longest
// single sleep of a wait loop, and the one check that a program fits the DMAC's 32-bit bus. memcpy, program runs and
// kills all read them from here, so a change reaches every path at once.
import { decodeCsr, STATE_STOPPED, type ChannelStatus } from "./faults.ts";
import { CSR, type RegisterPort } from "./registers.ts";

/** How long a channel may take to settle (Faulting completing -> Faulting, Killing -> Stopped, debug interface busy). */
export const SETTLE_MS = 500;

/** The longest single sleep of a wait loop, so an abort (Ctrl-C) is seen promptly. */
export const WAIT_SLICE_MS = 100;

/**
 * Why [start, start+length) is out of the PL330's reach (it is a 32-bit bus master; `what` names the range: "program",
 * "source"), or undefined when the channel can address all of it.
 */
export function rangeProblem(what: string, start: bigint | number, length: number): string | undefined {
  const fits = typeof start === "bigint" ? start >= 0n && start + BigInt(length) <= 1n << 32n : Number.isSafeInteger(start) && start >= 0 && start + length <= 2 ** 32;
  return fits ? undefined : `${what} range 0x${start.toString(16)}+${length} does not fit the PL330's 32-bit address space`;
}

/** Poll a channel's state (1 ms apart) until Stopped or SETTLE_MS passes; returns the last status read. */
export function settleStopped(regs: RegisterPort, channel: number): ChannelStatus {
  const until = performance.now() + SETTLE_MS;
  for (;;) {
    const st = decodeCsr(regs.read32(CSR(channel)));
    if (st.state.code === STATE_STOPPED || performance.now() >= until) return st;
    Bun.sleepSync(1);
  }
}
