// Policy: the mask and unmask eventfds of an interrupt reach the kernel as VFIO_DEVICE_SET_IRQS with the bytes vfio.h
// lays out (argsz 24, flags DATA_EVENTFD|ACTION_MASK or ACTION_UNMASK, index, start 0, count 1, then the s32 fd; -1 to
// remove); a refused install closes the eventfd it created and keeps the kernel's errno; a handle signals with one
// 8-byte write of 1 and closes by removing (fd -1) and then closing. Driven by the scripted boundary (recorded calls).
import { describe, expect, test } from "bun:test";
import { Device } from "../../src/vfio/device.ts";
import { VfioError } from "../../src/vfio/errors.ts";
import { REQ, ScriptedBoundary, scriptDevice } from "../helpers/scripted-boundary.ts";

const DEV = "9010000.pl031";
const DEVICE_FD = 9;
// vfio.h: VFIO_IRQ_SET_DATA_EVENTFD (1 << 2), VFIO_IRQ_SET_ACTION_MASK (1 << 3), VFIO_IRQ_SET_ACTION_UNMASK (1 << 4).
const DATA_EVENTFD = 4;
const ACTION_MASK = 8;
const ACTION_UNMASK = 16;

/** irq 0: level (EVENTFD|MASKABLE|AUTOMASKED); irq 1: edge (EVENTFD). */
function device() {
  const b = scriptDevice(new ScriptedBoundary(), { flags: 8, regions: [], irqs: [{ flags: 1 | 2 | 4, count: 1 }, { flags: 1, count: 1 }] });
  return { b, d: new Device(b, DEVICE_FD, DEV) };
}

/** The SET_IRQS calls as the five u32 header fields and the s32 after them, read at the C offsets. */
function setIrqs(b: ScriptedBoundary) {
  return b.callsOf("ioctl").flatMap((c) => {
    if (c.request !== REQ.VFIO_DEVICE_SET_IRQS || typeof c.arg === "number") return [];
    const v = new DataView(c.arg.buffer, c.arg.byteOffset, c.arg.byteLength);
    return [{ fd: c.fd, bytes: c.arg.length, argsz: v.getUint32(0, true), flags: v.getUint32(4, true), index: v.getUint32(8, true), start: v.getUint32(12, true), count: v.getUint32(16, true), data: v.getInt32(20, true) }];
  });
}

describe("SET_IRQS bytes for mask and unmask eventfds", () => {
  test("setUnmaskEventfd(fd) and (undefined): DATA_EVENTFD|ACTION_UNMASK with the fd, then with -1", () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    d.irq(0).setUnmaskEventfd(33);
    d.irq(0).setUnmaskEventfd(undefined);
    const head = { fd: DEVICE_FD, bytes: 24, argsz: 24, flags: DATA_EVENTFD | ACTION_UNMASK, index: 0, start: 0, count: 1 };
    expect(setIrqs(b)).toEqual([
      { ...head, data: 33 },
      { ...head, data: -1 },
    ]);
  });

  test("setMaskEventfd(fd): DATA_EVENTFD|ACTION_MASK on the index asked for", () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    d.irq(1).setMaskEventfd(40);
    expect(setIrqs(b)).toEqual([{ fd: DEVICE_FD, bytes: 24, argsz: 24, flags: DATA_EVENTFD | ACTION_MASK, index: 1, start: 0, count: 1, data: 40 }]);
  });

  test("the kernel's errno is kept (EBUSY for a second one), with the operation named", () => {
    const { b, d } = device();
    b.next("ioctl", REQ.VFIO_DEVICE_SET_IRQS, { errno: "EBUSY" });
    let err: unknown;
    try {
      d.irq(0).setUnmaskEventfd(12);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VfioError);
    expect([(err as VfioError).operation, (err as VfioError).code]).toEqual(["set the unmask eventfd of interrupt 0", "EBUSY"]);
  });
});

describe("eventfds the library creates", () => {
  test("unmaskEventfd(): a non-blocking close-on-exec eventfd installed; signal writes 1 as 8 bytes; close removes, then closes", () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    const h = d.irq(0).unmaskEventfd();
    const [efd] = b.callsOf("eventfd");
    expect(efd!.flags).toBe(0o4000 | 0o2000000); // EFD_NONBLOCK | EFD_CLOEXEC
    expect(h.fd).toBe(efd!.fd);
    h.signal();
    h.signal();
    expect(b.callsOf("write")).toEqual([
      { op: "write", fd: h.fd, length: 8, data: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]) },
      { op: "write", fd: h.fd, length: 8, data: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]) },
    ]);
    h.close();
    h.close(); // idempotent
    expect(setIrqs(b).map((s) => [s.flags, s.data])).toEqual([
      [DATA_EVENTFD | ACTION_UNMASK, h.fd],
      [DATA_EVENTFD | ACTION_UNMASK, -1],
    ]);
    // The removal comes before the close: the kernel never holds a virqfd on a number the process may reuse.
    const order = b.calls.filter((c) => c.op === "close" || (c.op === "ioctl" && c.request === REQ.VFIO_DEVICE_SET_IRQS)).map((c) => c.op);
    expect(order).toEqual(["ioctl", "ioctl", "close"]);
    expect(b.callsOf("close")).toEqual([{ op: "close", fd: h.fd }]);
    expect(() => h.signal()).toThrow("the unmask eventfd of interrupt 0 is closed");
  });

  test("a refused install (EINVAL on an edge line) closes the eventfd it created and throws the kernel's errno", () => {
    const { b, d } = device();
    b.next("ioctl", REQ.VFIO_DEVICE_SET_IRQS, { errno: "EINVAL" });
    expect(() => d.irq(1).maskEventfd()).toThrow(VfioError);
    const [efd] = b.callsOf("eventfd");
    expect(b.callsOf("close")).toEqual([{ op: "close", fd: efd!.fd }]);
    expect(setIrqs(b).map((s) => [s.flags, s.index, s.data])).toEqual([[DATA_EVENTFD | ACTION_MASK, 1, efd!.fd]]);
  });

  test("closing the device closes the eventfds still open (removal first, errors from a closed device ignored)", () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    const m = d.irq(0).maskEventfd();
    const u = d.irq(0).unmaskEventfd();
    u.close();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, { errno: "ENODEV" });
    d.close();
    expect(m.closed).toBe(true);
    expect(b.callsOf("close").map((c) => c.fd)).toEqual([u.fd, m.fd, DEVICE_FD]);
  });
});
