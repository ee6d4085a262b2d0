// Policy: "stop here if a signal came" has one home (src/cli/interrupt.ts). A checkpoint lets a pending signal's handler
// run and then stops; a sleep ends with an error, never early with success; a script stops before its next step,
// saying which line did not run, and kernel refusals inside a script keep the line number in the one-line error.
import { afterEach, describe, expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { checkpoint, sleepUnlessStopped, throwIfStopped, unlessStopped } from "../../src/cli/interrupt.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { runScript, type ScriptOutput } from "../../src/cli/script/run-script.ts";
import type { Device } from "../../src/vfio/device.ts";
import type { DmaSpace } from "../../src/vfio/dma-space.ts";
import { VfioError } from "../../src/vfio/errors.ts";
import { InterruptedError } from "../../src/cli/usage-error.ts";

/** A device that fails the test if a script touches it at all. */
const untouchable = new Proxy({} as Device, {
  get(_t, prop) {
    throw new Error(`the device was touched (${String(prop)})`);
  },
});

const quiet: ScriptOutput = { json: false, text: () => {}, record: () => {} };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

let removeHandler: (() => void) | undefined;
afterEach(() => removeHandler?.());

describe("checkpoint", () => {
  test("a real signal sent to this process is seen by the first checkpoint after it (and not by a bare check)", async () => {
    const ac = new AbortController();
    const onWinch = () => ac.abort("SIGTERM");
    process.on("SIGWINCH", onWinch);
    removeHandler = () => process.off("SIGWINCH", onWinch);
    process.kill(process.pid, "SIGWINCH");
    // The handler has not run yet: JS handlers wait for the event loop, which is the reason checkpoint exists.
    expect(() => throwIfStopped(ac.signal)).not.toThrow();
    const e = await rejection(checkpoint(ac.signal));
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as InterruptedError).signal).toBe("SIGTERM");
  });

  test("no signal: passes", async () => {
    await checkpoint(new AbortController().signal);
  });

  test("the abort reason names the signal; anything else is Ctrl-C", () => {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) expect(InterruptedError.fromAbort(AbortSignal.abort(s)).signal).toBe(s);
    expect(InterruptedError.fromAbort(AbortSignal.abort()).signal).toBe("SIGINT");
  });
});

describe("sleepUnlessStopped", () => {
  test("a signal ends the sleep with InterruptedError, not with success", async () => {
    const ac = new AbortController();
    const sleeping = sleepUnlessStopped(60_000, ac.signal);
    ac.abort("SIGHUP");
    const e = await rejection(sleeping);
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as InterruptedError).signal).toBe("SIGHUP");
  });
  test("already stopped: rejects at once; not stopped: resolves", async () => {
    expect(await rejection(sleepUnlessStopped(60_000, AbortSignal.abort("SIGINT")))).toBeInstanceOf(InterruptedError);
    await sleepUnlessStopped(1, new AbortController().signal);
  });
});

describe("unlessStopped", () => {
  test("a signal while the work is pending (stdin still open) rejects; otherwise the work's outcome passes through", async () => {
    const ac = new AbortController();
    const never = new Promise<string>(() => {});
    const waiting = unlessStopped(never, ac.signal);
    ac.abort("SIGINT");
    expect(await rejection(waiting)).toBeInstanceOf(InterruptedError);
    expect(await unlessStopped(Promise.resolve("text"), new AbortController().signal)).toBe("text");
    expect(await rejection(unlessStopped(Promise.reject(new Error("EIO")), new AbortController().signal))).toHaveProperty("message", "EIO");
  });
});

describe("runScript and signals", () => {
  test("a signal that came before the first step: nothing touches the device", async () => {
    const lines = parseScript("write 0:0x4 0x99\nreset");
    const progress = { done: 0 };
    const e = await rejection(runScript(untouchable, lines, quiet, AbortSignal.abort("SIGTERM"), undefined, progress));
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as Error).message).toBe("interrupted by SIGTERM before line 1 (0 of 2 steps done)");
    expect(progress.done).toBe(0);
  });

  test("a signal during sleep stops the script there: the line after it never runs", async () => {
    const ac = new AbortController();
    const lines = parseScript("sleep 1ms\nsleep 60s\nwrite 0:0x4 0x99");
    const progress = { done: 0 };
    const running = runScript(untouchable, lines, quiet, ac.signal, undefined, progress);
    // Abort once line 1 is done: the signal lands in the long sleep, or (on a slow machine) in the checkpoint just
    // before it; either way line 3 never runs.
    const poll = setInterval(() => {
      if (progress.done >= 1) {
        clearInterval(poll);
        ac.abort("SIGINT");
      }
    }, 1);
    const e = await rejection(running);
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as Error).message).toMatch(/^line 2: interrupted by SIGINT during sleep 60s$|^interrupted by SIGINT before line 2 /);
    expect(progress.done).toBe(1);
  });
});

test("a kernel refusal inside a script keeps its line in the one-line error", async () => {
  const memory = { address: 0x1000n, length: 4096, bytes: new Uint8Array(4096), free: () => {} };
  const b = { allocMemory: () => memory } as unknown as KernelBoundary;
  const cause = new SyscallError({ syscall: "ioctl", errno: 12, request: "IOMMU_IOAS_MAP", path: "/dev/iommu" });
  const space = {
    kind: "iommufd",
    noiommu: false,
    mappings: [],
    dmaWindow: () => ({ pageSize: 0x1000n }),
    mapMemory: () => {
      throw new VfioError("IOAS map iova 0x1000", { cause });
    },
    unmapDma: () => 0n,
  } as unknown as DmaSpace;
  const lines = parseScript("# map one page\n\ndma map buf 4k at 0x1000");
  const e = await rejection(runScript(untouchable, lines, quiet, new AbortController().signal, { b, space }));
  const d = describeError(e);
  expect(d.message).toBe("line 3: IOAS map iova 0x1000: IOMMU_IOAS_MAP on /dev/iommu: Cannot allocate memory (ENOMEM)");
  expect(d.exit).toBe(1);
});
