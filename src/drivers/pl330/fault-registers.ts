// Reading what a faulted PL330 channel left in its registers: CSR, CPC, SAR, DAR, CCR, the loop counters and the
// fault status and type registers, read after the channel has settled from Faulting completing to Faulting.
import { decodeCsr, describeChannelFault, STATE_FAULTING_COMPLETING, type ChannelFaultReport } from "./faults.ts";
import { CCR, CPC, CSR, DAR, FSRC, FSRD, FTR, FTRD, LC0, LC1, SAR, type RegisterPort } from "./registers.ts";

/** The fault registers of `channel`, as they are now. Reads only; writes nothing. */
export function channelFaultRegisters(r: RegisterPort, channel: number): ChannelFaultReport {
  return describeChannelFault({
    channel,
    csr: r.read32(CSR(channel)) >>> 0,
    cpc: r.read32(CPC(channel)) >>> 0,
    sar: r.read32(SAR(channel)) >>> 0,
    dar: r.read32(DAR(channel)) >>> 0,
    ccr: r.read32(CCR(channel)) >>> 0,
    lc0: r.read32(LC0(channel)) & 0xff,
    lc1: r.read32(LC1(channel)) & 0xff,
    ftr: r.read32(FTR(channel)) >>> 0,
    fsrc: r.read32(FSRC) >>> 0,
    fsrd: r.read32(FSRD) >>> 0,
    ftrd: r.read32(FTRD) >>> 0,
  });
}

/**
 * The fault registers of `channel` once Faulting completing has settled (polled 1 ms apart until `settleMs` or the
 * `deadline` (a performance.now() time) passes, whichever is first).
 */
export async function settledChannelFault(r: RegisterPort, channel: number, settleMs: number, deadline = Infinity): Promise<ChannelFaultReport> {
  const until = Math.min(deadline, performance.now() + settleMs);
  while (decodeCsr(r.read32(CSR(channel))).state.code === STATE_FAULTING_COMPLETING && performance.now() < until) {
    await new Promise<void>((done) => setTimeout(done, 1));
  }
  return channelFaultRegisters(r, channel);
}
