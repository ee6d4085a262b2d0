// vfio_irq_set with its variable payload: a 20-byte header followed by `count` u8 booleans (DATA_BOOL) or `count` s32
// eventfds (DATA_EVENTFD, -1 de-assigns), or nothing (DATA_NONE). argsz covers header + payload.
import {
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
} from "./constants.ts";
import { vfio_irq_set } from "./structs.ts";

export interface IrqSetRequest {
  flags: number;
  index: number;
  start: number;
  count: number;
  /** DATA_BOOL payload, one per vector. */
  bools?: readonly boolean[];
  /** DATA_EVENTFD payload, one per vector (-1 = de-assign). */
  eventfds?: readonly number[];
}

/** Payload bytes per vector for the DATA type in `flags` (0 for DATA_NONE or an invalid combination). */
export function irqSetElementSize(flags: number): number {
  switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
    case VFIO_IRQ_SET_DATA_BOOL:
      return 1;
    case VFIO_IRQ_SET_DATA_EVENTFD:
      return 4;
    default:
      return 0;
  }
}

/** Build the ioctl argument for VFIO_DEVICE_SET_IRQS, argsz included. */
export function encodeIrqSet(req: IrqSetRequest): Uint8Array {
  const elem = irqSetElementSize(req.flags);
  const payload = (req.flags & VFIO_IRQ_SET_DATA_NONE) !== 0 ? 0 : elem * req.count;
  const buf = new Uint8Array(vfio_irq_set.size + payload);
  vfio_irq_set.encode({ argsz: buf.length, flags: req.flags, index: req.index, start: req.start, count: req.count }, buf);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < req.count && payload > 0; i++) {
    const at = vfio_irq_set.size + i * elem;
    if (elem === 1) dv.setUint8(at, req.bools?.[i] ? 1 : 0);
    else dv.setInt32(at, req.eventfds?.[i] ?? -1, true);
  }
  return buf;
}

/** Read the payload of a SET_IRQS buffer (the kernel side, used by the simulated kernel). */
export function decodeIrqSetPayload(buf: Uint8Array, flags: number, count: number): { bools?: boolean[]; eventfds?: number[] } {
  const elem = irqSetElementSize(flags);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (elem === 1) {
    const bools: boolean[] = [];
    for (let i = 0; i < count; i++) bools.push(dv.getUint8(vfio_irq_set.size + i) !== 0);
    return { bools };
  }
  if (elem === 4) {
    const eventfds: number[] = [];
    for (let i = 0; i < count; i++) eventfds.push(dv.getInt32(vfio_irq_set.size + i * 4, true));
    return { eventfds };
  }
  return {};
}
