// Is a device busy serving the system? Binding the console UART or the NIC carrying the SSH session to VFIO cuts the
// user off, so binding refuses such devices unless forced (dpdk-devbind's "active" check). And which processes hold
// a VFIO device open, through its group node or its cdev, so EBUSY can name them.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";
import { deviceCdevOf } from "../vfio/device-cdev.ts";
import { resolveGroupNode } from "../vfio/session.ts";
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

/** A process with one of a device's VFIO nodes open, and which node. */
export interface NodeHolder {
  pid: number;
  /** The node it has open: the group node (/dev/vfio/N) or the device's cdev (/dev/vfio/devices/vfioN). */
  node: string;
}

/**
 * The processes with any of `nodes` open, found by one scan of /proc/<pid>/fd (a link there reads the node's path).
 * A process holding several of them is listed once per node, in `nodes` order then pid order.
 */
function nodeHolders(b: KernelBoundary, nodes: readonly string[]): NodeHolder[] {
  const found = new Map<string, number[]>(nodes.map((n) => [n, []]));
  for (const entry of listDir(b, "/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = b.fs.readdir(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    const seen = new Set<string>();
    for (const fd of fds) {
      let target: string;
      try {
        target = b.fs.readlink(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue; // fd closed meanwhile
      }
      const pids = found.get(target);
      if (pids && !seen.has(target)) {
        seen.add(target);
        pids.push(Number(entry));
      }
    }
  }
  return nodes.flatMap((node) => (found.get(node) ?? []).sort((a, b) => a - b).map((pid) => ({ pid, node })));
}

/**
 * The nodes a VFIO-bound device opens through: its group node and its cdev (from sysfs `vfio-dev/vfioN`; noiommu
 * devices have none). Either one held by a process blocks the other path (the kernel answers EBUSY), so both count.
 */
export function deviceNodes(b: KernelBoundary, dev: HostDevice): string[] {
  const nodes: string[] = [];
  const group = dev.groupNode ?? (dev.iommuGroup !== undefined ? resolveGroupNode(b, dev.iommuGroup) : undefined);
  if (group !== undefined) nodes.push(group);
  const cdev = deviceCdevOf(b, dev.sysfsPath);
  if (cdev !== undefined) nodes.push(cdev);
  return nodes;
}

/** The processes other than `exceptPid` holding `dev` through its group node or its cdev (see deviceNodes). */
export function deviceHolders(b: KernelBoundary, dev: HostDevice, exceptPid?: number): NodeHolder[] {
  return nodeHolders(b, deviceNodes(b, dev)).filter((h) => h.pid !== exceptPid);
}

/** "/dev/vfio/3 is open in process 42", or for several: "/dev/vfio/3 is open in process 42; /dev/vfio/devices/vfio0 ... 43". */
export function describeHolders(holders: readonly NodeHolder[]): string {
  const byNode = new Map<string, number[]>();
  for (const h of holders) byNode.set(h.node, [...(byNode.get(h.node) ?? []), h.pid]);
  return [...byNode].map(([node, pids]) => `${node} is open in process ${pids.join(", ")}`).join("; ");
}
