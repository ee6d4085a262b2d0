// The PL330's threads: one manager and up to eight channel threads, each with its status, PC, fault type, wakeup
// number and its own instruction cache; channels add SAR/DAR/CCR, the loop counters, CNS and the request_type flag.
// Plain data: the executors (channel-exec.ts, manager-exec.ts) and the engine change it.
import { InstructionCache } from "./icache.ts";
import { CCR_RESET, STATE } from "./registers.ts";

interface ThreadBase {
  /** Status code (STATE). */
  state: number;
  pc: number;
  /** Fault type (FTRD/FTRn); 0 unless the thread is faulting. */
  ftr: number;
  /** Event (or peripheral, for a channel) the thread waits for / last waited for. */
  wakeup: number;
  /** Invalidate the i-cache when the awaited event arrives (DMAWFE ..., invalid). */
  wfeInvalidate: boolean;
  /** Non-secure: DSR.DNS for the manager, CSR.CNS for a channel (set by DMAGO). */
  ns: boolean;
  readonly icache: InstructionCache;
}

export interface ManagerThread extends ThreadBase {
  readonly kind: "manager";
}

export interface ChannelThread extends ThreadBase {
  readonly kind: "channel";
  readonly id: number;
  sar: number;
  dar: number;
  ccr: number;
  lc0: number;
  lc1: number;
  /** request_type flag: true = Burst, false = Single (set by DMAWFP). */
  requestBurst: boolean;
  /** CSR[14] dmawfp_b_ns / CSR[15] dmawfp_periph: the form of the last DMAWFP. */
  wfpBurst: boolean;
  wfpPeriph: boolean;
  /** Its next instruction is a load the MFIFO has no room for yet (not saved: recomputed on the next attempt). */
  stalled: boolean;
}

export type Thread = ManagerThread | ChannelThread;

export function newManager(ns: boolean, lineBytes: number, lines: number): ManagerThread {
  return {
    kind: "manager",
    state: STATE.STOPPED,
    pc: 0,
    ftr: 0,
    wakeup: 0,
    wfeInvalidate: false,
    ns,
    icache: new InstructionCache(lineBytes, lines),
  };
}

export function newChannel(id: number, lineBytes: number, lines: number): ChannelThread {
  return {
    kind: "channel",
    id,
    state: STATE.STOPPED,
    pc: 0,
    ftr: 0,
    wakeup: 0,
    wfeInvalidate: false,
    ns: false,
    icache: new InstructionCache(lineBytes, lines),
    sar: 0,
    dar: 0,
    ccr: CCR_RESET,
    lc0: 0,
    lc1: 0,
    requestBurst: false,
    wfpBurst: false,
    wfpPeriph: false,
    stalled: false,
  };
}

/** Faulting or Faulting-completing: counted in FSRC/FSRD and the abort line. */
export function isFaulting(t: Thread): boolean {
  return t.state === STATE.FAULTING || t.state === STATE.FAULTING_COMPLETING;
}
