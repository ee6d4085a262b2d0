// Notices: things worth telling the user that are not errors (the command goes on and keeps its exit code), such as
// a stale lock of the simulated board being taken over, or a wait for a lock another process keeps. One line on
// stderr, or one JSON line with --json.
import { LOCK_TIMEOUT_MS, type StaleLock } from "../../sim/state/pid-lock.ts";
import { toJson } from "./json.ts";

/** Why a stale lock was stale, in words. */
export function staleReason(lock: StaleLock): string {
  switch (lock.reason) {
    case "dead":
      return `its holder, pid ${lock.holder?.pid}, is gone`;
    case "reused":
      return `its holder is gone; pid ${lock.holder?.pid} now runs another process`;
    case "unreadable":
      return "it was empty or damaged, naming no holder";
  }
}

/** The stderr line (with its newline) telling that a stale lock was taken over or cleared. */
export function staleLockNotice(lock: StaleLock, json: boolean): string {
  if (json) {
    const notice = { code: "STALE_LOCK", path: lock.path, reason: lock.reason, pid: lock.holder?.pid ?? null, outcome: lock.outcome ?? null };
    return `${toJson({ notice })}\n`;
  }
  const did = lock.outcome === "cleared" ? "removed" : "took over";
  return `vfio-plat: notice: ${did} the stale lock ${lock.path}: ${staleReason(lock)}\n`;
}

/** The stderr line (with its newline) telling that this command waits for a live process to let go of a lock. */
export function lockWaitNotice(path: string, pid: number, json: boolean): string {
  if (json) return `${toJson({ notice: { code: "LOCK_WAIT", path, pid } })}\n`;
  return `vfio-plat: notice: waiting for process ${pid}, which holds ${path} (stopped? this gives up after ${LOCK_TIMEOUT_MS / 1000} s)\n`;
}

/** The stderr line (with its newline) warning that a noiommu DMA buffer sits in locked small pages (see pinningWarning). */
export function pinningNotice(warning: string, json: boolean): string {
  return json ? `${toJson({ notice: { code: "SMALL_PAGES", message: warning } })}\n` : `vfio-plat: warning: ${warning}\n`;
}

/**
 * The stderr line (with its newline) warning that a noiommu device's DMA buffers were freed while the device could not
 * be stopped by a reset (`why`): a channel or queue still running may write into pages the kernel reuses.
 */
export function dmaInFlightNotice(device: string, why: string, json: boolean): string {
  const message = `freed ${device}'s DMA buffers without stopping the device (${why}): with no IOMMU, DMA still in flight may write into memory the kernel reuses; stop it through its registers before unmapping`;
  return json ? `${toJson({ notice: { code: "DMA_IN_FLIGHT", device, message } })}\n` : `vfio-plat: warning: ${message}\n`;
}

/**
 * The stderr line (with its newline) telling that a dump left read-to-clear registers unread (each once, with its
 * offset) and how to read them too.
 */
export function readClearSkippedNotice(registers: readonly { name: string; region: number; offset: number }[], json: boolean): string {
  // The `skipped` shape of every range verb: name, region, offset, reason.
  const skipped = registers.map((r) => ({ name: r.name, region: r.region, offset: `0x${r.offset.toString(16)}`, reason: "read-clear" }));
  if (json) return `${toJson({ notice: { code: "READ_CLEAR_SKIPPED", registers: skipped } })}\n`;
  const words = registers.map((r) => `${r.name} at 0x${r.offset.toString(16)}`).join(", ");
  return `vfio-plat: not read (read-to-clear): ${words} — --read-clear reads them too\n`;
}

/**
 * The stderr line (with its newline) warning that a DMA channel still runs after DMAKILL (`state`), so its buffers are
 * kept mapped rather than freed under it; on noiommu they still go back to the kernel when the process exits.
 */
export function dmaKeptNotice(device: string, channel: number, state: string, noiommu: boolean, json: boolean): string {
  const fate = noiommu
    ? "with no IOMMU they go back to the kernel when vfio-plat exits, still reachable by the DMAC: reset or power-cycle the board before that memory is reused"
    : "the IOMMU mapping goes when vfio-plat exits, cutting the DMAC off them";
  const message = `kept ${device}'s DMA buffers mapped: channel ${channel} stays ${state} after DMAKILL and may still use them; ${fate}`;
  return json ? `${toJson({ notice: { code: "DMA_KEPT", device, channel, state, message } })}\n` : `vfio-plat: warning: ${message}\n`;
}

/**
 * The stderr line (with its newline) telling that a further stop signal (`signal`) did not end the test plan: the
 * running step is ending and every device is being given back; one more signal ends the plan at once.
 */
export function stillStoppingNotice(signal: string, json: boolean): string {
  const message = `${signal}: still stopping: the running step ends and every device the plan bound is given back; one more signal ends vfio-plat at once (devices may stay bound)`;
  return json ? `${toJson({ notice: { code: "STILL_STOPPING", signal, message } })}\n` : `vfio-plat: notice: ${message}\n`;
}
