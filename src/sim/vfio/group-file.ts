// The group file (/dev/vfio/N and /dev/vfio/noiommu-N, vfio_group_fops): open with the single-opener rule across
// processes (a lock file) and the cdev block, the group ioctls (GET_STATUS, SET/UNSET_CONTAINER, GET_DEVICE_FD), and
// close: a group is released once its fd is closed and no device fd refers to it, taking its container along.
import { readFileSync } from "node:fs";
import { VFIO_GROUP_FLAGS_CONTAINER_SET, VFIO_GROUP_FLAGS_VIABLE } from "../../vfio/abi/constants.ts";
import { GROUP_IOCTLS } from "../../vfio/abi/ioctls.ts";
import { vfio_group_status } from "../../vfio/abi/structs.ts";
import { KERN_WARNING } from "../kernel/dev-printk.ts";
import { argBuffer, fail, pointerArg, u32At } from "../kernel/errno.ts";
import type { SimKernel } from "../kernel/sim-kernel.ts";
import { unlock } from "../state/pid-lock.ts";
import type { BoardState } from "../state/board-state.ts";
import { groupMembers, groupViable, isNoiommuGroup, isVfioDriver } from "../sysfs/driver-core.ts";
import { releaseContainer } from "./container-file.ts";
import { groupLockPath } from "./lock-paths.ts";
import type { DeviceFile, GroupFile } from "./vfio-files.ts";

/** The process name the kernel logs (current->comm): the executable's name, at most 15 characters. */
function processComm(): string {
  try {
    return readFileSync("/proc/self/comm", "utf8").trim();
  } catch {
    return (process.argv0.split("/").pop() ?? "bun").slice(0, 15);
  }
}

/**
 * open() of group node `path` for group `id` (the caller has checked that the node exists).
 * @throws Errno ENOENT (noiommu-ness of the node and the group differ), EPERM (noiommu without root), EBUSY (held)
 */
export function openGroup(k: SimKernel, s: BoardState, path: string, id: number, noiommu: boolean): number {
  if (noiommu !== isNoiommuGroup(s, id)) fail("ENOENT");
  if (noiommu && process.getuid?.() !== 0) fail("EPERM"); // CAP_SYS_RAWIO
  const lockPath = groupLockPath(k.store.locksDir, id);
  // vfio_group_fops_open: a bound cdev of the group blocks it (cdev_device_open_cnt), then the single opener rule.
  if (k.cdevHolder(id) !== undefined) fail("EBUSY");
  if (k.heldGroups.has(id) || k.store.takeLock(lockPath) !== undefined) fail("EBUSY");
  let g: GroupFile | undefined;
  const fd = k.fds.add((fd) => (g = { kind: "group", fd, id, noiommu, path, lockPath, devices: new Set(), closed: false }));
  k.heldGroups.set(id, g!);
  return fd;
}

/** ioctl on a group fd. @throws Errno */
export function groupIoctl(k: SimKernel, g: GroupFile, request: number, arg: Uint8Array | number): number {
  const s = k.store.read();
  switch (request) {
    case GROUP_IOCTLS.VFIO_GROUP_GET_STATUS: {
      const buf = argBuffer(arg, vfio_group_status.size);
      const v = vfio_group_status.decode(buf);
      const flags = (groupViable(s, g.id) ? VFIO_GROUP_FLAGS_VIABLE : 0) | (g.container ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
      vfio_group_status.encode({ argsz: v.argsz, flags }, buf);
      return 0;
    }
    case GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER: {
      const buf = pointerArg(arg);
      if (buf.length < 4) fail("EFAULT");
      const c = k.fds.get(u32At(buf, 0) | 0);
      if (!c || c.kind !== "container") fail("EBADF");
      if (g.container) fail("EINVAL");
      if (!groupViable(s, g.id)) fail("EPERM");
      for (const other of c.groups) if (other.noiommu !== g.noiommu) fail("EPERM");
      if (c.iommu && c.iommu.noiommu !== g.noiommu) fail("EPERM");
      c.groups.add(g);
      g.container = c;
      return 0;
    }
    case GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER: {
      const c = g.container;
      if (!c) fail("EINVAL");
      if (g.devices.size > 0) fail("EBUSY");
      c.groups.delete(g);
      g.container = undefined;
      if (c.groups.size === 0) c.iommu = undefined;
      return 0;
    }
    case GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD:
      return getDeviceFd(k, s, g, pointerArg(arg));
    default:
      return fail("ENOTTY");
  }
}

/** VFIO_GROUP_GET_DEVICE_FD: the NUL-terminated device name in `arg`; opens the device (first open: open_device). */
function getDeviceFd(k: SimKernel, s: BoardState, g: GroupFile, arg: Uint8Array): number {
  const nul = arg.indexOf(0);
  const name = new TextDecoder().decode(arg.subarray(0, nul < 0 ? arg.length : nul));
  if (!g.container?.iommu) fail("EINVAL");
  const spec = groupMembers(s, g.id).find((d) => d.name === name);
  if (!spec || !isVfioDriver(s.devices[name]?.driver)) fail("ENODEV");
  const runtime = k.openRuntime(spec, g.id);
  if (g.noiommu) k.log.device(spec, `vfio-noiommu device opened by user (${processComm()}:${process.pid})`, KERN_WARNING);
  let d: DeviceFile | undefined;
  const fd = k.fds.add((fd) => (d = { kind: "device", fd, name, group: g, runtime }));
  g.devices.add(d!);
  return fd;
}

/** close() of the group fd. */
export function closeGroup(k: SimKernel, g: GroupFile): void {
  g.closed = true;
  releaseGroup(k, g);
}

/** A group is released when its fd is closed and no device fd refers to it any more. */
export function releaseGroup(k: SimKernel, g: GroupFile): void {
  if (!g.closed || g.devices.size > 0) return;
  const c = g.container;
  if (c) {
    c.groups.delete(g);
    g.container = undefined;
    if (c.groups.size === 0) c.iommu = undefined; // the IOMMU driver goes with the last group; mappings die
    releaseContainer(c);
  }
  k.heldGroups.delete(g.id);
  unlock(g.lockPath);
}
