// Who holds a lock or owns a bind journal: a pid plus that process's start time (field 22 of /proc/<pid>/stat), so
// one left by a process that died, even by SIGKILL, or whose pid was reused, is recognised as stale. Shared by the
// simulated board's locks and bind's journals: it reads this machine's /proc, never a simulated one.
import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  pid: number;
  start: string;
}

/**
 * The start time of `pid` in clock ticks since boot, or undefined when no such process runs (a zombie, killed but not
 * yet reaped by its parent, has ended too: its files are closed).
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces: the state is the first field after the
    // last ')', the start time (field 22 overall) the 20th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[0] === "Z" || rest[0] === "X" ? undefined : rest[19];
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
