// edu's interrupts and DMA through vfio-pci and the SMMUv3, at the raw kernel boundary: INTx fired by the raise
// register with vfio-pci's automask (and its loopback, which does not mask), the virtual INTx-disable bit, MSI,
// SET_IRQS errnos; DMA RAM -> device -> RAM landing in this process's memory 100 ms after the command, the 28-bit
// address mask, bus mastering as the gate, an unmapped IOVA leaving an SMMUv3 F_TRANSLATION record for stream 0x10,
// QEMU 7.2's buffer bounds, the factorial unit.
import { afterEach, describe, expect, test } from "bun:test";
import type { Fd } from "../../src/boundary/kernel-boundary.ts";
import {
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
} from "../../src/vfio/abi/constants.ts";
import { EDU_DMA_DELAY_MS, EDU_REG } from "../../src/sim/devices/edu.ts";
import { drain, expectErrno, newEventFd, setIrqs } from "../helpers/sim-kernel.ts";
import { CONFIG, bindEdu, makePciRig, openEdu, rd, wr, type EduSession, type PciRig } from "../helpers/sim-pci.ts";
import { R, RW, W, kmsgLines, mapped } from "../helpers/sim-smmu.ts";

let rig: PciRig | undefined;
let s: EduSession | undefined;
const efds: Fd[] = [];
afterEach(() => {
  s?.close();
  s = undefined;
  for (const fd of efds.splice(0)) rig?.sim.close(fd);
  rig?.dispose();
  rig = undefined;
});

function open(): { rig: PciRig; s: EduSession } {
  rig = makePciRig();
  bindEdu(rig.sim);
  s = openEdu(rig.sim);
  return { rig, s };
}

const EVENTFD_TRIGGER = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
const NONE = (action: number) => VFIO_IRQ_SET_DATA_NONE | action;

function arm(r: PciRig, dev: Fd, index = 0): Fd {
  const efd = newEventFd(r.sim);
  efds.push(efd);
  setIrqs(r.sim, dev, { flags: EVENTFD_TRIGGER, index, start: 0, count: 1, eventfds: [efd] });
  return efd;
}

const reg = (r: PciRig, dev: Fd, off: number) => rd(r.sim, dev, off, 4);
const put = (r: PciRig, dev: Fd, off: number, v: number | bigint) => wr(r.sim, dev, off, 4, v);

describe("INTx", () => {
  test("the raise register fires INTx on the eventfd; the line stays automasked until UNMASK, which re-fires while asserted", () => {
    const { rig, s } = open();
    const efd = arm(rig, s.device);
    expect(drain(rig.sim, efd)).toBe(0);
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x1);
    expect(drain(rig.sim, efd)).toBe(1);
    expect(reg(rig, s.device, EDU_REG.IRQ_STATUS)).toBe(1n);
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x2); // still asserted, still masked: nothing new
    expect(drain(rig.sim, efd)).toBe(0);
    setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_UNMASK), index: 0, start: 0, count: 1 });
    expect(drain(rig.sim, efd)).toBe(1); // unmasked while asserted: signalled again, masked again
    put(rig, s.device, EDU_REG.IRQ_ACK, 0x3);
    expect(reg(rig, s.device, EDU_REG.IRQ_STATUS)).toBe(0n);
    setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_UNMASK), index: 0, start: 0, count: 1 });
    expect(drain(rig.sim, efd)).toBe(0);
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x4);
    expect(drain(rig.sim, efd)).toBe(1);
    expect(rd(rig.sim, s.device, CONFIG + 6, 2) & 0x8n).toBe(0x8n); // STATUS.Interrupt follows the line
  });

  test("vfio-pci's loopback only signals: it does not mask, so a real assertion still fires afterwards", () => {
    const { rig, s } = open();
    const efd = arm(rig, s.device);
    setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 1 });
    expect(drain(rig.sim, efd)).toBe(1);
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x1);
    expect(drain(rig.sim, efd)).toBe(1);
  });

  test("a line already asserted when INTx is enabled fires at once", () => {
    const { rig, s } = open();
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x8);
    const efd = arm(rig, s.device);
    expect(drain(rig.sim, efd)).toBe(1);
  });

  test("the virtual INTx-disable bit in COMMAND masks the line; clearing it re-signals a pending interrupt", () => {
    const { rig, s } = open();
    const efd = arm(rig, s.device);
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0402);
    put(rig, s.device, EDU_REG.IRQ_RAISE, 0x1);
    expect(drain(rig.sim, efd)).toBe(0);
    setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 1 });
    expect(drain(rig.sim, efd)).toBe(0); // loopback dropped too while disabled
    expect(rd(rig.sim, s.device, CONFIG + 4, 2) & 0x400n).toBe(0x400n);
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0002);
    expect(drain(rig.sim, efd)).toBe(1);
  });

  test("errnos: MASK/UNMASK/loopback before INTx is enabled EINVAL; MASK with an eventfd ENOTTY; bad eventfd EBADF", () => {
    const { rig, s } = open();
    const d = s.device;
    expectErrno(() => setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_MASK), index: 0, start: 0, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_UNMASK), index: 0, start: 0, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 0 }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 0, start: 0, count: 1, eventfds: [9999] }), "EBADF");
    const efd = arm(rig, d);
    expectErrno(() => setIrqs(rig.sim, d, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK, index: 0, start: 0, count: 1, eventfds: [efd] }), "ENOTTY");
    // Disable (count 0) works once enabled, and the line is quiet afterwards.
    setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 0 });
    put(rig, d, EDU_REG.IRQ_RAISE, 0x1);
    expect(drain(rig.sim, efd)).toBe(0);
  });

  test("index errnos: MSI-X and ERR have no interrupts (EINVAL), index 5 does not exist, MSI masking is ENOTTY", () => {
    const { rig, s } = open();
    const d = s.device;
    const efd = newEventFd(rig.sim);
    efds.push(efd);
    expectErrno(() => setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 2, start: 0, count: 1, eventfds: [efd] }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 3, start: 0, count: 1, eventfds: [efd] }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 5, start: 0, count: 1, eventfds: [efd] }), "EINVAL");
    expectErrno(() => setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_MASK), index: 1, start: 0, count: 1 }), "ENOTTY");
  });
});

describe("MSI and REQ", () => {
  test("MSI excludes INTx; with MSI on, each raise sends a message — once bus mastering is on (MSI is a memory write)", () => {
    const { rig, s } = open();
    const d = s.device;
    const intx = arm(rig, d, 0);
    const msi = newEventFd(rig.sim);
    efds.push(msi);
    expectErrno(() => setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 1, start: 0, count: 1, eventfds: [msi] }), "EINVAL");
    setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 0, start: 0, count: 0 });
    setIrqs(rig.sim, d, { flags: EVENTFD_TRIGGER, index: 1, start: 0, count: 1, eventfds: [msi] });
    put(rig, d, EDU_REG.IRQ_RAISE, 0x1);
    expect(drain(rig.sim, msi)).toBe(0); // bus mastering off: the message never leaves
    wr(rig.sim, d, CONFIG + 4, 2, 0x0006);
    put(rig, d, EDU_REG.IRQ_RAISE, 0x1);
    put(rig, d, EDU_REG.IRQ_RAISE, 0x1); // still pending: edu sends another message anyway
    expect(drain(rig.sim, msi)).toBe(2);
    expect(drain(rig.sim, intx)).toBe(0);
    setIrqs(rig.sim, d, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 1, start: 0, count: 0 });
    put(rig, d, EDU_REG.IRQ_ACK, 0x1);
    arm(rig, d, 0); // INTx can be enabled again once MSI is off
  });

  test("REQ takes an eventfd and loops back; DATA_NONE before one is installed is EINVAL", () => {
    const { rig, s } = open();
    expectErrno(() => setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 4, start: 0, count: 1 }), "EINVAL");
    const req = arm(rig, s.device, 4);
    setIrqs(rig.sim, s.device, { flags: NONE(VFIO_IRQ_SET_ACTION_TRIGGER), index: 4, start: 0, count: 1 });
    expect(drain(rig.sim, req)).toBe(1);
  });
});

/** Program one edu transfer of `count` bytes: 0x1 RAM -> buffer, 0x3 buffer -> RAM (| 0x4 for the interrupt). */
function dma(r: PciRig, dev: Fd, src: bigint | number, dst: bigint | number, count: number, cmd: number): void {
  put(r, dev, EDU_REG.DMA_SRC, src);
  put(r, dev, EDU_REG.DMA_DST, dst);
  put(r, dev, EDU_REG.DMA_COUNT, count);
  put(r, dev, EDU_REG.DMA_CMD, cmd);
}

/** Move the board's clock past the DMA timer and let the device run (any access advances it). */
function finish(r: PciRig, dev: Fd): void {
  r.clock.advance(EDU_DMA_DELAY_MS);
  expect(reg(r, dev, EDU_REG.DMA_CMD) & 1n).toBe(0n);
}

function busMaster(r: PciRig, dev: Fd): void {
  wr(r.sim, dev, CONFIG + 4, 2, 0x0006);
}

describe("DMA through the SMMU", () => {
  test("RAM -> device -> RAM: 2048 bytes arrive in this process's memory, 100 ms after each command, not before", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    const src = mapped(rig.sim, s.container, 0x10_0000n, 4096, R);
    const dst = mapped(rig.sim, s.container, 0x20_0000n, 4096, W);
    for (let i = 0; i < 4096; i++) src.bytes[i] = (i * 7 + 3) & 0xff;
    dma(rig, s.device, 0x10_0000, 0x40000, 2048, 0x1);
    rig.clock.advance(EDU_DMA_DELAY_MS - 1);
    expect(reg(rig, s.device, EDU_REG.DMA_CMD)).toBe(1n); // still running
    finish(rig, s.device);
    dma(rig, s.device, 0x40000, 0x20_0000, 2048, 0x3);
    expect(dst.bytes[0]).toBe(0); // nothing moves inside the register write
    finish(rig, s.device);
    expect(Array.from(dst.bytes.subarray(0, 2048))).toEqual(Array.from(src.bytes.subarray(0, 2048)));
    expect(dst.bytes.subarray(2048).every((b) => b === 0)).toBe(true);
    expect(rig.sim.smmu!.faults).toHaveLength(0);
  });

  test("completion raises 0x100 on INTx when command bit 2 asks for it, and the poll wakes for it", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    mapped(rig.sim, s.container, 0x10_0000n, 4096, RW);
    const efd = arm(rig, s.device);
    dma(rig, s.device, 0x10_0000, 0x40000, 64, 0x5);
    expect(drain(rig.sim, efd)).toBe(0);
    rig.clock.advance(EDU_DMA_DELAY_MS);
    expect(rig.sim.poll([{ fd: efd, events: 1 }], 0)).toEqual([1]);
    expect(drain(rig.sim, efd)).toBe(1);
    expect(reg(rig, s.device, EDU_REG.IRQ_STATUS)).toBe(0x100n);
  });

  test("DMA registers ignore writes while a transfer runs", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    mapped(rig.sim, s.container, 0x10_0000n, 4096, RW);
    dma(rig, s.device, 0x10_0000, 0x40000, 64, 0x1);
    put(rig, s.device, EDU_REG.DMA_SRC, 0x30_0000);
    expect(reg(rig, s.device, EDU_REG.DMA_SRC)).toBe(0x10_0000n);
    finish(rig, s.device);
  });

  test("addresses are masked to 28 bits: a source of 0x10100000 reads IOVA 0x100000", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    const src = mapped(rig.sim, s.container, 0x10_0000n, 4096, R);
    const dst = mapped(rig.sim, s.container, 0x20_0000n, 4096, W);
    src.bytes.fill(0x5a, 0, 256);
    dma(rig, s.device, 0x1010_0000, 0x40000, 256, 0x1);
    finish(rig, s.device);
    dma(rig, s.device, 0x40000, 0x1020_0000, 256, 0x3);
    finish(rig, s.device);
    expect(dst.bytes.subarray(0, 256).every((b) => b === 0x5a)).toBe(true);
    expect(rig.sim.smmu!.faults).toHaveLength(0);
  });

  test("without bus mastering nothing reaches memory or the SMMU: the buffer fills with zeros, RAM stays as it was", () => {
    const { rig, s } = open();
    const src = mapped(rig.sim, s.container, 0x10_0000n, 4096, RW);
    src.bytes.fill(0x77, 0, 128);
    dma(rig, s.device, 0x10_0000, 0x40000, 128, 0x1); // bus mastering is off after open
    finish(rig, s.device);
    busMaster(rig, s.device);
    dma(rig, s.device, 0x40000, 0x10_0000, 128, 0x3);
    finish(rig, s.device);
    expect(src.bytes.subarray(0, 128).every((b) => b === 0)).toBe(true); // the zeros the device read came back
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0002);
    src.bytes.fill(0x11, 0, 128);
    dma(rig, s.device, 0x40000, 0x10_0000, 128, 0x3);
    finish(rig, s.device);
    expect(src.bytes.subarray(0, 128).every((b) => b === 0x11)).toBe(true);
    expect(rig.sim.smmu!.faults).toHaveLength(0);
  });

  test("an unmapped IOVA: SMMUv3 event 0x10 (F_TRANSLATION) for stream 0x10 (00:02.0's requester ID), logged by arm-smmu-v3", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    const dst = mapped(rig.sim, s.container, 0x20_0000n, 4096, W);
    dst.bytes.fill(0xee);
    dma(rig, s.device, 0x30_0000, 0x40000, 256, 0x1);
    finish(rig, s.device);
    const f = rig.sim.smmu!.faults;
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: "translation", address: 0x30_0000n, streamId: 0x10, write: false });
    expect(f[0]!.v3!.id).toBe(0x10);
    const log = kmsgLines(rig.other());
    const at = log.indexOf("arm-smmu-v3 9050000.smmuv3: event 0x10 received:");
    expect(at).toBeGreaterThanOrEqual(0);
    expect(log[at + 1]).toBe("arm-smmu-v3 9050000.smmuv3: \\x090x0000001000000010");
    // What the device read there was zeros: copied out, they overwrite the 0xee.
    dma(rig, s.device, 0x40000, 0x20_0000, 256, 0x3);
    finish(rig, s.device);
    expect(dst.bytes.subarray(0, 256).every((b) => b === 0)).toBe(true);
    expect(dst.bytes[256]).toBe(0xee);
  });

  test("a transfer crossing from a mapped page into an unmapped one moves the mapped page and faults once on the other", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    const src = mapped(rig.sim, s.container, 0x10_0000n, 4096, R);
    src.bytes.fill(0x42);
    dma(rig, s.device, 0x10_0c00, 0x40000, 2048, 0x1); // 1 KiB mapped, 1 KiB in the unmapped next page
    finish(rig, s.device);
    expect(rig.sim.smmu!.faults.map((f) => f.address)).toEqual([0x10_1000n]);
  });

  test("QEMU 7.2's bounds: 4096 bytes at the buffer start move nothing and raise nothing (its off-by-one)", () => {
    const { rig, s } = open();
    busMaster(rig, s.device);
    const src = mapped(rig.sim, s.container, 0x10_0000n, 4096, RW);
    src.bytes.fill(0x33);
    const efd = arm(rig, s.device);
    dma(rig, s.device, 0x10_0000, 0x40000, 4096, 0x5);
    finish(rig, s.device);
    expect(drain(rig.sim, efd)).toBe(0);
    expect(reg(rig, s.device, EDU_REG.IRQ_STATUS)).toBe(0n);
    src.bytes.fill(0x44);
    dma(rig, s.device, 0x40000, 0x10_0000, 4095, 0x3); // 4095 bytes are fine: they read back the zeros the buffer has
    finish(rig, s.device);
    expect(src.bytes[0]).toBe(0);
    expect(src.bytes[4095]).toBe(0x44);
  });
});

describe("factorial", () => {
  test("writing N computes N! (mod 2^32); with STATUS bit 7 set it raises 0x1", () => {
    const { rig, s } = open();
    put(rig, s.device, EDU_REG.FACTORIAL, 5);
    expect(reg(rig, s.device, EDU_REG.FACTORIAL)).toBe(120n);
    put(rig, s.device, EDU_REG.FACTORIAL, 13);
    expect(reg(rig, s.device, EDU_REG.FACTORIAL)).toBe(BigInt(6227020800 % 2 ** 32));
    const efd = arm(rig, s.device);
    put(rig, s.device, EDU_REG.STATUS, 0x80);
    expect(reg(rig, s.device, EDU_REG.STATUS)).toBe(0x80n);
    put(rig, s.device, EDU_REG.FACTORIAL, 3);
    expect(reg(rig, s.device, EDU_REG.FACTORIAL)).toBe(6n);
    expect(drain(rig.sim, efd)).toBe(1);
    expect(reg(rig, s.device, EDU_REG.IRQ_STATUS)).toBe(1n);
  });
});
