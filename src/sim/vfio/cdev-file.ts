// The device cdev file (/dev/vfio/devices/vfioN, vfio_device_fops_cdev_open): opening always works, every ioctl but
// BIND_IOMMUFD is EINVAL until the bind, then it is a device fd plus ATTACH/DETACH_IOMMUFD_PT (cdev-ioctls.ts).
// Closing a bound cdev unbinds it: detach, drop its device object, close the device, let the group be opened.
import { DEVICE_IOCTLS } from "../../vfio/abi/ioctls.ts";
import { isRealFd } from "../kernel/eventfds.ts";
import { fail } from "../kernel/errno.ts";
import type { SimKernel } from "../kernel/sim-kernel.ts";
import type { BoardState } from "../state/board-state.ts";
import { unlock } from "../state/pid-lock.ts";
import type { DeviceRuntime } from "../kernel/device-runtime.ts";
import { cdevDevice, groupOf, groupViable } from "../sysfs/driver-core.ts";
import { SMMU_PGSIZES } from "../iommu/smmu-profile.ts";
import { attachPt, bindIommufd, detachPt, detachPtIoctl } from "./cdev-ioctls.ts";
import { deviceFileIoctl } from "./device-file.ts";
import { iommufdEnv, releaseIommufd } from "./iommufd-file.ts";
import type { AttachedDomain } from "./ioas-table.ts";
import { cdevLockPath } from "./lock-paths.ts";
import type { CdevFile } from "./vfio-files.ts";

/** open() of cdev `path`, the device with vfio index `index`. @throws Errno ENOENT when no device has it */
export function openCdev(k: SimKernel, s: BoardState, path: string, index: number): number {
  const spec = cdevDevice(s, index);
  const group = spec ? groupOf(s, spec) : undefined;
  if (!spec || group === undefined) fail("ENOENT");
  return k.fds.add((fd) => ({ kind: "cdev", fd, name: spec.name, path, group }));
}

/** ioctl on a cdev fd. @throws Errno */
export function cdevIoctl(k: SimKernel, c: CdevFile, request: number, arg: Uint8Array | number): number {
  if (request === DEVICE_IOCTLS.VFIO_DEVICE_BIND_IOMMUFD) return bind(k, c, arg);
  if (!c.bound) fail("EINVAL"); // no access before the bind
  if (request === DEVICE_IOCTLS.VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
    const env = iommufdEnv(k);
    return attachPt(c, arg, attachedDomain(k, c.name), (v, l, w) => env.isMapped(v, Number(l), w));
  }
  if (request === DEVICE_IOCTLS.VFIO_DEVICE_DETACH_IOMMUFD_PT) return detachPtIoctl(c, arg);
  return deviceFileIoctl(k, c.bound.runtime, request, arg);
}

function bind(k: SimKernel, c: CdevFile, arg: Uint8Array | number): number {
  return bindIommufd(
    c,
    {
      groupOpen: (g) => k.groupOpen(g),
      iommufdOf: (fd) => {
        const f = k.fds.get(fd);
        if (f) return f.kind === "iommufd" ? f : fail("EBADFD");
        return fail(isRealFd(fd) ? "EBADFD" : "EBADF");
      },
      claim: (cd) => {
        const lockPath = cdevLockPath(k.store.locksDir, cd.name);
        return k.store.takeLock(lockPath) === undefined ? lockPath : undefined;
      },
      open: (cd, iommufd, devid, lockPath) => {
        const spec = k.board.devices.find((d) => d.name === cd.name)!;
        // iommufd_device_bind -> iommu_device_claim_dma_owner: EPERM while a kernel driver owns the group's DMA.
        if (!groupViable(k.store.read(), cd.group)) {
          unlock(lockPath);
          fail("EPERM");
        }
        let runtime: DeviceRuntime;
        try {
          runtime = k.openRuntime(spec, cd.group);
        } catch (e) {
          unlock(lockPath); // the device was never opened: nobody holds it (a damaged saved state, say)
          throw e;
        }
        cd.bound = { runtime, iommufd, devid, lockPath };
        k.boundCdevs.set(cd.name, cd);
      },
    },
    arg,
  );
}

/**
 * What the SMMU in front of device `name` imposes on an IOAS it is attached to: its domain's smallest page (at least
 * the CPU page) and its input address size.
 */
function attachedDomain(k: SimKernel, name: string): AttachedDomain {
  const spec = k.board.devices.find((d) => d.name === name);
  const smmu = (spec && k.smmuFor(spec)?.config) ?? k.smmu?.config;
  const pgsizes = smmu?.pgsizes ?? SMMU_PGSIZES;
  const page = pgsizes & -pgsizes;
  const cpu = BigInt(k.pageSize);
  return { pageSize: page > cpu ? page : cpu, ias: smmu?.ias ?? 48 };
}

/** close() of a cdev fd: a bound one is unbound. */
export function closeCdev(k: SimKernel, c: CdevFile): void {
  const b = c.bound;
  if (!b) return;
  detachPt(c);
  b.iommufd.objects.delete(b.devid);
  c.bound = undefined;
  k.boundCdevs.delete(c.name);
  k.releaseRuntime(b.runtime);
  unlock(b.lockPath);
  releaseIommufd(k, b.iommufd);
}
