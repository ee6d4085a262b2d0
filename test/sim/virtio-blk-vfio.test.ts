// The virtio-blk model end to end through the simulated kernel on `virt`: a transport with a disk bound to
// vfio-platform, its rings and data in process memory mapped with type1 MAP_DMA behind the SMMUv3, the completion
// interrupt on an eventfd through VFIO_DEVICE_SET_IRQS, the disk image holding the written bytes, and the transport's
// state carried to a second process view of the board. Raw ioctls and pread/pwrite only (what a C program does).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Fd, KernelBoundary, ProcessMemory } from "../../src/boundary/kernel-boundary.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { resetBoard } from "../../src/sim/state/state-reset.ts";
import { VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_iommu_type1_dma_map } from "../../src/vfio/abi/structs.ts";
import { bindVfio, drain, newEventFd, openRaw, read32, regionInfo, setIrqs, VIRTIO0, write32, type RawSession } from "../helpers/sim-kernel.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { BlkRig, LAYOUT, MEM_SIZE, pattern, R, T } from "../helpers/virtio-blk-rig.ts";

/** `virt` with a disk plugged into its first transport (a board file can do the same through "virtio" knobs). */
function vblkBoard(version: 1 | 2): BoardSpec {
  return {
    ...VIRT,
    name: "virt-vblk-test",
    devices: VIRT.devices.map((d) => {
      if (d.name !== VIRTIO0) return d;
      const { nativeProbeError: _gone, ...rest } = d;
      return { ...rest, modelOptions: { device: "blk", capacitySectors: 2048, version } };
    }),
  };
}
const IOVA = 0x10_0000n;

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

interface Session {
  b: KernelBoundary;
  raw: RawSession;
  mem: ProcessMemory;
  rig: BlkRig;
  efd: Fd;
}

function session(b: KernelBoundary, version: 1 | 2 = 1): Session {
  const raw = openRaw(b, "platform", VIRTIO0);
  const mem = b.allocMemory(MEM_SIZE);
  const map = vfio_iommu_type1_dma_map.encode({
    argsz: vfio_iommu_type1_dma_map.size,
    flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
    vaddr: mem.address,
    iova: IOVA,
    size: BigInt(MEM_SIZE),
  });
  b.ioctl(raw.container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, map);
  const base = Number(regionInfo(b, raw.device, 0).offset);
  const regs = { read: (o: number) => read32(b, raw.device, base + o), write: (o: number, v: number) => write32(b, raw.device, base + o, v) };
  const efd = newEventFd(b);
  setIrqs(b, raw.device, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: 1, eventfds: [efd] });
  return { b, raw, mem, rig: new BlkRig(regs, { view: mem.bytes, base: IOVA }, version), efd };
}

function close(s: Session): void {
  s.raw.close();
  s.b.close(s.efd);
  s.mem.free();
}

function boot(version: 1 | 2 = 1): KernelBoundary {
  board = makeSimBoard(vblkBoard(version));
  bindVfio(board.b, "platform", VIRTIO0);
  return board.b;
}

describe("virtio-blk over vfio-platform on virt (type1 behind the SMMUv3)", () => {
  test("write a sector, read it back, the completion interrupt on the eventfd, the bytes in the board's disk image", () => {
    const s = session(boot());
    expect(s.rig.regs.read(R.DEVICE_ID)).toBe(2);
    s.rig.init();
    const data = pattern(4096, 11);
    expect(s.rig.request(T.OUT, 100n, { data })).toEqual({ status: 0, used: { id: 0, len: 1 } });
    expect(drain(s.b, s.efd)).toBe(1);
    expect(s.rig.regs.read(R.ISR)).toBe(1);
    s.rig.regs.write(R.ACK, 1);
    s.rig.mem.view.fill(0, LAYOUT.DATA, LAYOUT.DATA + 4096);
    expect(s.rig.request(T.IN, 100n, { inLen: 4096, head: 3 })).toEqual({ status: 0, used: { id: 3, len: 4097 } });
    expect(drain(s.b, s.efd)).toBe(1);
    expect(s.rig.data(4096)).toEqual(data);
    const image = join(board!.stateDir, "disks", `${VIRTIO0}.img`);
    expect(readFileSync(image).length).toBe(2048 * 512);
    expect(Uint8Array.from(readFileSync(image).subarray(100 * 512, 108 * 512))).toEqual(data);
    close(s);
  });

  test("Version 2 (modern layout) does the same cycle", () => {
    const b = boot(2);
    const s = session(b, 2);
    s.rig.init();
    expect(s.rig.request(T.OUT, 1n, { data: pattern(512, 2) }).status).toBe(0);
    s.rig.regs.write(R.ACK, 1);
    expect(s.rig.request(T.IN, 1n, { inLen: 512, head: 3 }).status).toBe(0);
    expect(s.rig.data(512)).toEqual(pattern(512, 2));
    expect(drain(b, s.efd)).toBe(2);
    close(s);
  }, 15000);

  test("a buffer at an IOVA nothing is mapped at: the SMMU faults, the device stops (no completion, no interrupt)", () => {
    const s = session(boot());
    s.rig.init();
    s.rig.request(T.IN, 0n, { segments: [{ addr: 0x900_0000n, len: 512, write: true }] });
    expect(s.rig.usedIdx()).toBe(0);
    expect(drain(s.b, s.efd)).toBe(0);
    s.rig.avail = s.rig.dv.getUint16(s.rig.availAt + 2, true);
    expect(s.rig.request(T.FLUSH, 0n, { head: 4 }).used).toBeUndefined();
    s.rig.init();
    expect(s.rig.request(T.FLUSH, 0n).status).toBe(0);
    close(s);
  });

  test("the transport keeps its state for the next process: queue, features and indexes go on where they were", () => {
    const first = session(boot());
    first.rig.init();
    first.rig.request(T.OUT, 7n, { data: pattern(512, 7) });
    const ring = first.mem.bytes.slice(0, LAYOUT.HEADER);
    const { avail, usedSeen } = first.rig;
    close(first);

    const second = session(board!.reopen());
    expect(second.rig.regs.read(R.STATUS)).toBe(7);
    expect(second.rig.regs.read(R.QUEUE_PFN)).toBe(Number(IOVA >> 12n));
    // The driver's ring memory outlives its process here (as a pinned buffer would be handed on): copy it over.
    second.mem.bytes.set(ring);
    Object.assign(second.rig, { avail, usedSeen });
    second.rig.regs.write(R.ACK, 1);
    expect(second.rig.request(T.IN, 7n, { inLen: 512, head: 3 })).toEqual({ status: 0, used: { id: 3, len: 513 } });
    expect(second.rig.data(512)).toEqual(pattern(512, 7));
    expect(drain(second.b, second.efd)).toBe(1);
    close(second);
  });

  test("sim-reset removes the board's disk; the next use makes a blank one", () => {
    const s = session(boot());
    s.rig.init();
    s.rig.request(T.OUT, 0n, { data: pattern(512, 5) });
    close(s);
    const image = join(board!.stateDir, "disks", `${VIRTIO0}.img`);
    expect(existsSync(image)).toBe(true);
    for (const b of [board!.b]) b.dispose();
    const r = resetBoard(board!.stateDir);
    expect(r.removed).toContain("disks");
    expect(existsSync(image)).toBe(false);
    const b2 = board!.reopen();
    bindVfio(b2, "platform", VIRTIO0);
    const t = session(b2);
    t.rig.init();
    expect(t.rig.request(T.IN, 0n, { inLen: 512 }).status).toBe(0);
    expect(t.rig.data(512)).toEqual(new Uint8Array(512));
    close(t);
  });
});
