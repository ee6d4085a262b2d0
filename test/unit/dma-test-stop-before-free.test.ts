// Policy: dma-test on noiommu reads the channel's state right before its buffers are freed; a channel that is not
// Stopped (or whose state cannot be read) gets the device reset, or one warning, before the pages go back (the same
// QuiesceBeforeFree as `run`). Behind an IOMMU the state is not even read. The plan calls the hook before any release.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopBeforeFree } from "../../src/cli/dma-test/stop-before-free.ts";
import { planCopy } from "../../src/cli/dma-test/plan.ts";
import type { DmaTestOptions } from "../../src/cli/dma-test/options.ts";
import { QuiesceBeforeFree } from "../../src/cli/script/quiesce-before-free.ts";
import { decodeCsr, type ChannelStatus } from "../../src/drivers/pl330/faults.ts";
import type { Device } from "../../src/vfio/device.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { bindDevice, listDevices, openBoundary, openDevice, Pl330Driver, resolveDevice } from "../../src/index.ts";

const STOPPED = decodeCsr(0x0); // CSR.CHANNEL_STATUS 0: Stopped
const EXECUTING = decodeCsr(0x1); // 1: Executing

function counting(hasReset: boolean) {
  const seen = { resets: 0, warnings: [] as string[] };
  const device = { info: () => ({ hasReset }), reset: () => void seen.resets++ } as unknown as Device;
  return { seen, quiesce: (noiommu: boolean) => new QuiesceBeforeFree(device, noiommu, (w) => seen.warnings.push(w)) };
}

describe("stopBeforeFree", () => {
  test("the decoded states used here are the ones named", () => {
    expect([STOPPED.state.name, EXECUTING.state.name]).toEqual(["Stopped", "Executing"]);
  });

  test("noiommu, channel Stopped: nothing to do", () => {
    const { seen, quiesce } = counting(true);
    stopBeforeFree(true, () => STOPPED, quiesce(true))();
    expect(seen).toEqual({ resets: 0, warnings: [] });
  });

  test("noiommu, channel still Executing: the device is reset (or, without a reset function, one warning)", () => {
    const withReset = counting(true);
    stopBeforeFree(true, () => EXECUTING, withReset.quiesce(true))();
    expect(withReset.seen).toEqual({ resets: 1, warnings: [] });
    const without = counting(false);
    stopBeforeFree(true, () => EXECUTING, without.quiesce(true))();
    expect(without.seen).toEqual({ resets: 0, warnings: ["it has no reset function"] });
  });

  test("noiommu, the state cannot be read: treated as not stopped", () => {
    const { seen, quiesce } = counting(true);
    stopBeforeFree(true, () => {
      throw new Error("EIO");
    }, quiesce(true))();
    expect(seen.resets).toBe(1);
  });

  test("behind an IOMMU the state is not read", () => {
    const { seen, quiesce } = counting(true);
    stopBeforeFree(false, () => {
      throw new Error("read");
    }, quiesce(false))();
    expect(seen).toEqual({ resets: 0, warnings: [] });
  });
});

const root = process.getuid?.() === 0;

describe.skipIf(!root)(`planCopy's release on the noiommu PL330${root ? "" : " (skipped: a noiommu group needs root)"}`, () => {
  const original = DmaBuffer.prototype.release;
  afterEach(() => (DmaBuffer.prototype.release = original));

  test("the hook runs once, before the first buffer is freed; a second release frees nothing and asks nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-stop-before-free-"));
    const b = await openBoundary({ sim: true, simStateDir: dir, simBoard: "virt-noiommu" });
    try {
      const dmac = resolveDevice("arm,pl330", listDevices(b));
      bindDevice(b, dmac, { stateDir: join(dir, "host") });
      const session = openDevice(b, { sysfsPath: dmac.sysfsPath, name: dmac.name });
      try {
        const info = new Pl330Driver(b, session.device, session.device.region(0)).init();
        const events: string[] = [];
        DmaBuffer.prototype.release = function (this: DmaBuffer) {
          events.push("release");
          original.call(this);
        };
        const cleanups: (() => void)[] = [];
        const opts: DmaTestOptions = {
          deviceSpec: dmac.name,
          size: 8192,
          iterations: 1,
          channel: 0,
          pattern: { kind: "zeros" },
          inject: undefined,
          faultInjection: undefined,
          timeoutMs: 1000,
        };
        const plan = planCopy(b, session, (fn) => cleanups.push(fn), opts, info, () => void events.push("hook"));
        expect(plan.physical).toBe(true);
        plan.release();
        plan.release();
        expect(events).toEqual(["hook", "release", "release", "release"]);
      } finally {
        session.close();
      }
    } finally {
      b.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
