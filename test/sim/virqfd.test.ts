// Policy: SET_IRQS DATA_EVENTFD with ACTION_MASK / ACTION_UNMASK installs a virqfd, as vfio-platform does in Linux
// 6.12 (vfio_virqfd_enable): each signal of that eventfd runs the mask or unmask handler without a system call of
// the program's own, also while the program sleeps in poll; a second one is EBUSY, a non-eventfd EINVAL, a closed
// fd EBADF, fd -1 removes it; a signal runs the handler inside write(2); one eventfd serving both runs both, newest
// first. The interrupt is the PL031's level alarm line on the simulated board.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EFD_CLOEXEC, EFD_NONBLOCK, type Fd } from "../../src/boundary/kernel-boundary.ts";
import { isSyscallError } from "../../src/boundary/syscall-error.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_DATA_EVENTFD } from "../../src/vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { encodeIrqSet } from "../../src/vfio/abi/irq-set.ts";
import { openDevice, type VfioSession } from "../../src/vfio/session.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const RTC = "9010000.pl031";
const ONE = new Uint8Array(new BigUint64Array([1n]).buffer);

describe("mask/unmask virqfds on a vfio-platform level interrupt", () => {
  let board: TestBoard;
  let session: VfioSession;

  beforeAll(() => {
    board = makeSimBoard();
    bindDevice(board.b, listDevices(board.b).find((d) => d.name === RTC)!, { stateDir: `${board.stateDir}/host` });
    const dev = listDevices(board.b).find((d) => d.name === RTC)!;
    session = openDevice(board.b, { sysfsPath: dev.sysfsPath, name: dev.name });
  });
  afterAll(() => {
    session?.close();
    board?.dispose();
  });

  /** SET_IRQS on interrupt 0 with one eventfd; returns the errno code, or undefined on success. */
  function setVirqfd(action: number, fd: number): string | undefined {
    const arg = encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_EVENTFD | action, index: 0, start: 0, count: 1, eventfds: [fd] });
    try {
      board.b.ioctl(session.device.fd, DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS, arg);
      return undefined;
    } catch (e) {
      if (isSyscallError(e)) return e.code;
      throw e;
    }
  }
  const newEventFd = (): Fd => board.b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  test("a signal on the unmask virqfd unmasks the line; after fd -1 a signal does nothing", () => {
    const alarm = session.device.irq(0);
    alarm.enable();
    alarm.take();
    const efd = newEventFd();
    try {
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, efd)).toBeUndefined();
      alarm.trigger(); // loopback: fires and automasks
      expect(alarm.take()).toBe(1n);
      alarm.trigger(); // masked: swallowed
      expect(alarm.take()).toBe(0n);
      board.b.write(efd, ONE); // the resample: no SET_IRQS from the program
      alarm.trigger();
      expect(alarm.take()).toBe(1n);
      // The virqfd consumed its counter, as vfio_virqfd's wakeup does.
      expect(() => board.b.read(efd, new Uint8Array(8))).toThrow(/EAGAIN/);
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, -1)).toBeUndefined();
      board.b.write(efd, ONE);
      alarm.trigger();
      expect(alarm.take()).toBe(0n); // still masked: the virqfd is gone
      alarm.unmask();
    } finally {
      board.b.close(efd);
      alarm.disable();
    }
  });

  test("a signal on the mask virqfd masks the line", () => {
    const alarm = session.device.irq(0);
    alarm.enable();
    const efd = newEventFd();
    try {
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, efd)).toBeUndefined();
      board.b.write(efd, ONE);
      alarm.trigger();
      expect(alarm.take()).toBe(0n);
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, -1)).toBeUndefined();
      alarm.unmask();
      alarm.trigger();
      expect(alarm.take()).toBe(1n);
      alarm.unmask();
    } finally {
      board.b.close(efd);
      alarm.disable();
    }
  });

  test("errnos: a second virqfd EBUSY, a device fd EINVAL, a closed fd EBADF; closing the eventfd removes it", () => {
    const a = newEventFd();
    const b = newEventFd();
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, a)).toBeUndefined();
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, b)).toBe("EBUSY");
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, session.device.fd)).toBe("EINVAL");
    board.b.close(a);
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, a)).toBe("EBADF");
    // The closed eventfd took its virqfd with it: a new one can be installed.
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, b)).toBeUndefined();
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, -1)).toBeUndefined();
    board.b.close(b);
  });

  test("another process signalling the unmask virqfd while this one waits for the interrupt: the still-asserted line fires again", async () => {
    const alarm = session.device.irq(0);
    const regs = session.device.region(0);
    alarm.enable();
    alarm.take();
    const efd = newEventFd();
    try {
      regs.write32(0x10, 1); // RTCIMSC: alarm interrupt enabled in the device
      regs.write32(0x04, regs.read32(0x00) + 1); // RTCMR: fire at the next second
      expect((await alarm.wait(3000))?.count).toBe(1n); // automasked; the cause stays (no RTCICR write)
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, efd)).toBeUndefined();
      // A child writes the counter (8 bytes, 1) to the eventfd it inherits as fd 3, while this process is in poll.
      const child = Bun.spawn(["sh", "-c", "sleep 0.3; printf '\\001\\000\\000\\000\\000\\000\\000\\000' >&3"], {
        stdio: ["ignore", "ignore", "inherit", efd],
      });
      const again = await alarm.wait(5000);
      expect(await child.exited).toBe(0);
      expect(again?.count).toBe(1n);
      regs.write32(0x1c, 1); // RTCICR
      regs.write32(0x10, 0);
    } finally {
      setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, -1);
      board.b.close(efd);
      alarm.disable();
    }
  });
  test("the library's unmask eventfd: signal() unmasks before write(2) returns, so a still-asserted alarm is counted at once", async () => {
    const alarm = session.device.irq(0);
    const regs = session.device.region(0);
    alarm.enable();
    alarm.unmask(); // the test before left the line automasked (removing a trigger keeps the masked state)
    alarm.take();
    using unmask = alarm.unmaskEventfd();
    try {
      regs.write32(0x10, 1); // RTCIMSC
      regs.write32(0x04, regs.read32(0x00) + 1); // RTCMR: the next second
      expect((await alarm.wait(3000))?.count).toBe(1n); // automasked, the cause left asserted
      unmask.signal();
      // No other call into the kernel between the write and the read: the unmask ran inside write(2).
      expect(alarm.take()).toBe(1n);
      regs.write32(0x1c, 1); // RTCICR: the cause cleared
      unmask.signal();
      expect(alarm.take()).toBe(0n);
    } finally {
      regs.write32(0x10, 0);
      alarm.disable();
    }
    unmask.close();
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, newEventFd())).toBeUndefined(); // the slot is free again
    expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, -1)).toBeUndefined();
  });

  test("the library's mask eventfd: signal() masks (the loopback is swallowed) until an unmask", () => {
    const alarm = session.device.irq(0);
    alarm.enable();
    alarm.take();
    const mask = alarm.maskEventfd();
    try {
      mask.signal();
      alarm.trigger();
      expect(alarm.take()).toBe(0n);
      alarm.unmask();
      alarm.trigger();
      expect(alarm.take()).toBe(1n);
      alarm.unmask();
    } finally {
      mask.close();
      alarm.disable();
    }
  });

  test("a trigger eventfd that is refused (not an eventfd) still removes the installed trigger, as vfio_set_trigger does", () => {
    const alarm = session.device.irq(0);
    alarm.enable();
    alarm.take();
    try {
      const arg = encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: 1, eventfds: [session.device.fd] });
      expect(() => board.b.ioctl(session.device.fd, DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS, arg)).toThrow(/EINVAL/);
      alarm.trigger(); // loopback: the handler runs, but no trigger is left to signal
      expect(alarm.take()).toBe(0n);
      alarm.unmask();
    } finally {
      alarm.disable();
    }
  });
  test("one eventfd as both the mask and the unmask virqfd: a signal runs both, the newest first (the wait queue's order)", () => {
    const alarm = session.device.irq(0);
    alarm.enable();
    alarm.unmask();
    alarm.take();
    const efd = newEventFd();
    try {
      // mask installed first, unmask second: unmask runs, then mask; the line ends masked.
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, efd)).toBeUndefined();
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, efd)).toBeUndefined();
      board.b.write(efd, ONE);
      alarm.trigger();
      expect(alarm.take()).toBe(0n);
      // Reinstalled the other way round: mask runs, then unmask; the line ends unmasked.
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, -1)).toBeUndefined();
      expect(setVirqfd(VFIO_IRQ_SET_ACTION_MASK, efd)).toBeUndefined();
      board.b.write(efd, ONE);
      alarm.trigger();
      expect(alarm.take()).toBe(1n);
      alarm.unmask();
    } finally {
      setVirqfd(VFIO_IRQ_SET_ACTION_MASK, -1);
      setVirqfd(VFIO_IRQ_SET_ACTION_UNMASK, -1);
      board.b.close(efd);
      alarm.disable();
    }
  });
});
