// The device file (vfio_device_fops, from GET_DEVICE_FD or a bound cdev): its ioctls (vfio-platform's in
// device-ioctls.ts, vfio-pci's in vfio-pci-ioctls.ts), read/write through the region at the offset's index, mmap with
// the drivers' checks, and close: the last fd of a device runs close_device and may release its group.
import { MAP_SHARED, PROT_READ, PROT_WRITE, type Mapping } from "../../boundary/kernel-boundary.ts";
import { VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE } from "../../vfio/abi/constants.ts";
import type { DeviceRuntime } from "../kernel/device-runtime.ts";
import { fail } from "../kernel/errno.ts";
import type { SimKernel } from "../kernel/sim-kernel.ts";
import { deviceIoctl } from "./device-ioctls.ts";
import { regionFlags, regionRead, regionWrite, splitOffset } from "./region-access.ts";
import { SimMapping } from "./sim-mapping.ts";
import type { DeviceFile } from "./vfio-files.ts";
import type { DeviceEnv } from "./device-ioctls.ts";
import { groupFile, vfioPciIoctls } from "../lazy-modules.ts";

/** What the device handlers need from the rest of the kernel. */
function deviceEnv(k: SimKernel): DeviceEnv {
  return {
    pageSize: k.pageSize,
    checkEventFd: (fd) => k.eventfds.check(fd),
    serviceVirqfds: () => k.virqfds.service(),
  };
}

/** ioctl on an open device (a device fd or a bound cdev). @throws Errno */
export function deviceFileIoctl(k: SimKernel, runtime: DeviceRuntime, request: number, arg: Uint8Array | number): number {
  if (runtime.pci) return vfioPciIoctls().vfioPciIoctl(runtime.pci, deviceEnv(k), request, arg);
  return deviceIoctl({ runtime }, deviceEnv(k), request, arg);
}

/** pread/pwrite of the region the offset's index names: bytes moved. @throws Errno */
export function deviceRw(runtime: DeviceRuntime, buf: Uint8Array, offset: number, write: boolean): number {
  const pci = runtime.pci;
  if (pci) return pci.rw(buf, offset, write);
  return write ? regionWrite(runtime.spec, runtime.model, buf, offset) : regionRead(runtime.spec, runtime.model, buf, offset);
}

/**
 * mmap of a device region: MAP_SHARED, page-aligned offset, the whole mapping inside a region the driver lets map
 * with the protection asked. `onAccess` runs after every access (the device is brought up to now), `beforeAccess`
 * before it. @throws Errno EINVAL
 */
export function deviceMmap(
  runtime: DeviceRuntime,
  page: number,
  length: number,
  prot: number,
  flags: number,
  offset: number,
  onAccess: () => void,
  beforeAccess?: () => void,
): Mapping {
  if (length <= 0 || offset % page !== 0) fail("EINVAL");
  if ((flags & MAP_SHARED) === 0) fail("EINVAL");
  const { index, off } = splitOffset(offset);
  const span = Math.ceil(length / page) * page;
  const pci = runtime.pci;
  if (pci) {
    // vfio_pci_core_mmap: BARs with the MMAP flag only, the whole mapping inside the BAR.
    const bar = pci.mappableBar(index, page);
    if (!bar || off + span > bar.size) fail("EINVAL");
  } else {
    const r = runtime.spec.regions[index];
    if (!r) fail("EINVAL");
    const rflags = regionFlags(r, page);
    if (!(rflags & VFIO_REGION_INFO_FLAG_MMAP)) fail("EINVAL");
    if (prot & PROT_READ && !(rflags & VFIO_REGION_INFO_FLAG_READ)) fail("EINVAL");
    if (prot & PROT_WRITE && !(rflags & VFIO_REGION_INFO_FLAG_WRITE)) fail("EINVAL");
    if (r.size < page || off + span > r.size) fail("EINVAL");
  }
  return new SimMapping(runtime.model, index, off, length, (prot & PROT_READ) !== 0, (prot & PROT_WRITE) !== 0, onAccess, beforeAccess);
}

/** close() of a device fd: one reference less on the device and on its group. */
export function closeDevice(k: SimKernel, d: DeviceFile): void {
  d.group.devices.delete(d);
  k.releaseRuntime(d.runtime);
  groupFile().releaseGroup(k, d.group); // a device fd comes from GET_DEVICE_FD: its group file was opened, so loaded
}
