// The files a VFIO user program reads and writes, served from the simulated board's state with the content and errno
// Linux gives: /sys/bus/{platform,amba,pci} device directories and attributes, drivers_probe, driver bind/unbind,
// /sys/kernel/iommu_groups, VFIO module parameters, /dev/vfio nodes, /proc/consoles, /proc/<pid>/fd of the
// processes holding simulated groups or bound device cdevs, and the memory files (memory-nodes.ts). Anything else
// does not exist here (ENOENT).
import type { BoundaryFs } from "../../boundary/kernel-boundary.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import type { BoardState } from "../state/board-state.ts";
import type { StateStore } from "../state/state-store.ts";
import { Errno } from "../kernel/errno.ts";
import { cdevLockPath } from "../vfio/lock-paths.ts";
import { injectedFault } from "./injected-faults.ts";
import {
  allGroups,
  cdevDevice,
  detach,
  iommufdAvailable,
  driverMatches,
  driversOnBus,
  groupHasVfioDevice,
  groupMembers,
  groupOf,
  hasBindAttrs,
  isNoiommuGroup,
  isVfioDriver,
  probe,
  probeAnyDriver,
} from "./driver-core.ts";
import { deviceNode, devicesDir, vfioDevices, type DeviceActions } from "./device-nodes.ts";
import { S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, type Bus, type Node } from "./fs-node.ts";
import { smmuNode } from "./smmu-nodes.ts";
import { ambaMatchDefers } from "./amba-periphid.ts";
import { MemoryNodes, type MemoryView } from "./memory-nodes.ts";
import { paramNode } from "./module-params.ts";

/** What the fs needs to know about open VFIO files (held groups live outside board.json). */
interface HeldGroups {
  /** pid of the process holding group `g`, if any. */
  holder(group: number): number | undefined;
  /** Every held group with its holder pid. */
  all(): { group: number; pid: number }[];
}

function err(code: string, syscall: string, path: string): SyscallError {
  return SyscallError.of(code, { syscall, path });
}

export class SimFs implements BoundaryFs {
  /** What the device directories' attributes write through. */
  private readonly actions: DeviceActions = {
    unbind: (bus, drv, name, path) => this.driverUnbind(bus, drv, name, path),
    setOverride: (d, v) => this.setOverride(d, v),
  };

  /** /proc/meminfo, the huge page pool, taint, capabilities; absent: those files do not exist. */
  private readonly memory: MemoryNodes | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly held: HeldGroups,
    memory?: MemoryView,
  ) {
    this.memory = memory ? new MemoryNodes(store, memory) : undefined;
  }

  private device(s: BoardState, bus: string, name: string): DeviceSpec | undefined {
    return s.board.devices.find((d) => d.bus === bus && d.name === name);
  }

  /** Resolve a path to a node of the simulated tree, or undefined. */
  private lookup(s: BoardState, path: string): Node | undefined {
    const p = path.replace(/\/+$/, "") || "/";
    let m: RegExpExecArray | null;
    const mem = this.memory?.lookup(s, p);
    if (mem) return mem;
    if (p === "/sys/bus") return { kind: "dir", entries: () => ["amba", "pci", "platform"] };
    if ((m = /^\/sys\/bus\/(platform|amba|pci)$/.exec(p))) return { kind: "dir", entries: () => ["devices", "drivers", "drivers_probe"] };
    if ((m = /^\/sys\/bus\/(platform|amba|pci)\/devices$/.exec(p))) {
      const bus = m[1];
      return { kind: "dir", entries: () => s.board.devices.filter((d) => d.bus === bus).map((d) => d.name) };
    }
    if ((m = /^\/sys\/bus\/(platform|amba|pci)\/drivers_probe$/.exec(p))) {
      const bus = m[1] as Bus;
      return { kind: "file", mode: 0o200, write: (v) => this.driversProbe(bus, v.trim()) };
    }
    if ((m = /^\/sys\/bus\/(platform|amba|pci)\/drivers$/.exec(p))) {
      const bus = m[1] as Bus;
      return { kind: "dir", entries: () => driversOnBus(s.board, bus) };
    }
    if ((m = /^\/sys\/bus\/(platform|amba|pci)\/drivers\/([^/]+)(?:\/(.+))?$/.exec(p))) {
      const bus = m[1] as Bus;
      const drv = m[2]!;
      if (!driversOnBus(s.board, bus).includes(drv)) return undefined;
      const bound = s.board.devices.filter((d) => d.bus === bus && s.devices[d.name]?.driver === drv).map((d) => d.name);
      const attrs = hasBindAttrs(drv);
      if (m[3] === undefined) return { kind: "dir", entries: () => [...(attrs ? ["bind", "uevent", "unbind"] : ["uevent"]), ...bound] };
      if ((m[3] === "bind" || m[3] === "unbind") && !attrs) return undefined;
      if (m[3] === "bind") return { kind: "file", mode: 0o200, write: (v) => this.driverBind(bus, drv, v.trim(), path) };
      if (m[3] === "unbind") return { kind: "file", mode: 0o200, write: (v) => this.driverUnbind(bus, drv, v.trim(), path) };
      if (m[3] === "uevent") return { kind: "file", mode: 0o200, write: () => {} };
      const hit = bound.includes(m[3]) ? s.board.devices.find((d) => d.name === m![3]) : undefined;
      if (hit) return { kind: "link", target: `../../../../${devicesDir(hit)}/${hit.name}` };
      return undefined;
    }
    if ((m = /^\/sys\/bus\/(platform|amba|pci)\/devices\/([^/]+)(?:\/(.*))?$/.exec(p))) {
      const d = this.device(s, m[1]!, m[2]!);
      if (!d) return m[1] === "platform" && m[3] === undefined && smmuNode(s.board, m[2]!, "") ? { kind: "link", target: `../../../devices/platform/${m[2]}` } : undefined;
      return deviceNode(s, d, m[3], path, this.actions);
    }
    if ((m = /^\/sys\/(devices\/platform|devices\/pci[0-9a-f]{4}:[0-9a-f]{2})\/([^/]+)(?:\/(.*))?$/.exec(p))) {
      const d = s.board.devices.find((x) => x.name === m![2] && devicesDir(x) === m![1]);
      if (!d) return m[1] === "devices/platform" ? smmuNode(s.board, m[2]!, m[3]) : undefined;
      return deviceNode(s, d, m[3], path, this.actions, true);
    }
    if (p === "/sys/kernel/iommu_groups") return { kind: "dir", entries: () => allGroups(s).map(String) };
    if ((m = /^\/sys\/kernel\/iommu_groups\/(\d+)(?:\/(.+))?$/.exec(p))) {
      const g = Number(m[1]);
      if (!allGroups(s).includes(g)) return undefined;
      if (m[2] === undefined) return { kind: "dir", entries: () => ["devices", "type"] };
      if (m[2] === "devices") return { kind: "dir", entries: () => groupMembers(s, g).map((d) => d.name) };
      if (m[2] === "type") return { kind: "file", mode: 0o444, read: () => (isNoiommuGroup(s, g) ? "identity\n" : "DMA\n") };
      const dm = /^devices\/(.+)$/.exec(m[2]);
      const member = dm ? groupMembers(s, g).find((d) => d.name === dm[1]) : undefined;
      if (member) return { kind: "link", target: `../../../../${devicesDir(member)}/${member.name}` };
      return undefined;
    }
    const param = paramNode(this.store, s, p);
    if (param) return param;
    if (p === "/dev/vfio") {
      const devices = this.cdevNodes(s).length > 0 ? ["devices"] : [];
      return { kind: "dir", entries: () => ["vfio", ...devices, ...this.groupNodes(s).map((n) => n.slice("/dev/vfio/".length))] };
    }
    // The cdev path (CONFIG_IOMMUFD, CONFIG_VFIO_DEVICE_CDEV): /dev/iommu (misc device, mode 0660) and a node per
    // VFIO device with a cdev; devtmpfs keeps /dev/vfio/devices only while it has nodes.
    if (p === "/dev/iommu") return iommufdAvailable(s) ? { kind: "chr", mode: 0o660 } : undefined;
    if (p === "/dev/vfio/devices") {
      const nodes = this.cdevNodes(s);
      return nodes.length > 0 ? { kind: "dir", entries: () => nodes.map((n) => n.slice("/dev/vfio/devices/".length)) } : undefined;
    }
    if (p.startsWith("/dev/vfio/devices/")) return this.cdevNodes(s).includes(p) ? { kind: "chr", mode: 0o600 } : undefined;
    if (p === "/sys/class/vfio-dev") {
      return { kind: "dir", entries: () => vfioDevices(s).map((d) => `vfio${s.devices[d.name]!.vfioIndex}`) };
    }
    if ((m = /^\/sys\/class\/vfio-dev\/vfio(\d+)$/.exec(p))) {
      const d = vfioDevices(s).find((x) => s.devices[x.name]!.vfioIndex === Number(m![1]));
      return d ? { kind: "link", target: `../../${devicesDir(d)}/${d.name}/vfio-dev/vfio${m[1]}` } : undefined;
    }
    if (p === "/dev/vfio/vfio") return { kind: "chr", mode: 0o666 };
    if (p === "/dev/kmsg") return { kind: "chr", mode: 0o644 };
    if (p.startsWith("/dev/vfio/") && this.groupNodes(s).includes(p)) return { kind: "chr", mode: 0o600 };
    if (p === "/proc/consoles") {
      const consoles = s.board.devices.filter((d) => d.console && s.devices[d.name]?.driver === d.nativeDriver);
      return { kind: "file", mode: 0o444, read: () => consoles.map((d) => `${d.console!.padEnd(21)}-W- (EC p a)  204:64\n`).join("") };
    }
    if ((m = /^\/sys\/class\/tty\/([^/]+)\/device$/.exec(p))) {
      const d = s.board.devices.find((x) => x.console === m![1]);
      return d ? { kind: "link", target: `../../../${d.name}` } : undefined;
    }
    if (p === "/proc") return { kind: "dir", entries: () => [...new Set(this.openNodes(s).map((h) => String(h.pid)))] };
    if ((m = /^\/proc\/(\d+)\/fd(?:\/(\d+))?$/.exec(p))) {
      const pid = Number(m[1]);
      const mine = this.openNodes(s).filter((h) => h.pid === pid);
      if (mine.length === 0) return undefined;
      if (m[2] === undefined) return { kind: "dir", entries: () => mine.map((h) => String(h.fd)) };
      const h = mine.find((x) => x.fd === Number(m![2]));
      return h ? { kind: "link", target: h.node } : undefined;
    }
    return undefined;
  }

  /**
   * The VFIO nodes processes hold, as their /proc/<pid>/fd links show them: open groups (fd 100+N) and bound device
   * cdevs (fd 200+N, linking to /dev/vfio/devices/vfioN as on Linux). Holders are read from the lock files.
   */
  private openNodes(s: BoardState): { pid: number; fd: number; node: string }[] {
    const out = this.held.all().map((h) => ({ pid: h.pid, fd: 100 + h.group, node: this.groupNode(s, h.group) }));
    for (const d of vfioDevices(s)) {
      const n = s.devices[d.name]!.vfioIndex!;
      if (cdevDevice(s, n) === undefined) continue; // noiommu: no cdev to hold
      const h = this.store.holder(cdevLockPath(this.store.locksDir, d.name));
      if (h) out.push({ pid: h.pid, fd: 200 + n, node: `/dev/vfio/devices/vfio${n}` });
    }
    return out;
  }

  private groupNode(s: BoardState, g: number): string {
    return isNoiommuGroup(s, g) ? `/dev/vfio/noiommu-${g}` : `/dev/vfio/${g}`;
  }

  /** Device cdev nodes that exist now. */
  cdevNodes(s: BoardState): string[] {
    return vfioDevices(s)
      .map((d) => s.devices[d.name]!.vfioIndex!)
      .filter((n) => cdevDevice(s, n) !== undefined)
      .sort((a, b) => a - b)
      .map((n) => `/dev/vfio/devices/vfio${n}`);
  }

  /** Group nodes that exist now: groups with at least one VFIO-bound device. */
  groupNodes(s: BoardState): string[] {
    return allGroups(s)
      .filter((g) => groupHasVfioDevice(s, g))
      .map((g) => this.groupNode(s, g));
  }

  // --- writes: each is one driver-core action under the state lock ---

  private setOverride(d: DeviceSpec, v: string): void {
    const value = v.replace(/\n$/, "");
    this.store.update((s) => {
      injectedFault(s, d.name, "override");
      const core = (s.devices[d.name] ??= {});
      if (value === "") delete core.override;
      else core.override = value;
    });
  }

  private driversProbe(bus: Bus, name: string): void {
    this.store.update((s) => {
      const d = this.device(s, bus, name);
      if (d) probeAnyDriver(s, d); // like Linux, silent when nothing binds
    });
  }

  private driverBind(bus: Bus, drv: string, name: string, path: string): void {
    this.store.update((s) => {
      const d = this.device(s, bus, name);
      // bind_store takes any non-zero match as a yes: amba_match's -EPROBE_DEFER too, so the probe runs anyway.
      const matches = d !== undefined && (ambaMatchDefers(d) || driverMatches(s, d, drv));
      if (!d || s.devices[d.name]?.driver !== undefined || !matches) throw err("ENODEV", "writeFile", path);
      try {
        probe(s, d, drv);
      } catch (e) {
        if (e instanceof Errno) throw err(e.code, "writeFile", path);
        throw e;
      }
    });
  }

  private driverUnbind(bus: Bus, drv: string, name: string, path: string): void {
    this.store.update((s) => {
      const d = this.device(s, bus, name);
      if (!d || s.devices[d.name]?.driver !== drv) throw err("ENODEV", "writeFile", path);
      try {
        injectedFault(s, d.name, "unbind", drv);
      } catch (e) {
        throw e instanceof Errno ? err(e.code, "writeFile", path) : e;
      }
      const g = groupOf(s, d);
      // Linux blocks the unbind until the process holding the group lets go; a simulator must not hang, so it refuses.
      if (isVfioDriver(drv) && g !== undefined && this.held.holder(g) !== undefined) throw err("EBUSY", "writeFile", path);
      detach(s, d);
      // A group node that is gone forgets its owner: when it comes back it is root's again.
      const nodes = new Set(this.groupNodes(s));
      for (const p of Object.keys(s.nodeOwners)) if (p.startsWith("/dev/vfio/") && !nodes.has(p)) delete s.nodeOwners[p];
    });
  }

  // --- BoundaryFs ---

  readFile(path: string): string {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "readFile", path);
    if (n.kind === "dir") throw err("EISDIR", "readFile", path);
    if (n.kind === "chr") throw err("EINVAL", "readFile", path);
    if (n.kind === "link") return this.readFile(this.resolveLink(path, n.target));
    if (!n.read) throw err("EACCES", "readFile", path);
    return n.read();
  }

  /** The simulated files hold one character per byte (binary properties are built so), so bytes are their codes. */
  readBytes(path: string): Uint8Array {
    try {
      const text = this.readFile(path);
      return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
    } catch (e) {
      if (e instanceof SyscallError) throw SyscallError.of(e.code, { syscall: "readBytes", path });
      throw e;
    }
  }

  writeFile(path: string, data: string): void {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "writeFile", path);
    if (n.kind === "dir") throw err("EISDIR", "writeFile", path);
    if (n.kind !== "file" || !n.write) throw err("EACCES", "writeFile", path);
    try {
      n.write(data);
    } catch (e) {
      // An attribute's store refusing the value (memory-nodes.ts) leaves as the write's errno.
      if (e instanceof Errno) throw err(e.code, "writeFile", path);
      throw e;
    }
  }

  readlink(path: string): string {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "readlink", path);
    if (n.kind !== "link") throw err("EINVAL", "readlink", path);
    return n.target;
  }

  readdir(path: string): string[] {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "readdir", path);
    if (n.kind === "link") return this.readdir(this.resolveLink(path, n.target));
    if (n.kind !== "dir") throw err("ENOTDIR", "readdir", path);
    return n.entries();
  }

  exists(path: string): boolean {
    return this.lookup(this.store.read(), path) !== undefined;
  }

  stat(path: string): { mode: number; uid: number; gid: number; isDirectory: boolean; isSymlink: boolean } {
    const s = this.store.read();
    const n = this.lookup(s, path);
    if (!n) throw err("ENOENT", "stat", path);
    const owner = s.nodeOwners[path] ?? { uid: 0, gid: 0 };
    const mode =
      n.kind === "dir"
        ? S_IFDIR | 0o755
        : n.kind === "link"
          ? S_IFLNK | 0o777
          : n.kind === "chr"
            ? S_IFCHR | (owner.mode ?? n.mode)
            : S_IFREG | n.mode;
    return { mode, uid: owner.uid, gid: owner.gid, isDirectory: n.kind === "dir", isSymlink: n.kind === "link" };
  }

  readRecords(path: string): string[] {
    if (path !== "/dev/kmsg") {
      throw err(this.lookup(this.store.read(), path) ? "EINVAL" : "ENOENT", "readRecords", path);
    }
    return [...(this.store.read().kmsg ?? [])];
  }

  chown(path: string, uid: number, gid: number): void {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "chown", path);
    this.store.update((s) => {
      s.nodeOwners[path] = { ...s.nodeOwners[path], uid, gid };
    });
  }

  chmod(path: string, mode: number): void {
    const n = this.lookup(this.store.read(), path);
    if (!n) throw err("ENOENT", "chmod", path);
    // Only device nodes keep a changed mode; sysfs attributes and directories keep the kernel's.
    if (n.kind !== "chr") return;
    this.store.update((s) => {
      s.nodeOwners[path] = { uid: s.nodeOwners[path]?.uid ?? 0, gid: s.nodeOwners[path]?.gid ?? 0, mode: mode & 0o7777 };
    });
  }

  private resolveLink(path: string, target: string): string {
    if (target.startsWith("/")) return target;
    const parts = path.replace(/\/+$/, "").split("/");
    parts.pop();
    for (const seg of target.split("/")) {
      if (seg === "..") parts.pop();
      else if (seg !== ".") parts.push(seg);
    }
    return parts.join("/");
  }
}
