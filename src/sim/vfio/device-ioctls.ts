// ioctls on a simulated vfio-platform / vfio-amba device fd: GET_INFO (only the first 16 bytes are written back),
// GET_REGION_INFO (offset index << 40, MMAP only for page-aligned resources, no capabilities), GET_IRQ_INFO (level:
// EVENTFD|MASKABLE|AUTOMASKED, edge: EVENTFD), SET_IRQS with vfio's validation and vfio-platform's actions, RESET.
import {
  VFIO_DEVICE_FLAGS_AMBA,
  VFIO_DEVICE_FLAGS_PLATFORM,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_TYPE_MASK,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  regionOffset,
} from "../../vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../vfio/abi/ioctls.ts";
import { decodeIrqSetPayload, irqSetElementSize } from "../../vfio/abi/irq-set.ts";
import { vfio_device_info, vfio_irq_info, vfio_irq_set, vfio_region_info } from "../../vfio/abi/structs.ts";
import { argBuffer, fail, knownFlags } from "../kernel/errno.ts";
import { regionFlags } from "./region-access.ts";
import type { DeviceFile } from "./vfio-files.ts";

export interface DeviceEnv {
  pageSize: number;
  /** Is `fd` an open eventfd of this process? @throws Errno EBADF (not open at all), EINVAL (not an eventfd) */
  checkEventFd(fd: number): void;
  /** Run the handlers of virqfds whose eventfd has been signalled (consumes their counters). */
  serviceVirqfds?(): void;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

function setIrqs(d: Pick<DeviceFile, "runtime">, env: DeviceEnv, arg: Uint8Array | number): number {
  const buf = argBuffer(arg, vfio_irq_set.size);
  const h = vfio_irq_set.decode(buf);
  const irqs = d.runtime.irqs;
  // vfio_set_irqs_validate_and_prepare
  if (h.index >= irqs.length) fail("EINVAL");
  knownFlags(h.flags, VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK);
  if (popcount(h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) !== 1) fail("EINVAL");
  // vfio-platform validates start/count against its number of interrupt indexes; each handler then wants start 0.
  if (h.start >= irqs.length || h.start + h.count > irqs.length) fail("EINVAL");
  const elem = irqSetElementSize(h.flags);
  if (elem && h.argsz - vfio_irq_set.size < h.count * elem) fail("EINVAL");
  if (elem && buf.length < vfio_irq_set.size + h.count * elem) fail("EFAULT");
  // vfio-platform dispatches on exactly one ACTION bit; with none or several it finds no handler: ENOTTY.
  if (popcount(h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !== 1) fail("ENOTTY");
  const payload = decodeIrqSetPayload(buf, h.flags, h.count);
  const irq = irqs[h.index]!;
  const level = irq.kind === "level";
  const action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
  const data = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

  if (action === VFIO_IRQ_SET_ACTION_MASK || action === VFIO_IRQ_SET_ACTION_UNMASK) {
    if (!level) fail("EINVAL"); // edge lines are not MASKABLE
    if (h.start !== 0 || h.count !== 1) fail("EINVAL");
    if (data === VFIO_IRQ_SET_DATA_EVENTFD) {
      // vfio_virqfd_enable / vfio_virqfd_disable: fd >= 0 installs a virqfd (EBADF: no such fd, EINVAL: not an
      // eventfd, EBUSY: one is installed already, checked in that order); a negative fd removes it, installed or not.
      // vfio-platform takes both MASK and UNMASK eventfds (vfio-pci refuses a MASK one). No trigger is needed.
      const slot = action === VFIO_IRQ_SET_ACTION_MASK ? "mask" : "unmask";
      const fd = payload.eventfds![0]!;
      if (fd < 0) {
        irq.setVirqfd(slot, undefined);
        return 0;
      }
      env.checkEventFd(fd);
      if (irq.virqfd(slot) !== undefined) fail("EBUSY");
      irq.setVirqfd(slot, fd);
      // A signal already pending counts as if it arrived after registration (the kernel runs the handler at once).
      env.serviceVirqfds?.();
      return 0;
    }
    if (data === VFIO_IRQ_SET_DATA_BOOL && !payload.bools![0]) return 0;
    if (action === VFIO_IRQ_SET_ACTION_MASK) irq.mask();
    else irq.unmask();
    return 0;
  }
  // ACTION_TRIGGER
  if (h.count === 0 && data === VFIO_IRQ_SET_DATA_NONE) {
    irq.setTrigger(-1);
    return 0;
  }
  if (h.start !== 0 || h.count !== 1) fail("EINVAL");
  if (data === VFIO_IRQ_SET_DATA_EVENTFD) {
    // vfio_set_trigger drops the installed trigger (and disables the line) before it looks at the new fd, so a bad fd
    // (EBADF, EINVAL: not an eventfd) leaves the interrupt with no trigger at all.
    const fd = payload.eventfds![0]!;
    if (fd >= 0) {
      try {
        env.checkEventFd(fd);
      } catch (e) {
        irq.setTrigger(-1);
        throw e;
      }
    }
    irq.setTrigger(fd);
    return 0;
  }
  if (data === VFIO_IRQ_SET_DATA_BOOL && !payload.bools![0]) return 0;
  irq.loopback();
  return 0;
}

/** Dispatch one ioctl on a device fd. @throws Errno (src/sim/kernel/errno.ts) */
export function deviceIoctl(d: Pick<DeviceFile, "runtime">, env: DeviceEnv, request: number, arg: Uint8Array | number): number {
  const spec = d.runtime.spec;
  switch (request) {
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO: {
      const buf = argBuffer(arg, 16);
      const flags = (spec.bus === "amba" ? VFIO_DEVICE_FLAGS_AMBA : VFIO_DEVICE_FLAGS_PLATFORM) | (spec.hasReset ? VFIO_DEVICE_FLAGS_RESET : 0);
      const argsz = vfio_device_info.decode(buf.subarray(0, 16)).argsz;
      const out = vfio_device_info.encode({ argsz, flags, num_regions: spec.regions.length, num_irqs: spec.irqs.length });
      buf.set(out.subarray(0, 16), 0); // vfio-platform copies back minsz (16) bytes only
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO: {
      const buf = argBuffer(arg, vfio_region_info.size);
      const v = vfio_region_info.decode(buf);
      const r = spec.regions[v.index];
      if (!r) fail("EINVAL");
      vfio_region_info.encode(
        { argsz: v.argsz, flags: regionFlags(r, env.pageSize), index: v.index, cap_offset: 0, size: BigInt(r.size), offset: BigInt(regionOffset(v.index)) },
        buf,
      );
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO: {
      const buf = argBuffer(arg, vfio_irq_info.size);
      const v = vfio_irq_info.decode(buf);
      const irq = spec.irqs[v.index];
      if (!irq) fail("EINVAL");
      const flags = VFIO_IRQ_INFO_EVENTFD | (irq.trigger === "level" ? VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED : 0);
      vfio_irq_info.encode({ argsz: v.argsz, flags, index: v.index, count: 1 }, buf);
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS:
      return setIrqs(d, env, arg);
    case DEVICE_IOCTLS.VFIO_DEVICE_RESET:
      if (!spec.hasReset) fail("EINVAL"); // "no reset function found!"
      d.runtime.model.reset();
      return 0;
    case DEVICE_IOCTLS.VFIO_DEVICE_FEATURE:
      return fail("EINVAL"); // 6.12 (the lab's kernel) answers EINVAL for features a driver lacks; >= 6.18 ENOTTY
    default:
      return fail("ENOTTY");
  }
}
