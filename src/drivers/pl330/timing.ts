// The PL330 driver's waiting limits, in one place: how long a channel may take to settle and the longest single sleep
// of a wait loop (the address limit has its own home, reach.ts). memcpy, program runs and kills all read them from
// here, so a change reaches every path at once.
import { decodeCsr, STATE_STOPPED, type ChannelStatus } from "./faults.ts";
import { CSR, type RegisterPort } from "./registers.ts";

/** How long a channel may take to settle (Faulting completing -> Faulting, Killing -> Stopped, debug interface busy). */
export const SETTLE_MS = 500;

/** The longest single sleep of a wait loop, so an abort (Ctrl-C) is seen promptly. */
export const WAIT_SLICE_MS = 100;

/** Poll a channel's state (1 ms apart) until Stopped or SETTLE_MS passes; returns the last status read. */
export function settleStopped(regs: RegisterPort, channel: number): ChannelStatus {
  const until = performance.now() + SETTLE_MS;
  for (;;) {
    const st = decodeCsr(regs.read32(CSR(channel)));
    if (st.state.code === STATE_STOPPED || performance.now() >= until) return st;
    Bun.sleepSync(1);
  }
}
