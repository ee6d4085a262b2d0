// Policy: an interrupt index is driven by what GET_IRQ_INFO says (unknown flag bits are kept, not trusted), a refused
// SET_IRQS leaves no eventfd behind, a wait survives EINTR from poll and a spurious wakeup (read EAGAIN), and closing
// a device frees what it set up even when the kernel refuses the disable. Driven by the scripted boundary, which
// records every call, so these paths need no simulated board.
import { describe, expect, test } from "bun:test";
import { Device } from "../../src/vfio/device.ts";
import { IrqRefusedError } from "../../src/vfio/irq.ts";
import { UnsupportedError, VfioError } from "../../src/vfio/errors.ts";
import { REQ, ScriptedBoundary, scriptDevice } from "../helpers/scripted-boundary.ts";

const EVENTFD = 1;
const MASKABLE = 2;
const AUTOMASKED = 4;
const POLLIN = 1;
const DEV = "a000000.virtio_mmio";

/** irq 0: level (EVENTFD|MASKABLE|AUTOMASKED); 1: edge with bits 5 and 30 set; 2: no EVENTFD; 3: count 0. */
function device() {
  const b = scriptDevice(new ScriptedBoundary(), {
    flags: 4,
    regions: [],
    irqs: [
      { flags: EVENTFD | MASKABLE | AUTOMASKED, count: 1 },
      { flags: EVENTFD | (1 << 5) | (1 << 30), count: 1 },
      { flags: MASKABLE, count: 1 },
      { flags: EVENTFD, count: 0 },
    ],
  });
  return { b, d: new Device(b, 9, DEV) };
}

const setIrqs = (b: ScriptedBoundary) => b.callsOf("ioctl").filter((c) => c.request === REQ.VFIO_DEVICE_SET_IRQS);

describe("what GET_IRQ_INFO says", () => {
  test("unknown flag bits are named BITn and do not make an edge line level or maskable", () => {
    const { d } = device();
    const irq = d.irq(1);
    expect(irq.flagNames).toEqual(["EVENTFD", "BIT5", "BIT30"]);
    expect([irq.level, irq.maskable]).toEqual([false, false]);
    expect([d.irq(0).level, d.irq(0).maskable]).toEqual([true, true]);
  });

  test("no EVENTFD flag: enable refuses before creating an eventfd or calling SET_IRQS", () => {
    const { b, d } = device();
    expect(() => d.irq(2).enable()).toThrow(UnsupportedError);
    expect(() => d.irq(2).enable()).toThrow(`interrupt 2 of ${DEV} cannot signal an eventfd`);
    expect([b.callsOf("eventfd"), setIrqs(b)]).toEqual([[], []]);
  });

  test("count 0: enable, mask and trigger are refusals with facts, and SET_IRQS is never sent", () => {
    const { b, d } = device();
    const irq = d.irq(3);
    for (const act of [() => irq.enable(), () => irq.mask(), () => irq.trigger()]) {
      try {
        act();
        throw new Error("no refusal");
      } catch (e) {
        expect(e).toBeInstanceOf(IrqRefusedError);
        expect((e as IrqRefusedError).refusal).toEqual({ reason: "unavailable", device: DEV, index: 3, why: "count 0" });
      }
    }
    expect(setIrqs(b)).toEqual([]);
  });
});

describe("enable and close", () => {
  test("SET_IRQS refused (EINVAL): the error names the interrupt, the new eventfd is closed, the line is not enabled", () => {
    const { b, d } = device();
    b.next("ioctl", REQ.VFIO_DEVICE_SET_IRQS, { errno: "EINVAL" });
    const irq = d.irq(0);
    let err: unknown;
    try {
      irq.enable();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VfioError);
    expect([(err as VfioError).operation, (err as VfioError).code]).toEqual(["enable interrupt 0", "EINVAL"]);
    const [efd] = b.callsOf("eventfd");
    expect(b.callsOf("close")).toEqual([{ op: "close", fd: efd!.fd }]);
    expect(irq.enabled).toBe(false);
  });

  test("close: the kernel refuses the disable, yet the eventfd and then the device fd are closed", () => {
    const { b, d } = device();
    b.next("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0).next("ioctl", REQ.VFIO_DEVICE_SET_IRQS, { errno: "ENODEV" });
    const efd = d.irq(0).enable();
    d.close();
    expect(b.callsOf("close").map((c) => c.fd)).toEqual([efd, 9]);
    expect(setIrqs(b)).toHaveLength(2);
    d.close(); // idempotent
    expect(b.callsOf("close")).toHaveLength(2);
  });
});

describe("waiting", () => {
  test("poll EINTR is retried, then the wakeup's count comes from the eventfd read", async () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    b.next("poll", { errno: "EINTR" }).next("poll", POLLIN);
    b.next("read", (buf) => {
      new DataView(buf.buffer, buf.byteOffset).setBigUint64(0, 3n, true);
      return 8;
    });
    const irq = d.irq(1);
    const efd = irq.enable();
    const ev = await irq.wait(5000);
    expect(ev?.count).toBe(3n);
    expect(b.callsOf("poll").map((c) => c.fds)).toEqual([[{ fd: efd, events: POLLIN }], [{ fd: efd, events: POLLIN }]]);
    expect(b.callsOf("read")).toEqual([{ op: "read", fd: efd, length: 8 }]);
  });

  test("a wakeup whose read says EAGAIN (someone else took the count) is not an event: the wait goes on", async () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    b.next("poll", POLLIN).next("poll", POLLIN);
    b.next("read", { errno: "EAGAIN" }).next("read", (buf) => {
      buf.fill(0);
      buf[0] = 1;
      return 8;
    });
    const irq = d.irq(1);
    irq.enable();
    expect((await irq.wait(5000))?.count).toBe(1n);
    expect(b.callsOf("read")).toHaveLength(2);
  });

  test("a level wakeup with autoUnmask sends SET_IRQS ACTION_UNMASK (DATA_NONE | 1 << 4) after reading", async () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    b.next("poll", POLLIN).next("read", (buf) => {
      buf.fill(0);
      buf[0] = 2;
      return 8;
    });
    const irq = d.irq(0);
    irq.enable();
    expect((await irq.wait(5000, { autoUnmask: true }))?.count).toBe(2n);
    const unmask = setIrqs(b).at(-1)!.arg as Uint8Array;
    expect(new DataView(unmask.buffer).getUint32(4, true)).toBe(1 | (1 << 4));
  });

  test("poll failing with anything but EINTR ends the wait with that SyscallError", async () => {
    const { b, d } = device();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    b.next("poll", { errno: "EBADF" });
    const irq = d.irq(1);
    irq.enable();
    await expect(irq.wait(5000)).rejects.toMatchObject({ code: "EBADF", syscall: "poll" });
  });
});
