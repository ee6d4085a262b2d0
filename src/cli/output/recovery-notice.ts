// The notices of bind and unbind about other transactions on the same device: one cut short (SIGKILL, power cut)
// that was finished or undone first (which, how far it had got, what was done, where the device is now), and one in
// progress in another process that this command waits for.
import type { Recovery } from "../../host/bind.ts";
import { writeStderr } from "./stdio.ts";

/** "interrupted bind of 9010000.pl031 (process 4242, at step 2) rolled back: 9010000.pl031 is on rtc-pl031". */
function recoveryText(device: string, r: Recovery): string {
  const what =
    r.damaged !== undefined
      ? `an unreadable bind journal (${r.damaged}) for ${device}`
      : `interrupted ${r.op} of ${device} (process ${r.pid}, at step ${r.step})`;
  const verb = r.damaged !== undefined ? "repaired" : r.outcome;
  return `${what} ${verb}: ${device} is on ${r.driver ?? "no driver"}`;
}

/** The stderr line for a recovery: `vfio-plat: notice: ...`. */
export function recoveryNotice(device: string, r: Recovery): string {
  return `vfio-plat: notice: ${recoveryText(device, r)}\n`;
}

/**
 * The stderr line when another process's bind/unbind of the device is in progress and this command waits for it;
 * with --json one JSON line `{"notice": ..., "waiting_for_pid": N}` instead.
 */
export function waitNotice(device: string, json: boolean): (pid: number, op: "bind" | "unbind") => void {
  return (pid, op) => {
    const text = `waiting for process ${pid}: its ${op} of ${device} is in progress`;
    writeStderr(json ? `${JSON.stringify({ notice: text, waiting_for_pid: pid })}\n` : `vfio-plat: notice: ${text}\n`);
  };
}

/** The --json form of a recovery: `{op, pid, step, outcome, driver, damaged}` with nulls for what is not known. */
export function recoveryJson(r: Recovery | undefined): Record<string, unknown> | null {
  if (!r) return null;
  return { op: r.op ?? null, pid: r.pid ?? null, step: r.step ?? null, outcome: r.outcome, driver: r.driver ?? null, damaged: r.damaged ?? null };
}
