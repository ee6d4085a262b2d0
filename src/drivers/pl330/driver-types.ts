// The values the PL330 driver hands out and takes: what init() learned, a memcpy request, a started copy and how
// it ended. Plain data (no methods), so a caller can keep, compare or print them.
import type { ChannelFaultReport, ChannelStatus } from "./faults.ts";
import type { MemcpyProgram } from "./program-builder.ts";
import type { Pl330Config, Pl330Identity } from "./registers.ts";

/** What init() learned about the DMAC. */
export interface Pl330Info extends Pl330Config {
  identity: Pl330Identity;
  /** CR3: bit N = event/irq N is Non-secure. */
  ins: number;
  /** CR4: bit N = peripheral N is Non-secure. */
  pns: number;
}

/**
 * A copy to start. IOVAs are bigints, as DmaBuffer.iova gives them (the library's numeric rule); the PL330 is a 32-bit
 * master, so each range must lie below 4 GiB (else Pl330Error `bad-range`). The byte count is a number.
 */
export interface MemcpyStartRequest {
  channel: number;
  /** Bus addresses (IOVAs) of source and destination. */
  src: bigint;
  dst: bigint;
  /** Bytes to copy. */
  size: number;
  /**
   * Where the channel fetches its program: `iova` is the bus address given to DMAGO; the program is written into
   * `bytes` (the CPU's view of that memory; it must hold the program).
   */
  program: { iova: bigint; bytes: Uint8Array };
  /** Event the program signals; default the channel number (the event Linux gives each channel). */
  event?: number;
}

/** A started copy. */
export interface MemcpyJob {
  channel: number;
  event: number;
  src: bigint;
  dst: bigint;
  size: number;
  programIova: bigint;
  program: MemcpyProgram;
  /** process.hrtime.bigint() just before DMAGO. */
  startNs: bigint;
}

export type MemcpyOutcome =
  | { status: "done"; job: MemcpyJob; ns: bigint }
  | { status: "fault"; job: MemcpyJob; ns: bigint; fault: ChannelFaultReport }
  /** `dar` is the channel's DAR register when the wait gave up (a 32-bit register value: a number). */
  | { status: "timeout"; job: MemcpyJob; ns: bigint; channel: ChannelStatus; eventSeen: boolean; dar: number };
