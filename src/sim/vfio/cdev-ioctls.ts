// The three ioctls only a device cdev has (drivers/vfio/device_cdev.c, Linux 6.12): BIND_IOMMUFD (before it every
// other ioctl is EINVAL), ATTACH_IOMMUFD_PT (an IOAS gets an automatically created hardware page table, shared by the
// devices attached to the same IOAS; the IOAS takes on the SMMU's page size and reserved regions) and
// DETACH_IOMMUFD_PT. Checks run in the kernel's order so the first failing one decides the errno.
import { vfio_device_attach_iommufd_pt, vfio_device_bind_iommufd, vfio_device_detach_iommufd_pt } from "../../vfio/abi/structs.ts";
import { argBuffer, fail, u32At } from "../kernel/errno.ts";
import { allocObject, type IommufdFile } from "./iommufd-ioctls.ts";
import type { AttachedDomain } from "./ioas-table.ts";
import type { CdevFile } from "./vfio-files.ts";

/** argsz/flags as the cdev handlers check them: copy_from_user(minsz) faults first, then argsz below minsz or any flag. */
function header(arg: Uint8Array | number, minsz: number): { buf: Uint8Array } {
  const buf = argBuffer(arg, minsz);
  if (u32At(buf, 4) !== 0) fail("EINVAL"); // no flags are defined for these three
  return { buf };
}

/** What binding needs from the simulated kernel. */
interface BindEnv {
  /** The device's group is open through /dev/vfio/N (by any process). */
  groupOpen(group: number): boolean;
  /** Resolve the `iommufd` argument: the iommufd file. @throws Errno as iommufd_ctx_from_fd does (EBADF, EBADFD) */
  iommufdOf(fd: number): IommufdFile;
  /** Take the device's one-opener lock (vfio_df_open: the cdev path opens a device once): its path, or undefined. */
  claim(c: CdevFile): string | undefined;
  /** Open the device (driver open_device) and record the binding in `c.bound`. */
  open(c: CdevFile, iommufd: IommufdFile, devid: number, lockPath: string): void;
}

/** VFIO_DEVICE_BIND_IOMMUFD. @throws Errno */
export function bindIommufd(c: CdevFile, env: BindEnv, arg: Uint8Array | number): number {
  const { buf } = header(arg, vfio_device_bind_iommufd.minsz);
  const v = vfio_device_bind_iommufd.decode(buf.subarray(0, vfio_device_bind_iommufd.minsz));
  if (v.iommufd < 0) fail("EINVAL");
  if (env.groupOpen(c.group)) fail("EBUSY"); // vfio_device_block_group
  if (c.bound) fail("EINVAL"); // "one device cannot be bound twice"
  const ictx = env.iommufdOf(v.iommufd);
  const lockPath = env.claim(c);
  if (lockPath === undefined) fail("EINVAL"); // vfio_df_open: open_count != 0 on the cdev path
  const devid = allocObject(ictx, { type: "device", name: c.name });
  env.open(c, ictx, devid, lockPath);
  new DataView(buf.buffer, buf.byteOffset).setUint32(vfio_device_bind_iommufd.offsetOf("out_devid"), devid, true);
  return 0;
}

/** VFIO_DEVICE_ATTACH_IOMMUFD_PT (bound cdev). `domain` is what the device's SMMU domain imposes on an IOAS. */
export function attachPt(
  c: CdevFile,
  arg: Uint8Array | number,
  domain: AttachedDomain,
  pinOk: (vaddr: bigint, length: bigint, write: boolean) => boolean,
): number {
  const { buf } = header(arg, vfio_device_attach_iommufd_pt.minsz);
  const ptId = vfio_device_attach_iommufd_pt.decode(buf.subarray(0, vfio_device_attach_iommufd_pt.minsz)).pt_id;
  const f = c.bound!.iommufd;
  const target = f.objects.get(ptId);
  if (!target) fail("ENOENT");
  let ioasId: number;
  if (target.type === "ioas") ioasId = ptId;
  else if (target.type === "hwpt") ioasId = target.ioasId;
  else fail("EINVAL");
  const table = f.objects.get(ioasId);
  if (!table || table.type !== "ioas") fail("ENOENT");
  // A second attach replaces the first (iommufd_device_replace).
  const previous = c.attached;
  if (previous) detachPt(c);
  try {
    table.table.attach(c.name, domain, pinOk);
  } catch (e) {
    if (previous) reattach(c, previous);
    throw e;
  }
  // An IOAS gets the hardware page table already made from it for another device (same SMMU), else a new one.
  let hwptId = target.type === "hwpt" ? ptId : undefined;
  if (hwptId === undefined) {
    for (const [id, o] of f.objects) if (o.type === "hwpt" && o.ioasId === ioasId) hwptId = id;
  }
  hwptId ??= allocObject(f, { type: "hwpt", ioasId, devices: new Set() });
  const hwpt = f.objects.get(hwptId);
  if (hwpt?.type === "hwpt") hwpt.devices.add(c.name);
  c.attached = { ioasId, hwptId };
  new DataView(buf.buffer, buf.byteOffset).setUint32(vfio_device_attach_iommufd_pt.offsetOf("pt_id"), hwptId, true);
  return 0;
}

function reattach(c: CdevFile, at: { ioasId: number; hwptId: number }): void {
  const f = c.bound!.iommufd;
  const o = f.objects.get(at.hwptId);
  if (o?.type === "hwpt") o.devices.add(c.name);
  c.attached = at;
}

/** VFIO_DEVICE_DETACH_IOMMUFD_PT with its argument checks. */
export function detachPtIoctl(c: CdevFile, arg: Uint8Array | number): number {
  header(arg, vfio_device_detach_iommufd_pt.minsz);
  detachPt(c);
  return 0;
}

/** Detach (also at close): leave the hardware page table, which goes with its last device; the IOAS loses the domain. */
export function detachPt(c: CdevFile): void {
  const at = c.attached;
  if (!at || !c.bound) return;
  const f = c.bound.iommufd;
  const hwpt = f.objects.get(at.hwptId);
  if (hwpt?.type === "hwpt") {
    hwpt.devices.delete(c.name);
    if (hwpt.devices.size === 0) f.objects.delete(at.hwptId);
  }
  const ioas = f.objects.get(at.ioasId);
  if (ioas?.type === "ioas") ioas.table.detach(c.name);
  c.attached = undefined;
}
