// The PL330 debug interface (pl330-smmu.md §1.3): the only way software starts, kills or pokes a thread. Wait for
// DBGSTATUS idle, write the instruction's first two bytes and the target thread into DBGINST0, bytes 2..5 into
// DBGINST1, then 0 into DBGCMD. Only DMAGO, DMASEV and DMAKILL may be issued this way.
import { encodeFields, encodingsOf } from "./isa.ts";
import { DBGCMD, DBGINST0, DBGINST1, DBGSTATUS, type RegisterPort } from "./registers.ts";

/** Which thread executes a debug instruction. DMAGO must go to the manager. */
export type DebugTarget = { thread: "manager" } | { thread: "channel"; channel: number };

export const MANAGER: DebugTarget = { thread: "manager" };
export const channelTarget = (channel: number): DebugTarget => ({ thread: "channel", channel });

/** The debug interface stayed busy: the DMAC did not take the previous debug instruction ("DMAC halted!" in Linux). */
export class DebugBusyError extends Error {
  override readonly name = "DebugBusyError";
  constructor(readonly waitedMs: number) {
    super(`PL330 debug interface still busy (DBGSTATUS=1) after ${waitedMs} ms`);
  }
}

/** Opcodes the debug interface accepts. */
const DEBUG_OPCODES = new Set([0x00a0, 0x00a2, 0x0034, 0x0001]);

/**
 * DBGINST0 for an instruction whose first two bytes are `byte0`, `byte1`: [0] thread (1 = channel), [10:8] channel,
 * [23:16] byte0, [31:24] byte1. Worked values: DMAGO ch0 ns = 0x00A20000, DMAKILL ch5 = 0x00010501.
 */
export function dbgInst0(byte0: number, byte1: number, target: DebugTarget): number {
  const t = target.thread === "channel" ? 1 | ((target.channel & 7) << 8) : 0;
  return (((byte1 & 0xff) << 24) | ((byte0 & 0xff) << 16) | t) >>> 0;
}

/** DBGINST1: instruction bytes 2..5, little-endian (DMAGO's program address). */
export function dbgInst1(instruction: Uint8Array): number {
  const b = (i: number) => instruction[i] ?? 0;
  return (b(2) | (b(3) << 8) | (b(4) << 16) | (b(5) << 24)) >>> 0;
}

/** DMAGO channel, address, ns: the manager starts `channel` at `address`, Non-secure when `ns`. */
export function goInstruction(channel: number, address: number, ns: boolean): Uint8Array {
  return encodeFields(encodingsOf("DMAGO")[0]!, { channel, imm32: address >>> 0, ns: ns ? 1 : 0 });
}
export function killInstruction(): Uint8Array {
  return encodeFields(encodingsOf("DMAKILL")[0]!, {});
}
export function sevInstruction(event: number): Uint8Array {
  return encodeFields(encodingsOf("DMASEV")[0]!, { event });
}

/**
 * Poll DBGSTATUS until idle, at most `timeoutMs` (Linux waits about 5 ms; we allow more because a simulated or
 * heavily loaded DMAC may take a scheduler step).
 * @throws DebugBusyError when it stays busy
 */
export function waitDebugIdle(regs: RegisterPort, timeoutMs = 50): void {
  const start = performance.now();
  for (let polls = 0; ; polls++) {
    if ((regs.read32(DBGSTATUS) & 1) === 0) return;
    const waited = performance.now() - start;
    if (waited > timeoutMs) throw new DebugBusyError(Math.round(waited));
    if (polls > 64) Bun.sleepSync(1); // a few tight polls first, then stop burning the CPU
  }
}

/**
 * Execute one instruction through the debug interface: wait idle, DBGINST0, DBGINST1, DBGCMD = 0, then wait idle
 * again so the instruction has taken effect when this returns.
 * @throws RangeError for an opcode other than DMAGO, DMASEV, DMAKILL, or DMAGO aimed at a channel;
 *   DebugBusyError when the interface stays busy
 */
export function debugExecute(regs: RegisterPort, instruction: Uint8Array, target: DebugTarget, timeoutMs?: number): void {
  const op = instruction[0]!;
  if (!DEBUG_OPCODES.has(op)) throw new RangeError(`opcode 0x${op.toString(16)} cannot be issued through the debug interface (only DMAGO, DMASEV, DMAKILL)`);
  if ((op & ~2) === 0xa0 && target.thread !== "manager") throw new RangeError("DMAGO must be issued to the manager thread");
  waitDebugIdle(regs, timeoutMs);
  regs.write32(DBGINST0, dbgInst0(instruction[0]!, instruction[1] ?? 0, target));
  regs.write32(DBGINST1, dbgInst1(instruction));
  regs.write32(DBGCMD, 0);
  waitDebugIdle(regs, timeoutMs);
}

/** DMAGO through the manager: start `channel` at program `address`. */
export function debugGo(regs: RegisterPort, channel: number, address: number, ns: boolean): void {
  debugExecute(regs, goInstruction(channel, address, ns), MANAGER);
}

/**
 * DMAKILL of a channel (or of the manager): the only way out of the Faulting state. `timeoutMs` (default 50) bounds
 * each wait for the interface: a DMAC on a slow clock may finish a long burst before it takes the instruction.
 */
export function debugKill(regs: RegisterPort, target: DebugTarget, timeoutMs?: number): void {
  debugExecute(regs, killInstruction(), target, timeoutMs);
}

/** DMASEV `event` executed by the manager: raises irq[event] if INTEN[event] is set, else signals the event. */
export function debugSev(regs: RegisterPort, event: number): void {
  debugExecute(regs, sevInstruction(event), MANAGER);
}
