// Policy: before `run` frees a noiommu device's DMA buffers it resets the device when the device has a reset function;
// without one (or when the reset fails) the buffers are freed anyway and the user is warned once per run. Behind an
// IOMMU nothing is done (unmapping cuts the device off). Checked on a fake device, then in runScript on the simulated
// virt-noiommu PL330, where each reset must come before the pages go back.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QuiesceBeforeFree } from "../../src/cli/script/quiesce-before-free.ts";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { runScript, type ScriptOutput } from "../../src/cli/script/run-script.ts";
import type { Device } from "../../src/vfio/device.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { bindDevice, listDevices, openBoundary, openDevice, resolveDevice } from "../../src/index.ts";

function fakeDevice(hasReset: boolean, resetThrows = false): { device: Device; resets: number[] } {
  const resets: number[] = [];
  const device = {
    name: "fake",
    info: () => ({ hasReset }),
    reset: () => {
      if (resetThrows) throw new Error("VFIO_DEVICE_RESET: EIO");
      resets.push(1);
    },
  } as unknown as Device;
  return { device, resets };
}

describe("QuiesceBeforeFree", () => {
  test("noiommu with a reset function: every free is preceded by a reset, no warning", () => {
    const { device, resets } = fakeDevice(true);
    const warnings: string[] = [];
    const q = new QuiesceBeforeFree(device, true, (w) => warnings.push(w));
    q.beforeFree();
    q.beforeFree();
    expect(resets.length).toBe(2);
    expect(warnings).toEqual([]);
  });

  test("noiommu without a reset function: one warning however many frees, saying why", () => {
    const { device, resets } = fakeDevice(false);
    const warnings: string[] = [];
    const q = new QuiesceBeforeFree(device, true, (w) => warnings.push(w));
    q.beforeFree();
    q.beforeFree();
    expect(resets.length).toBe(0);
    expect(warnings).toEqual(["it has no reset function"]);
  });

  test("a reset that fails is a warning with the kernel's answer, not an error", () => {
    const { device } = fakeDevice(true, true);
    const warnings: string[] = [];
    new QuiesceBeforeFree(device, true, (w) => warnings.push(w)).beforeFree();
    expect(warnings).toEqual(["its reset failed (VFIO_DEVICE_RESET: EIO)"]);
  });

  test("behind an IOMMU: nothing (the device is not even asked)", () => {
    const device = new Proxy({} as Device, {
      get(_t, prop) {
        throw new Error(`the device was touched (${String(prop)})`);
      },
    });
    const warnings: string[] = [];
    new QuiesceBeforeFree(device, false, (w) => warnings.push(w)).beforeFree();
    expect(warnings).toEqual([]);
  });
});

const root = process.getuid?.() === 0;
const quiet: ScriptOutput = { json: false, text: () => {}, record: () => {} };

describe.skipIf(!root)(`runScript on the noiommu PL330${root ? "" : " (skipped: a noiommu group needs root)"}`, () => {
  const restore: (() => void)[] = [];
  afterEach(() => {
    while (restore.length) restore.pop()!();
  });

  async function withPl330(fn: (open: ReturnType<typeof openDevice>, b: Awaited<ReturnType<typeof openBoundary>>) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-quiesce-"));
    const b = await openBoundary({ sim: true, simStateDir: dir, simBoard: "virt-noiommu" });
    try {
      const dmac = resolveDevice("arm,pl330", listDevices(b));
      bindDevice(b, dmac, { stateDir: join(dir, "host") });
      const session = openDevice(b, { sysfsPath: dmac.sysfsPath, name: dmac.name });
      try {
        await fn(session, b);
      } finally {
        session.close();
      }
    } finally {
      b.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("dma unmap and the script's end reset the device before each buffer is freed", async () => {
    await withPl330(async (session, b) => {
      const events: string[] = [];
      const info = session.device.info.bind(session.device);
      session.device.info = () => ({ ...info(), hasReset: true });
      session.device.reset = () => void events.push("reset");
      const original = DmaBuffer.prototype.release;
      DmaBuffer.prototype.release = function (this: DmaBuffer) {
        events.push("release");
        original.call(this);
      };
      restore.push(() => (DmaBuffer.prototype.release = original));
      const warnings: string[] = [];
      const lines = parseScript("dma map a 4k\ndma unmap a\ndma map b 4k\ndma map c 4k");
      await runScript(session.device, lines, quiet, new AbortController().signal, {
        b,
        space: session.dma,
        inFlightWarning: (w) => warnings.push(w),
      });
      expect(events).toEqual(["reset", "release", "reset", "release", "release"]);
      expect(warnings).toEqual([]);
    });
  });

  test("an error ending the script resets the device before the buffers go", async () => {
    await withPl330(async (session, b) => {
      const events: string[] = [];
      const info = session.device.info.bind(session.device);
      session.device.info = () => ({ ...info(), hasReset: true });
      session.device.reset = () => void events.push("reset");
      const original = DmaBuffer.prototype.release;
      DmaBuffer.prototype.release = function (this: DmaBuffer) {
        events.push("release");
        original.call(this);
      };
      restore.push(() => (DmaBuffer.prototype.release = original));
      const lines = parseScript("dma map a 4k\ndma expect a zeros\ndma fill a ones\ndma expect a zeros");
      let caught: unknown;
      await runScript(session.device, lines, quiet, new AbortController().signal, { b, space: session.dma }).catch((e) => (caught = e));
      expect(String(caught)).toContain("line 4");
      expect(events).toEqual(["reset", "release"]);
    });
  });
});
