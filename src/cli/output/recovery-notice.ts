// The notices of bind and unbind about other transactions on the same device: one cut short (SIGKILL, power cut)
// that was finished or undone first (which, how far it had got, what was done, where the device is now), and one in
// progress in another process that this command waits for.
import type { Recovery } from "../../host/bind.ts";
import { writeStderr } from "./stdio.ts";

/** "interrupted bind of 9010000.pl031 (process 4242, at step 2) rolled back: 9010000.pl031 is on rtc-pl031". */
export function recoveryText(device: string, r: Recovery): string {
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

/** The stderr line when another process's bind/unbind of the device is in progress and this command waits for it. */
export function waitNotice(device: string): (pid: number, op: "bind" | "unbind") => void {
  return (pid, op) => writeStderr(`vfio-plat: notice: waiting for process ${pid}: its ${op} of ${device} is in progress\n`);
}
