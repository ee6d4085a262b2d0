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
 * Why [iova, iova+length) cannot hold a program the channel fetches (the PL330 is a 32-bit bus master), or undefined
 * when it can.
 */
export function programRangeProblem(iova: bigint, length: number): string | undefined {
  if (iova >= 0n && iova + BigInt(length) <= 1n << 32n) return undefined;
  return `program range 0x${iova.toString(16)}+${length} does not fit the PL330's 32-bit address space`;
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
