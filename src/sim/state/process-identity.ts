// Who holds a lock: a pid plus that process's start time (field 22 of /proc/<pid>/stat), so a lock left by a
// process that died, even by SIGKILL, or whose pid was reused, is recognised as stale.
import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  pid: number;
  start: string;
}

/** The start time of `pid` in clock ticks since boot, or undefined when no such process exists. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // field 22 overall = index 19 after "pid (comm)"
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

/** This process's identity (read from /proc once: it never changes while the process lives). */
export function selfIdentity(): ProcessIdentity {
  if (self === undefined || self.pid !== process.pid) self = { pid: process.pid, start: processStartTime(process.pid) ?? "0" };
  return self;
}

/** True when the process that wrote `id` is still running. */
export function isAlive(id: ProcessIdentity): boolean {
  return processStartTime(id.pid) === id.start;
}
