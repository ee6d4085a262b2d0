// The virtio-blk driver through VFIO against the simulated board's virtio-blk model: on `virt` (the transport behind
// nothing but type1, buffers at IOVAs) and on `virt-noiommu` (pinned buffers at physical addresses, data scattered
// over small pages), legacy and modern transports. What the driver writes must land in the disk file at the sector.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { boardSpecOf } from "../../src/sim/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { bindDevice, DmaBuffer, listDevices, openDevice, VirtioBlk, resolveDevice } from "../../src/index.ts";
import { stateDiskPath } from "../../src/sim/devices/virtio/blk-disk.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const DEV = "a000000.virtio_mmio";

/**
 * `board` with a blk disk plugged into transport `DEV` (`version` 1 or 2). Without huge pages, so that noiommu
 * buffers are locked small pages, which one allocation does not get physically contiguous: requests scatter.
 */
function withDisk(board: string, version: 1 | 2): BoardSpec {
  const spec = boardSpecOf(board);
  return {
    ...spec,
    ...(spec.memory ? { memory: { ...spec.memory, hugePages: 0 } } : {}),
    devices: spec.devices.map((d) =>
      d.name === DEV ? { ...d, modelOptions: { ...d.modelOptions, device: "blk", version }, nativeProbeError: undefined } : d,
    ),
  } as BoardSpec;
}

const boards: TestBoard[] = [];
afterEach(() => {
  for (const b of boards.splice(0)) b.dispose();
});

function open(board: string, version: 1 | 2) {
  const t = makeSimBoard(withDisk(board, version));
  boards.push(t);
  bindDevice(t.b, resolveDevice(DEV, listDevices(t.b)));
  const session = openDevice(t.b, DEV);
  const device = session.device;
  const blk = new VirtioBlk({ b: t.b, space: session.dma, regs: device.region(0), irq: device.irq(0), name: DEV });
  return { t, session, blk };
}

for (const board of ["virt", "virt-noiommu"]) {
  for (const version of [1, 2] as const) {
    test(`${board}, version ${version}: a scattered write lands in the disk file and reads back`, async () => {
      const { t, session, blk } = open(board, version);
      expect(session.noiommu).toBe(board === "virt-noiommu");
      const info = blk.init();
      expect(info.version).toBe(version);
      expect(info.capacity).toBe(16384n);
      const size = 6 * 4096;
      const out = DmaBuffer.allocate(t.b, session.dma, size, { read: true, write: false }, undefined, { contiguous: false });
      const back = DmaBuffer.allocate(t.b, session.dma, size, { read: true, write: true }, undefined, { contiguous: false });
      // On noiommu the small pages of one allocation are not physically contiguous: the request scatters.
      if (board === "virt-noiommu") expect(out.segments.length).toBeGreaterThan(1);
      for (let i = 0; i < size; i++) out.bytes[i] = (i * 31 + version) & 0xff;
      await blk.write(40n, out, 0, size);
      await blk.flush();
      await blk.read(40n, back, 0, size);
      expect(Buffer.from(back.bytes).equals(Buffer.from(out.bytes))).toBe(true);
      const disk = readFileSync(stateDiskPath(t.stateDir, DEV));
      expect(Buffer.from(disk.subarray(40 * 512, 40 * 512 + size)).equals(Buffer.from(out.bytes))).toBe(true);
      expect(disk.subarray(39 * 512, 40 * 512).every((b) => b === 0)).toBe(true);
      blk.remove();
      out.release();
      back.release();
      session.close();
    });
  }
}

describe("virtio-blk on the simulated board", () => {
  test("GET_ID answers, and a remove()d driver leaves the device reset", async () => {
    const { session, blk } = open("virt", 1);
    blk.init();
    expect(typeof (await blk.id())).toBe("string");
    blk.remove();
    expect(session.device.region(0).read32(0x70)).toBe(0);
    session.close();
  });
});
