// `doctor`: why a device cannot be bound or opened, from what the real kernel teaches (kernel-lab.md, vfio-abi.md
// §2.2): no VFIO, no vfio-platform/vfio-amba driver, no IOMMU group (noiommu and its cost), reset_required, the
// cache-coherency and MSI-isolation rules, group viability, node permissions, memlock, and who holds the group node or the cdev;
// noiommu DMA (taint, pagemap, huge pages) in doctor-noiommu.ts.
// Every finding names its fix. Machine facts come through the boundary; facts about this process (its limits and
// credentials) come from the process itself.
import { readFileSync } from "node:fs";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { resolveGroupNode } from "../vfio/session.ts";
import type { HostDevice } from "./discovery.ts";
import { describeDevice } from "./discovery.ts";
import { describeHolders, deviceHolders, deviceNodes, kernelUsers } from "./in-use.ts";
import { VFIO_DRIVER_OF_BUS, VFIO_DRIVERS, listDir } from "./sysfs.ts";
import { checkNoiommu } from "./doctor-noiommu.ts";
import { groupMembers, viabilityBlockers } from "./group-members.ts";

export type FindingStatus = "ok" | "warn" | "fail" | "info";

/**
 * A finding's fix as facts: a string is advice that needs no vfio-plat command (modprobe, a boot parameter); the kinds
 * are the steps vfio-plat itself takes, with the device they apply to. The CLI words them (src/cli/output/doctor-words.ts).
 */
export type Fix =
  | string
  /** Load VFIO, or use the simulated board. */
  | { kind: "load-vfio" }
  /** Bind `device` to `target`; `force`: it is in use by the kernel, and binding takes that away. */
  | { kind: "bind"; device: string; target: string; force: boolean }
  /** Bind `device` (so it joins its IOMMU group), then check it again. */
  | { kind: "bind-then-check"; device: string }
  /** Bind every device of `device`'s group: some member is still on a kernel driver, so the group is not viable. */
  | { kind: "bind-group-member"; device: string }
  /** Open the group node as root, or bind `device` handing its node over to the user. */
  | { kind: "hand-over"; device: string }
  /** A bind of `device` was rolled back: bind it again if still wanted. */
  | { kind: "bind-again"; device: string }
  /** An interrupted transaction of `device` could not be finished: stop its users, check again, or unbind it. */
  | { kind: "retry-transaction"; device: string }
  /** `device` has only a VFIO driver_override: unbind it (its driver back), or bind it (finish the bind). */
  | { kind: "unbind-or-bind"; device: string };

export interface Finding {
  check: string;
  status: FindingStatus;
  message: string;
  fix?: Fix;
}

/**
 * The viable group's line: the members checked are free for VFIO; members on buses this tool does not read (`others`)
 * are named as unchecked, not vouched for.
 */
function viableText(group: number | undefined, checked: readonly string[], others: readonly string[]): string {
  if (!checked.length && !others.length) return `group ${group} has only this device`;
  const free = checked.length ? `shares with ${checked.join(", ")}, all free for VFIO` : "";
  const unchecked = others.length ? `${free ? "; " : ""}also holds ${others.join(", ")} (not a platform, AMBA or PCI device: its driver not checked)` : "";
  return `group ${group} ${free}${unchecked}`;
}

/** Compatibles that vfio-platform has reset modules for (everything else needs reset_required=0). */
const RESET_MODULES = ["calxeda,hb-xgmac", "amd,xgbe-seattle-v1a", "brcm,iproc-flexrm-mbox"];

function readParam(b: KernelBoundary, path: string): string | undefined {
  try {
    return b.fs.readFile(path).trim();
  } catch {
    return undefined;
  }
}

const yes = (v: string | undefined) => v === "Y" || v === "1";

/** RLIMIT_MEMLOCK of this process in bytes (Infinity for unlimited), from /proc/self/limits. */
export function memlockLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const line = text.split("\n").find((l) => l.startsWith("Max locked memory"));
  const soft = line?.slice("Max locked memory".length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  return soft === "unlimited" ? Infinity : Number(soft);
}

/** Checks that do not depend on a device. */
export function checkSystem(b: KernelBoundary): Finding[] {
  const out: Finding[] = [];
  const sim = b.kind === "sim";
  if (b.fs.exists("/dev/vfio/vfio")) out.push({ check: "vfio", status: "ok", message: "VFIO is available (/dev/vfio/vfio)" });
  else {
    out.push({
      check: "vfio",
      status: "fail",
      message: "this kernel has no VFIO (/dev/vfio/vfio is missing)",
      fix: sim ? "the simulated board always has VFIO: its state directory may be damaged" : { kind: "load-vfio" },
    });
  }
  for (const [bus, drv] of [["platform", "vfio-platform"], ["amba", "vfio-amba"]] as const) {
    if (!b.fs.exists(`/sys/bus/${bus}`)) continue;
    if (b.fs.exists(`/sys/bus/${bus}/drivers/${drv}`)) out.push({ check: drv, status: "ok", message: `${drv} driver is registered` });
    else {
      out.push({
        check: drv,
        status: "warn",
        message: `no ${drv} driver (${bus} devices cannot be bound)`,
        fix: `modprobe ${drv}, or build with CONFIG_VFIO_${drv === "vfio-amba" ? "AMBA" : "PLATFORM"} (arm/arm64 only)`,
      });
    }
  }
  out.push(...checkNoiommu(b));
  const reset = readParam(b, "/sys/module/vfio_platform/parameters/reset_required");
  if (reset !== undefined && yes(reset)) {
    out.push({
      check: "reset_required",
      status: "warn",
      message: "vfio_platform.reset_required=1: vfio-platform refuses devices it has no reset module for (nearly all)",
      fix: "boot with vfio_platform.reset_required=0 (the parameter is read-only at run time)",
    });
  }
  const limit = memlockLimit();
  if (limit !== undefined && limit < 64 * 1024 * 1024 && process.getuid?.() !== 0) {
    out.push({
      check: "memlock",
      status: "warn",
      message: `locked-memory limit is ${limit / 1024} KiB: VFIO_IOMMU_MAP_DMA pins pages against it (ENOMEM beyond)`,
      fix: "raise it (ulimit -l, or LimitMEMLOCK= / limits.conf memlock) to cover your DMA buffers",
    });
  }
  return out;
}

/** Checks for one device. */
export function checkDevice(b: KernelBoundary, dev: HostDevice): Finding[] {
  const out: Finding[] = [];
  const target = VFIO_DRIVER_OF_BUS[dev.bus];
  if (dev.vfioBound) out.push({ check: "driver", status: "ok", message: `${dev.name} is bound to ${dev.driver}` });
  else {
    const users = kernelUsers(b, dev);
    out.push({
      check: "driver",
      status: users.length ? "warn" : "info",
      message: `${dev.name} is ${dev.driver ? `bound to ${dev.driver}` : "not bound to any driver"}${users.length ? ` and in use: ${users.join("; ")}` : ""}`,
      fix: { kind: "bind", device: dev.name, target, force: users.length > 0 },
    });
  }
  const noiommuParam = readParam(b, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
  const groupNode = dev.iommuGroup !== undefined ? resolveGroupNode(b, dev.iommuGroup) : undefined;
  const noiommuGroup = groupNode?.includes("noiommu") ?? false;
  if (dev.iommuGroup === undefined && dev.bus === "pci" && dev.driver === undefined) {
    // The lab's arm64 kernel: a PCI function joins its group only when a driver first probes it.
    out.push({
      check: "iommu-group",
      status: "info",
      message: `${dev.name} shows no IOMMU group yet: an unbound PCI function on a device-tree kernel joins its group when a driver first probes it`,
      fix: { kind: "bind-then-check", device: dev.name },
    });
  } else if (dev.iommuGroup === undefined && dev.driver === undefined && dtNamesIommu(b, dev)) {
    // of_dma_configure (and with it of_iommu_configure) runs in really_probe: a master no driver has probed yet,
    // whose device tree names its IOMMU (`iommus`), joins its group at its first probe.
    out.push({
      check: "iommu-group",
      status: "info",
      message: `${dev.name} shows no IOMMU group yet: its device tree names an IOMMU (iommus), and it joins that IOMMU's group when a driver first probes it`,
      fix: { kind: "bind-then-check", device: dev.name },
    });
  } else if (dev.iommuGroup === undefined) {
    out.push({
      check: "iommu-group",
      status: yes(noiommuParam) ? "warn" : "fail",
      message: `${dev.name} has no IOMMU group (no IOMMU in front of it, or the IOMMU driver is not loaded)`,
      fix: yes(noiommuParam)
        ? "noiommu mode is on: bind will create /dev/vfio/noiommu-N — no DMA isolation, kernel tainted, CAP_SYS_RAWIO needed, no VFIO_IOMMU_MAP_DMA: DMA uses physical addresses of pinned memory"
        : "describe the IOMMU for it in the device tree (iommus = <...>), or accept noiommu mode: echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode (no DMA isolation, taints the kernel, no DMA mapping)",
    });
  } else {
    out.push({ check: "iommu-group", status: noiommuGroup ? "warn" : "ok", message: `IOMMU group ${dev.iommuGroup}${noiommuGroup ? " (noiommu: no DMA isolation, no MAP_DMA)" : ""}` });
  }
  if (dev.bus === "platform" && !dev.vfioBound) {
    const reset = readParam(b, "/sys/module/vfio_platform/parameters/reset_required");
    const hasModule = dev.compatible.some((c) => RESET_MODULES.includes(c));
    if (yes(reset) && !hasModule) {
      out.push({
        check: "reset",
        status: "fail",
        message: `vfio-platform has no reset function for ${dev.compatible[0] ?? dev.name} and reset_required=1: the probe will fail (ENOENT)`,
        fix: "boot with vfio_platform.reset_required=0",
      });
    }
  }
  if (dev.iommuGroup !== undefined && !noiommuGroup && dev.bus !== "pci") {
    // (PCI functions have no device-tree node to carry `dma-coherent`: the root complex's coherency applies.)
    // IOMMU_CAP_CACHE_COHERENCY (which VFIO requires): arm-smmu reports it when the SMMU's table walk is coherent
    // (dma-coherent on the SMMU's node) or the device itself is coherent; arm-smmu-v3 only from the SMMU's node.
    const deviceCounts = dev.iommu?.driver !== "arm-smmu-v3";
    const coherent = deviceCounts && b.fs.exists(`${dev.sysfsPath}/of_node/dma-coherent`);
    const walk = dev.iommu?.coherentWalk === true;
    out.push(
      coherent
        ? { check: "coherency", status: "ok", message: "the device tree marks it dma-coherent" }
        : walk
          ? {
              check: "coherency",
              status: "ok",
              message: `its IOMMU ${dev.iommu!.name} walks page tables coherently (dma-coherent on the IOMMU's node): the IOMMU reports cache-coherent DMA for it`,
            }
          : {
              check: "coherency",
              status: "warn",
              message: `${deviceCounts ? "not marked dma-coherent" : "its own dma-coherent does not count behind arm-smmu-v3"}${dev.iommu ? `, and its IOMMU ${dev.iommu.name} is not dma-coherent` : ""}: VFIO only registers devices whose IOMMU reports cache-coherent DMA; on a non-coherent SoC the bind fails with EINVAL`,
              fix: "check dmesg after bind; coherency is a property of the SoC's interconnect (no software fix but a patched kernel)",
            },
    );
    const unsafe = readParam(b, "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
    if (unsafe !== undefined && !yes(unsafe)) {
      out.push({
        check: "msi-isolation",
        status: "info",
        message: "type1 attach requires isolated MSI; a platform device without an MSI parent may get EPERM at VFIO_SET_IOMMU (inferred from kernel code, unverified)",
        fix: "if SET_IOMMU fails with EPERM: boot with vfio_iommu_type1.allow_unsafe_interrupts=1",
      });
    }
    const { devices: mates, others } = groupMembers(b, dev);
    const blockers = viabilityBlockers(b, dev).map((d) => `${d.name} (${d.driver})`);
    out.push(
      blockers.length
        ? { check: "viability", status: "fail", message: `group ${dev.iommuGroup} is not viable: ${blockers.join(", ")} still on kernel drivers`, fix: { kind: "bind-group-member", device: dev.name } }
        : { check: "viability", status: "ok", message: viableText(dev.iommuGroup, mates.slice(1).map((d) => d.name), others) },
    );
  }
  if (groupNode && b.fs.exists(groupNode)) {
    const st = b.fs.stat(groupNode);
    const uid = process.getuid?.() ?? 0;
    const gids = process.getgroups?.() ?? [];
    const canRw = uid === 0 || (st.uid === uid && (st.mode & 0o600) === 0o600) || (gids.includes(st.gid) && (st.mode & 0o060) === 0o060) || (st.mode & 0o006) === 0o006;
    out.push(
      canRw
        ? { check: "permissions", status: "ok", message: `${groupNode} is read-write for this user` }
        : {
            check: "permissions",
            status: "fail",
            message: `${groupNode} (mode ${(st.mode & 0o777).toString(8)}, uid ${st.uid}, gid ${st.gid}) is not read-write for uid ${uid}`,
            fix: { kind: "hand-over", device: dev.name },
          },
    );
    if (noiommuGroup && uid !== 0) {
      out.push({ check: "cap_sys_rawio", status: "fail", message: "noiommu groups need CAP_SYS_RAWIO to open", fix: "run as root (or grant CAP_SYS_RAWIO)" });
    }
    // The group node or the cdev: a holder of either makes the other path busy too.
    const holders = deviceHolders(b, dev, process.pid);
    out.push(
      holders[0] !== undefined
        ? { check: "holder", status: "warn", message: `${describeHolders(holders)}: a second opener gets EBUSY`, fix: `wait for it or stop it (kill ${holders[0].pid})` }
        : { check: "holder", status: "ok", message: `no process holds ${deviceNodes(b, dev).join(" or ")}` },
    );
  }
  return out;
}

/** The device's device-tree node names an IOMMU (an `iommus` property), whether or not its group exists yet. */
function dtNamesIommu(b: KernelBoundary, dev: HostDevice): boolean {
  try {
    return b.fs.exists(`${dev.sysfsPath}/of_node/iommus`);
  } catch {
    return false;
  }
}
