// ioctls on a simulated vfio-pci device fd (vfio_pci_core_ioctl, Linux 6.12): GET_INFO (flags PCI, 9 regions,
// 5 interrupt indexes; copies back up to the full struct since vfio-pci supports capabilities), GET_REGION_INFO and
// GET_IRQ_INFO from vfio-pci-device.ts, SET_IRQS with vfio_set_irqs_validate_and_prepare's checks against the index's
// count and then vfio-pci's per-index handlers, RESET (EINVAL without a reset method, as for edu), FEATURE (ENOTTY:
// vfio-pci answers that for features it lacks; its low-power and VF-token features are not modelled).
import {
  VFIO_DEVICE_FLAGS_PCI,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_TYPE_MASK,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  VFIO_PCI_INTX_IRQ_INDEX,
  VFIO_PCI_MSI_IRQ_INDEX,
  VFIO_PCI_NUM_IRQS,
  VFIO_PCI_NUM_REGIONS,
  VFIO_PCI_REQ_IRQ_INDEX,
  regionOffset,
} from "../../vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../vfio/abi/ioctls.ts";
import { vfio_device_info, vfio_irq_info, vfio_irq_set, vfio_region_info } from "../../vfio/abi/structs.ts";
import { argBuffer, fail, knownFlags } from "../kernel/errno.ts";
import type { DeviceEnv } from "./device-ioctls.ts";
import type { VfioPciDevice } from "./vfio-pci-device.ts";
import type { IrqData } from "./vfio-pci-irqs.ts";

function setIrqs(dev: VfioPciDevice, env: DeviceEnv, arg: Uint8Array | number): number {
  const buf = argBuffer(arg, vfio_irq_set.size);
  const h = vfio_irq_set.decode(buf);
  // vfio_set_irqs_validate_and_prepare, with the index's own count as the limit
  if (h.index >= VFIO_PCI_NUM_IRQS || h.count >= 0xffff_ffff - h.start) fail("EINVAL");
  knownFlags(h.flags, VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK);
  const max = dev.irqCount(h.index);
  if (h.start >= max || h.start + h.count > max) fail("EINVAL");
  const dataBits = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
  const data: IrqData | undefined =
    dataBits === VFIO_IRQ_SET_DATA_NONE ? "none" : dataBits === VFIO_IRQ_SET_DATA_BOOL ? "bool" : dataBits === VFIO_IRQ_SET_DATA_EVENTFD ? "eventfd" : undefined;
  if (!data) fail("EINVAL");
  const elem = data === "bool" ? 1 : data === "eventfd" ? 4 : 0;
  if (elem && h.argsz - vfio_irq_set.size < h.count * elem) fail("EINVAL");
  if (elem && buf.length < vfio_irq_set.size + h.count * elem) fail("EFAULT");
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const values: number[] = [];
  for (let i = 0; i < h.count && elem; i++) {
    values.push(elem === 1 ? dv.getUint8(vfio_irq_set.size + i) : dv.getInt32(vfio_irq_set.size + 4 * i, true));
  }
  const action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
  const irqs = dev.irqs;
  let handler: ((start: number, count: number, data: IrqData, values: readonly number[]) => void) | undefined;
  if (h.index === VFIO_PCI_INTX_IRQ_INDEX) {
    if (action === VFIO_IRQ_SET_ACTION_MASK) handler = irqs.intxMask.bind(irqs);
    else if (action === VFIO_IRQ_SET_ACTION_UNMASK) handler = irqs.intxUnmask.bind(irqs);
    else if (action === VFIO_IRQ_SET_ACTION_TRIGGER) handler = irqs.intxTrigger.bind(irqs);
  } else if (h.index === VFIO_PCI_MSI_IRQ_INDEX) {
    if (action === VFIO_IRQ_SET_ACTION_TRIGGER) handler = irqs.msiTrigger.bind(irqs); // MSI masking: not supported
  } else if (h.index === VFIO_PCI_REQ_IRQ_INDEX) {
    if (action === VFIO_IRQ_SET_ACTION_TRIGGER) handler = irqs.reqTrigger.bind(irqs);
  }
  if (!handler) fail("ENOTTY"); // no handler for this action (or several ACTION bits)
  if (data === "eventfd") for (const fd of values) if (fd >= 0) env.checkEventFd(fd);
  handler(h.start, h.count, data, values);
  return 0;
}

/** Dispatch one ioctl on a vfio-pci device fd. @throws Errno (src/sim/kernel/errno.ts) */
export function vfioPciIoctl(dev: VfioPciDevice, env: DeviceEnv, request: number, arg: Uint8Array | number): number {
  switch (request) {
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO: {
      const buf = argBuffer(arg, 16);
      const argsz = vfio_device_info.decode(buf.subarray(0, 16)).argsz;
      const flags = VFIO_DEVICE_FLAGS_PCI | (dev.fn.spec.hasReset ? VFIO_DEVICE_FLAGS_RESET : 0);
      const out = vfio_device_info.encode({ argsz, flags, num_regions: VFIO_PCI_NUM_REGIONS, num_irqs: VFIO_PCI_NUM_IRQS });
      const n = Math.min(argsz, vfio_device_info.size, buf.length);
      buf.set(out.subarray(0, n), 0);
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO: {
      const buf = argBuffer(arg, vfio_region_info.size);
      const v = vfio_region_info.decode(buf);
      const info = dev.regionInfo(v.index, env.pageSize);
      vfio_region_info.encode(
        { argsz: v.argsz, flags: info.flags, index: v.index, cap_offset: 0, size: BigInt(info.size), offset: BigInt(regionOffset(v.index)) },
        buf,
      );
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO: {
      const buf = argBuffer(arg, vfio_irq_info.size);
      const v = vfio_irq_info.decode(buf);
      const info = dev.irqInfo(v.index);
      vfio_irq_info.encode({ argsz: v.argsz, flags: info.flags, index: v.index, count: info.count }, buf);
      return 0;
    }
    case DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS:
      return setIrqs(dev, env, arg);
    case DEVICE_IOCTLS.VFIO_DEVICE_RESET:
      if (!dev.fn.spec.hasReset) fail("EINVAL"); // no FLR, PM reset or bus reset: reset_works is false
      dev.fn.reset();
      return 0;
    default:
      return fail("ENOTTY");
  }
}
