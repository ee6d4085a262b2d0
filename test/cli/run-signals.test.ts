// Policy: a SIGINT/SIGTERM/SIGHUP stops `run` before its next step touches the device (during sleep, during an irq
// wait, between two synchronous steps, while the script is still read from stdin, with DMA buffers mapped), and stops
// a long `read` dump; cleanup runs and the exit code is 130/143/129. Real signals, real child processes; each test
// waits for the child's own output (or its signal handler, in /proc) before signalling, never for a fixed time. Output
// comes just before a sleep or wait starts, so the signal may land in it or at the checkpoint before it: both are
// accepted, and both mean the step after it never ran.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAIN, REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

// Each test spawns several CLI processes on a shared, loaded machine: generous, and never a timing assertion.
setDefaultTimeout(60_000);

const RTC = "9010000.pl031";
const DMA = "2c0a0000.dma";
const EDU = "0000:00:02.0";
let state: { dir: string; dispose: () => void };
let env: Record<string, string>;

beforeAll(() => {
  state = tempSimState("vfio-plat-signals-");
  env = simEnv(state.dir);
  for (const d of [RTC, DMA, EDU]) expect(runCli(["bind", d], { env }).code).toBe(0);
});
afterAll(() => state.dispose());

/** A child whose stdout and stderr are drained continuously (a full pipe would block it outside any checkpoint). */
function start(args: string[], opts: { stdin?: "pipe" } = {}) {
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: REPO,
    env,
    stdout: "pipe",
    stderr: "pipe",
    stdin: opts.stdin ?? "ignore",
  });
  const text = { stdout: "", stderr: "" };
  const drain = async (name: "stdout" | "stderr", s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) text[name] += dec.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain("stdout", child.stdout), drain("stderr", child.stderr)]);
  /** Resolve once `pattern` shows up on the stream (or the child ends; the caller's expect then fails). */
  const waitFor = async (name: "stdout" | "stderr", pattern: RegExp) => {
    while (!pattern.test(text[name]) && child.exitCode === null) await Bun.sleep(5);
  };
  const finish = async () => {
    const code = await child.exited;
    await drained;
    return { code, ...text };
  };
  return { child, text, waitFor, finish };
}

/** Wait until the child has installed its handler for `sig` (the bit in /proc/PID/status SigCgt). */
async function handlerInstalled(pid: number, sig: number, child: { exitCode: number | null }): Promise<void> {
  const bit = 1n << BigInt(sig - 1);
  for (;;) {
    if (child.exitCode !== null) return;
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m && (BigInt(`0x${m[1]}`) & bit) !== 0n) return;
    await Bun.sleep(5);
  }
}

function register(device: string, addr: string): string {
  const r = runCli(["read", device, addr], { env });
  expect(r.code).toBe(0); // also proves the interrupted run released the device (no stale holder)
  return r.stdout.trim();
}

describe("run: a signal during sleep stops the script before the next write", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${sig} -> exit ${code}, the register keeps the first write`, async () => {
      expect(runCli(["write", RTC, "0x4", "0"], { env }).code).toBe(0);
      const p = start(["run", RTC, "-e", "write 0:0x4 0x11; sleep 6s; write 0:0x4 0x99"]);
      await p.waitFor("stdout", /<- 0x00000011/);
      p.child.kill(sig);
      const r = await p.finish();
      expect(r.code).toBe(code);
      expect(r.stdout).not.toContain("0x00000099");
      // The signal lands in the sleep, or (on a busy machine) just before it; either way line 3 never starts.
      expect(r.stderr).toMatch(new RegExp(`line 2: interrupted by ${sig} during sleep|interrupted by ${sig} before line 2 `));
      expect(register(RTC, "0x4")).toBe("0x00000011");
    });
  }

  test("--json: the stream ends with an end record naming the signal", async () => {
    const p = start(["--json", "run", RTC, "-e", "write 0:0x4 0x14; sleep 6s; write 0:0x4 0x99"]);
    await p.waitFor("stdout", /"type":"write"/);
    p.child.kill("SIGINT");
    const r = await p.finish();
    expect(r.code).toBe(130);
    const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.at(-1)).toEqual({ type: "end", reason: "signal", signal: "SIGINT", steps: 1 });
    expect(JSON.parse(r.stderr.trim()).error.exit).toBe(130);
    expect(register(RTC, "0x4")).toBe("0x00000014");
  });
});

test("run: SIGTERM during irq wait stops before the next write; the interrupt and the device are released", async () => {
  const p = start(["--json", "--trace", "run", RTC, "-e", "write 0:0x4 0x12; irq arm 0; irq wait 0 8s; write 0:0x4 0x99"]);
  await p.waitFor("stdout", /"type":"irq-arm"/);
  p.child.kill("SIGTERM");
  const r = await p.finish();
  expect(r.code).toBe(143);
  expect(r.stdout.trim().split("\n").at(-1)).toBe('{"type":"end","reason":"signal","signal":"SIGTERM","steps":2}');
  // Cleanup (the device close) removes the trigger (SET_IRQS, DATA_NONE|ACTION_TRIGGER, count 0) before the exit.
  expect(r.stderr).toMatch(/VFIO_DEVICE_SET_IRQS, \[14 00 00 00 21 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\]\) = 0/);
  expect(JSON.parse(r.stderr.split("\n").find((l) => l.startsWith('{"error"'))!).error.message).toMatch(/^line 3: interrupted by SIGTERM during irq wait 0 8s \(SIGTERM\)$|^interrupted by SIGTERM before line 3 /);
  expect(register(RTC, "0x4")).toBe("0x00000012");
  // The interrupt can be armed again at once by a new process: nothing was left holding it.
  expect(runCli(["run", RTC, "-e", "irq arm 0; irq disarm 0"], { env }).code).toBe(0);
});

test("run: a signal between two synchronous steps stops the script there, not at its end", async () => {
  // 100000 writes of an increasing value, no sleep and no wait: only the per-step checkpoint can see the signal.
  const file = join(state.dir, "many-writes.vfio");
  const n = 100_000;
  writeFileSync(file, Array.from({ length: n }, (_, i) => `write 0:0x4 ${i + 1}`).join("\n"));
  const p = start(["run", RTC, file]);
  await p.waitFor("stdout", /<- 0x00000100\n/);
  p.child.kill("SIGINT");
  const r = await p.finish();
  expect(r.code).toBe(130);
  const written = [...r.stdout.matchAll(/<- (0x[0-9a-f]+)/g)].map((m) => m[1]!);
  const last = written.at(-1)!;
  expect(BigInt(last)).toBeLessThan(BigInt(n));
  // The step that was running finished and reported; no later step touched the device.
  expect(register(RTC, "0x4")).toBe(last);
  expect(r.stderr).toMatch(new RegExp(`interrupted by SIGINT before line ${Number(BigInt(last)) + 1} \\(${Number(BigInt(last))} of ${n} steps done\\)`));
});

test("run -: SIGINT while the script is still being read from stdin runs nothing (exit 130)", async () => {
  expect(runCli(["write", RTC, "0x4", "0x5"], { env }).code).toBe(0);
  const p = start(["run", RTC, "-"], { stdin: "pipe" });
  p.child.stdin!.write("write 0:0x4 0x13\n");
  p.child.stdin!.flush();
  await handlerInstalled(p.child.pid, 2, p.child);
  p.child.kill("SIGINT");
  const r = await p.finish();
  expect(r.code).toBe(130);
  expect(r.stdout).toBe("");
  expect(register(RTC, "0x4")).toBe("0x00000005");
});

test("run: SIGHUP with DMA buffers mapped unmaps them and stops before the next step", async () => {
  const p = start(["--trace", "run", DMA, "-e", "dma map a 8k; dma fill a incrementing; sleep 6s; dma expect a zeros"]);
  await p.waitFor("stdout", /dma a: filled/);
  p.child.kill("SIGHUP");
  const r = await p.finish();
  expect(r.code).toBe(129);
  expect(r.stdout).not.toContain("as expected");
  // The script unmaps nothing itself: the one unmap traced is the cleanup releasing buffer a (IOVA 0x1000, 8 KiB).
  expect(r.stderr.match(/ioctl\([^)]*UNMAP_DMA.*\) = 0/g)?.length).toBe(1);
  expect(r.stderr).toMatch(/line 3: interrupted by SIGHUP during sleep|interrupted by SIGHUP before line 3 /);
});

test("read: a signal stops a long dump between chunks (nothing printed, exit 130)", async () => {
  // --trace prints each register access on stderr, so the test can see the dump running and signal it mid-way.
  const p = start(["--trace", "read", EDU, "0:0.b", "0x100000"]);
  await p.waitFor("stderr", /pread\([^)]*, 1, 0x2000\)/);
  p.child.kill("SIGINT");
  const r = await p.finish();
  expect(r.code).toBe(130);
  expect(r.stdout).toBe("");
  const offsets = [...r.stderr.matchAll(/pread\([^)]*, 1, (0x[0-9a-f]+)\)/g)].map((m) => Number(m[1]));
  expect(Math.max(...offsets)).toBeLessThan(0xfffff);
  expect(r.stderr).toContain("vfio-plat: interrupted by SIGINT");
});

test("run: a signal during a long `read ADDR COUNT` step stops it between chunks; the next step never runs", async () => {
  const p = start(["--trace", "run", EDU, "-e", "read 0:0x0.b 0x100000; write 0:0x4 0x1"]);
  await p.waitFor("stderr", /pread\([^)]*, 1, 0x2000\)/);
  p.child.kill("SIGTERM");
  const r = await p.finish();
  expect(r.code).toBe(143);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toContain("pwrite(");
  const offsets = [...r.stderr.matchAll(/pread\([^)]*, 1, (0x[0-9a-f]+)\)/g)].map((m) => Number(m[1]));
  expect(Math.max(...offsets)).toBeLessThan(0xfffff);
  expect(r.stderr).toContain("vfio-plat: line 1: interrupted by SIGTERM during read 0:0x0.b 0x100000");
});

test("run: a signal during a big `dma fill` stops it between chunks; the next write never runs", async () => {
  expect(runCli(["write", DMA, "0x20", "0"], { env }).code).toBe(0);
  // 128 MiB of random bytes take seconds to fill: the signal lands in the fill (or, at the latest, just before it).
  const p = start(["--json", "run", DMA, "-e", "write 0:0x20 0x7; dma map a 128M; dma fill a random:5; dma expect a random:5; write 0:0x20 0x99"]);
  await p.waitFor("stdout", /"type":"dma-map"/);
  p.child.kill("SIGINT");
  const r = await p.finish();
  expect(r.code).toBe(130);
  expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^\{"type":"end","reason":"signal","signal":"SIGINT","steps":2\}$/);
  expect(JSON.parse(r.stderr.trim()).error.message).toMatch(/^line 3: interrupted by SIGINT during dma fill a random:5 \(SIGINT\)$|^interrupted by SIGINT before line 3 /);
  expect(register(DMA, "0x20")).toBe("0x00000007");
});
