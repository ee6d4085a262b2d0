// The notices of a bind or unbind of several devices: a device a rollback put back, and a batch cut short (SIGKILL)
// that this command rolled back first. Text on stderr, or one JSON line each with --json.
import type { BatchRecovery } from "../../host/batch-recovery.ts";
import { writeStderr } from "./stdio.ts";
import type { GroupSkip } from "../../host/group-members.ts";

function notice(json: boolean, text: string, extra: Record<string, unknown>): void {
  writeStderr(json ? `${JSON.stringify({ notice: text, ...extra })}\n` : `vfio-plat: notice: ${text}\n`);
}

/** "rolled back 9010000.pl031: on rtc-pl031 again" (the batch did not finish: every device it moved goes back). */
export function rolledBackNotice(json: boolean): (name: string, driver: string | undefined) => void {
  return (name, driver) => notice(json, `rolled back ${name}: on ${driver ?? "no driver"} again`, { rolled_back: name, driver: driver ?? null });
}

/** One line per batch cut short that was rolled back (or dropped, when unreadable) before this command. */
export function batchRecoveryNotices(json: boolean, batches: readonly BatchRecovery[] | undefined): void {
  for (const r of batches ?? []) {
    if (r.damaged !== undefined) {
      notice(json, `dropped an unreadable batch journal (${r.damaged})`, { batch_damaged: r.damaged });
      continue;
    }
    const moved = r.members.map((m) => `${m.name} on ${m.driver ?? "no driver"}`).join(", ");
    notice(json, `interrupted ${r.op} of several devices (process ${r.pid}) rolled back${moved ? `: ${moved}` : ": nothing had moved"}`, {
      batch_op: r.op ?? null,
      batch_pid: r.pid ?? null,
      rolled_back: r.members.map((m) => ({ device: m.name, driver: m.driver ?? null })),
    });
  }
}

/** Why `bind --group-of` leaves member `k` of group `group` where it is. */
export function skipNotice(group: number, k: GroupSkip): string {
  const d = k.device;
  return k.why === "pci-bridge"
    ? `group ${group}: ${d.name} is a PCI bridge (vfio-pci takes no bridge): left on ${d.driver ?? "no driver"}, which keeps the group viable`
    : `group ${group}: ${d.name} is on ${d.driver}, which leaves DMA to VFIO (the group stays viable): left as it is`;
}
