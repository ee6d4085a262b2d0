// Is a device busy serving the system? Binding the console UART or the NIC carrying the SSH session to VFIO cuts the
// user off, so `bind` refuses such devices without --force (dpdk-devbind's "active" check). And which processes hold
// a VFIO group open, so EBUSY can name them.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";
import { linkName, listDir } from "./sysfs.ts";
import type { HostDevice } from "./discovery.ts";

/** Reasons the device is in use by the kernel; empty when it looks free. */
export function kernelUsers(b: KernelBoundary, dev: HostDevice): string[] {
  const reasons: string[] = [];
  for (const tty of consoleTtys(b)) {
    if (linkName(b, `/sys/class/tty/${tty}/device`) === dev.name) reasons.push(`it is the system console (${tty})`);
  }
  for (const iface of listDir(b, `${dev.sysfsPath}/net`)) {
    let state = "";
    try {
      state = b.fs.readFile(`${dev.sysfsPath}/net/${iface}/operstate`).trim();
    } catch {
      // no operstate: treat as down
    }
    if (state === "up") reasons.push(`its network interface ${iface} is up`);
  }
  return reasons;
}

/** TTY names of the active consoles (/proc/consoles, first column). */
function consoleTtys(b: KernelBoundary): string[] {
  try {
    return b.fs
      .readFile("/proc/consoles")
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0] ?? "")
      .filter((t) => t.length > 0);
  } catch (e) {
    if (isSyscallError(e, "ENOENT", "EACCES")) return [];
    throw e;
  }
}

/** PIDs of processes with `node` (e.g. /dev/vfio/3) open, found by scanning /proc/<pid>/fd. */
export function groupHolders(b: KernelBoundary, node: string): number[] {
  const pids: number[] = [];
  for (const entry of listDir(b, "/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = b.fs.readdir(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        if (b.fs.readlink(`/proc/${entry}/fd/${fd}`) === node) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return pids;
}
