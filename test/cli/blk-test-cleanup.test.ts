// blk-test's cleanup order, a safety path: without an IOMMU a device still holding a buffer's address can write into
// whatever reuses that memory, so the device must be reset (it stops all DMA) before any data buffer is released —
// whether the run verified, found a mismatch, or was cut short.
import { describe, expect, test } from "bun:test";
import { runBlkTest, type BlkTestOptions } from "../../src/cli/blk-test/run.ts";
import { VirtioBlk } from "../../src/drivers/virtio/blk.ts";
import { FakeBlk, FakeDmaSpace, memoryBoundary, type FakeBlkOptions } from "../drivers/virtio-fake-blk.ts";

const OPTS: BlkTestOptions = { deviceSpec: "x", sector: 4, count: 16, seed: 3, requestSize: 4096, timeoutMs: 1000 };

async function run(fake: FakeBlkOptions) {
  const b = memoryBoundary();
  const space = new FakeDmaSpace();
  const dev = new FakeBlk(space, fake);
  const statusAtUnmap: number[] = [];
  const unmap = space.unmapDma.bind(space);
  space.unmapDma = (iova, size) => {
    statusAtUnmap.push(dev.status);
    return unmap(iova, size);
  };
  const blk = new VirtioBlk({ b, space, regs: dev.regs, name: "d" });
  blk.init();
  const cleanups: (() => void)[] = [];
  const result = await runBlkTest(b, space, blk, OPTS, (fn) => cleanups.push(fn), new AbortController().signal, () => {}).catch((e: unknown) => e);
  let cleanupError: unknown;
  try {
    while (cleanups.length) cleanups.pop()!();
  } catch (e) {
    cleanupError = e;
  }
  return { result, statusAtUnmap, space, cleanupError };
}

describe("blk-test cleanup", () => {
  test("after a verified run, the device is reset before the data buffers are released", async () => {
    const { result, statusAtUnmap, space } = await run({});
    expect(result).toMatchObject({ bytes: 16 * 512, writes: 2, reads: 2 });
    expect(statusAtUnmap.length).toBe(4); // ring, request page, two data buffers
    expect(statusAtUnmap).toEqual([0, 0, 0, 0]);
    expect(space.live).toBe(0);
  });
  test("after a mismatch too", async () => {
    const { result, statusAtUnmap } = await run({ corruptReadAt: 4 * 512 + 700 });
    expect(result).toMatchObject({ mismatch: { offset: 700, sector: 5, byteInSector: 188 } });
    expect(statusAtUnmap).toEqual([0, 0, 0, 0]);
  });
  test("after a request that never completed (timeout)", async () => {
    const { result, statusAtUnmap } = await run({ stall: true });
    expect((result as Error).name).toBe("TimeoutError");
    expect(statusAtUnmap).toEqual([0, 0, 0, 0]);
  });
  test("a reset that is never confirmed: the cleanup reports reset-failed and releases no buffer at all", async () => {
    const { result, statusAtUnmap, space, cleanupError } = await run({ version: 2, stuckReset: true });
    expect(result).toMatchObject({ bytes: 16 * 512, writes: 2, reads: 2 });
    expect(cleanupError).toMatchObject({ name: "VirtioError", refusal: { reason: "reset-failed", keptBytes: 8192 } });
    expect(statusAtUnmap).toEqual([]);
    expect(space.live).toBe(4); // ring, request page, two data buffers: all kept
  });
});
