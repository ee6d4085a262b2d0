// The notice printed when bind, unbind or doctor found a bind/unbind cut short (SIGKILL, power cut) and finished or
// undid it first: which transaction, how far it had got, what was done, and where the device is now.
import type { Recovery } from "../../host/bind.ts";

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
