// The virtio-blk disk of the built-in virt-noiommu board, driven as the lab drives QEMU's: a003e00.virtio_mmio bound
// to vfio-platform in noiommu mode, rings and data in pinned memory at the physical addresses /proc/self/pagemap
// gives, the completion on an eventfd, and the written pattern in the board's disk image. No IOMMU: the device reaches
// RAM by physical address through the simulator's physical memory (docs/physical-memory.md).
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { VIRT_NOIOMMU, VIRTIO_BLK_TRANSPORT } from "../../src/sim/boards/virt.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD } from "../../src/vfio/abi/constants.ts";
import { pinnedBuffer } from "../helpers/pinned-buffer.ts";
import { bindVfio, deviceInfo, drain, driverOf, newEventFd, openRaw, read32, regionInfo, setIrqs, write32 } from "../helpers/sim-kernel.ts";
import { BlkRig, LAYOUT, pattern, R, T } from "../helpers/virtio-blk-rig.ts";

const DISK = VIRTIO_BLK_TRANSPORT.name;
const HUGE = 2 * 1024 * 1024;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function boot() {
  const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-vblk-noiommu-"));
  const b = new SimBoundary({ stateDir, os: createRealBoundary(), board: VIRT_NOIOMMU, capSysAdmin: true });
  cleanup.push(() => {
    b.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });
  expect(driverOf(b, "platform", DISK)).toBe("virtio-mmio");
  bindVfio(b, "platform", DISK);
  const raw = openRaw(b, "platform", DISK);
  cleanup.push(() => raw.close());
  const base = Number(regionInfo(b, raw.device, 0).offset);
  const regs = { read: (o: number) => read32(b, raw.device, base + o), write: (o: number, v: number) => write32(b, raw.device, base + o, v) };
  const efd = newEventFd(b);
  cleanup.push(() => b.close(efd));
  setIrqs(b, raw.device, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: 1, eventfds: [efd] });
  return { b, raw, regs, efd, stateDir };
}

describe("virt-noiommu: the virtio-blk disk on a003e00.virtio_mmio by physical address", () => {
  test("boots bound to virtio-mmio; in noiommu mode the transport shows DeviceID 2, legacy", () => {
    const { b, raw, regs } = boot();
    expect(deviceInfo(b, raw.device).num_irqs).toBe(1);
    expect([regs.read(R.MAGIC), regs.read(R.VERSION), regs.read(R.DEVICE_ID)]).toEqual([0x74726976, 1, 2]);
  });

  test("rings and data in a huge page at its physical address: write, interrupt, read back, the disk image holds it", () => {
    const { b, regs, efd, stateDir } = boot();
    const buf = pinnedBuffer(b, HUGE, HUGE);
    cleanup.push(() => buf.mem.free());
    expect(buf.contiguous).toBe(true);
    const rig = new BlkRig(regs, { view: buf.mem.bytes, base: buf.pa }, 1);
    rig.init();
    const data = pattern(8192, 21);
    expect(rig.request(T.OUT, 2048n, { data })).toEqual({ status: 0, used: { id: 0, len: 1 } });
    expect(drain(b, efd)).toBe(1);
    rig.regs.write(R.ACK, 1);
    rig.mem.view.fill(0, LAYOUT.DATA, LAYOUT.DATA + 8192);
    expect(rig.request(T.IN, 2048n, { inLen: 8192, head: 3 }).status).toBe(0);
    expect(drain(b, efd)).toBe(1);
    expect(rig.data(8192)).toEqual(data);
    const image = readFileSync(join(stateDir, "disks", `${DISK}.img`));
    expect(image.length).toBe(8 * 1024 * 1024);
    expect(Uint8Array.from(image.subarray(2048 * 512, 2048 * 512 + 8192))).toEqual(data);
  });

  test("data scattered over small pages that are not physically adjacent: one descriptor per page", () => {
    const { b, regs } = boot();
    const ring = pinnedBuffer(b, HUGE, HUGE);
    const small = pinnedBuffer(b, 3 * 4096);
    cleanup.push(() => ring.mem.free(), () => small.mem.free());
    expect(small.contiguous).toBe(false);
    const rig = new BlkRig(regs, { view: ring.mem.bytes, base: ring.pa }, 1);
    rig.init();
    const data = pattern(3 * 4096, 5);
    small.mem.bytes.set(data);
    const segs = small.pages.map((addr) => ({ addr, len: 4096, write: false }));
    expect(rig.request(T.OUT, 40n, { segments: segs }).status).toBe(0);
    small.mem.bytes.fill(0);
    const back = small.pages.map((addr) => ({ addr, len: 4096, write: true }));
    expect(rig.request(T.IN, 40n, { segments: back, head: 5 }).status).toBe(0);
    expect(Uint8Array.from(small.mem.bytes)).toEqual(data);
  });

  test("a buffer at a physical address outside RAM: QEMU's bounce page, the request completes with zeros read", () => {
    const { b, regs } = boot();
    const ring = pinnedBuffer(b, HUGE, HUGE);
    cleanup.push(() => ring.mem.free());
    const rig = new BlkRig(regs, { view: ring.mem.bytes, base: ring.pa }, 1);
    rig.init();
    rig.request(T.OUT, 0n, { data: pattern(512, 3) });
    expect(rig.request(T.OUT, 0n, { segments: [{ addr: 0x1000n, len: 512, write: false }], head: 3 }).status).toBe(0);
    rig.request(T.IN, 0n, { inLen: 512, head: 6 });
    expect(rig.data(512)).toEqual(new Uint8Array(512));
  });
});
