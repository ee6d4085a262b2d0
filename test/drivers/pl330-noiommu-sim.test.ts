// Policy: without an IOMMU the PL330 drives physical addresses, and the simulator's physical memory answers them: the
// driver, through the real VFIO library on a noiommu container, copies between hand-made pinned buffers whose
// physical addresses come from /proc/self/pagemap (virt-noiommu; and an RK3399 device tree, whose PL330s have no
// IOMMU), byte for byte; an address outside RAM, or RAM no pinned page backs, is a decode error the channel reports
// as data_read_err / data_write_err / instr_fetch_err (the TRM's bits for an error response), on the fast path too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Pl330Driver } from "../../src/drivers/pl330/driver.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { openDevice, type VfioSession } from "../../src/vfio/session.ts";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { pinnedBuffer, type PinnedBuffer } from "../helpers/pinned-buffer.ts";

const MiB = 1024 * 1024;
const root = process.getuid?.() === 0;
const dtbs = builtDtbDir();

/** One board's PL330 bound to vfio in noiommu mode and opened, with its driver. */
function suite(title: string, board: () => string, dma: string, channel: number) {
  describe.skipIf(!root)(`${title}${root ? "" : " (skipped: opening a noiommu group needs root, CAP_SYS_RAWIO)"}`, () => {
    let tb: TestBoard;
    let session: VfioSession;
    let driver: Pl330Driver;
    const held: PinnedBuffer[] = [];
    const pin = (length: number, huge?: number) => {
      const p = pinnedBuffer(tb.b, length, huge);
      held.push(p);
      return p;
    };

    beforeAll(() => {
      tb = makeSimBoard(board());
      const dev = listDevices(tb.b).find((d) => d.name === dma)!;
      bindDevice(tb.b, dev, { stateDir: `${tb.stateDir}/host` });
      const bound = listDevices(tb.b).find((d) => d.name === dma)!;
      session = openDevice(tb.b, { sysfsPath: bound.sysfsPath, name: bound.name });
      driver = new Pl330Driver(tb.b, session.device, session.device.region(0));
      driver.init();
    });
    afterAll(() => {
      driver?.remove();
      for (const p of held) p.mem.free();
      session?.close();
      tb?.dispose();
    });

    test("a 4 MiB copy between huge-page buffers, by physical address, lands byte for byte", async () => {
      const size = 4 * MiB;
      const src = pin(size, 2 * MiB);
      const dst = pin(size, 2 * MiB);
      const prog = pin(4096);
      expect(src.contiguous && dst.contiguous).toBe(true);
      for (let i = 0; i < size; i++) src.mem.bytes[i] = (i * 7 + (i >>> 12)) & 0xff;
      driver.memcpyStart({ channel, src: src.pa, dst: dst.pa, size, program: { iova: prog.pa, bytes: prog.mem.bytes } });
      const out = await driver.memcpyWait(10_000);
      expect(out.status).toBe("done");
      expect(Buffer.compare(dst.mem.bytes.subarray(0, size), src.mem.bytes.subarray(0, size))).toBe(0);
    });

    test("a source outside RAM is a decode error: data_read_err, and kill() recovers the channel", async () => {
      const dst = pin(4096);
      const prog = pin(4096);
      driver.memcpyStart({ channel, src: 0x1000n, dst: dst.pa, size: 4096, program: { iova: prog.pa, bytes: prog.mem.bytes } });
      const out = await driver.memcpyWait(5000);
      if (out.status !== "fault") throw new Error(`expected a fault, got ${out.status}`);
      expect(out.fault.bits.map((b) => b.name)).toContain("data_read_err");
      expect(driver.kill(channel).state.name).toBe("Stopped");
    });

    test("a destination in RAM no pinned page backs is a decode error: data_write_err, mid-copy on the fast path", async () => {
      // One huge page (the pool's next one stays free), then a copy running 64 KiB past its end into pool memory
      // nobody holds.
      const src = pin(2 * MiB, 2 * MiB);
      const buf = pin(2 * MiB, 2 * MiB);
      const prog = pin(4096);
      src.mem.bytes.fill(0x3c);
      const start = buf.pa + BigInt(2 * MiB - 64 * 1024);
      driver.memcpyStart({ channel, src: src.pa, dst: start, size: 128 * 1024, program: { iova: prog.pa, bytes: prog.mem.bytes } });
      const out = await driver.memcpyWait(5000);
      if (out.status !== "fault") throw new Error(`expected a fault, got ${out.status}`);
      expect(out.fault.bits.map((b) => b.name)).toContain("data_write_err");
      expect(driver.kill(channel).state.name).toBe("Stopped");
      // What reached the buffer before the fault is the source's first bytes.
      expect(buf.mem.bytes[2 * MiB - 64 * 1024]).toBe(src.mem.bytes[0]!);
    });

    test("a program outside RAM: the channel's fetch gets a decode error (instr_fetch_err)", async () => {
      const prog = pin(4096);
      driver.memcpyStart({ channel, src: prog.pa, dst: prog.pa, size: 64, program: { iova: 0x10_0000n, bytes: prog.mem.bytes } });
      const out = await driver.memcpyWait(5000);
      if (out.status !== "fault") throw new Error(`expected a fault, got ${out.status}`);
      expect(out.fault.bits.map((b) => b.name)).toContain("instr_fetch_err");
      expect(driver.kill(channel).state.name).toBe("Stopped");
    });
  });
}

suite("PL330 DMA by physical address on virt-noiommu", () => "virt-noiommu", "2c0a0000.dma", 2);
if (dtbs) suite("PL330 DMA by physical address on an RK3399 (rockpro64 DTB: no IOMMU)", () => join(dtbs, "rockchip/rk3399-rockpro64.dtb"), "ff6d0000.dma-controller", 1);
else test.skip("RK3399 PL330 by physical address (skipped: the real DTBs are not built: bun scripts/boards/dtbs.ts)", () => {});
