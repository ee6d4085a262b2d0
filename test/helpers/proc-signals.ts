// What /proc says about a process's signals: whether it has a handler for one yet (a Bun CLI installs its handlers
// once main runs; before that a signal just kills it) and whether one is waiting for it (sent while it was stopped).
// Tests use these to send a signal at a known point instead of after a sleep.
import { readFileSync } from "node:fs";

const NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** The bit mask of `field` (SigCgt, ShdPnd, SigPnd) in /proc/PID/status; 0n when the process is gone. */
function mask(pid: number, field: string): bigint {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    return line ? BigInt(`0x${line.split(/\s+/)[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

const bit = (sig: string): bigint => 1n << BigInt(NUMBERS[sig]! - 1);

async function waitFor(what: () => boolean, pid: number, says: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (what()) return;
    await Bun.sleep(5);
  }
  throw new Error(`process ${pid} never ${says}`);
}

/** Wait until `pid` has a handler for `sig` (its CLI is past start-up). */
export function waitCatches(pid: number, sig: string, timeoutMs = 15_000): Promise<void> {
  return waitFor(() => (mask(pid, "SigCgt") & bit(sig)) !== 0n, pid, `caught ${sig}`, timeoutMs);
}

/** Wait until `sig` is pending for `pid` (sent to it while it is stopped). */
export function waitPending(pid: number, sig: string, timeoutMs = 15_000): Promise<void> {
  return waitFor(() => ((mask(pid, "ShdPnd") | mask(pid, "SigPnd")) & bit(sig)) !== 0n, pid, `had ${sig} pending`, timeoutMs);
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
