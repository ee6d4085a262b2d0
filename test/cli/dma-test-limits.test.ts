// dma-test at its documented limits, each run a separate CLI process on a private simulated board (the peak-RSS goal
// is the bench row dma-test-rss); the timeout is a stall timeout, so a slow DMAC clock does
// not cut a moving copy off while a stalled one still times out (exit 7); --inject short-copy and shifted-dst reach the
// verify's mismatch reports (exit 8: the first byte not copied, the guard byte overwritten); SIGINT/SIGTERM/SIGHUP
// between copies stop the run (130/143/129), with the channel stopped and an `end` record naming the signal (--json).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { BOARDS, createSimBoundary, DEFAULT_BOARD, type BoardSpec } from "../../src/sim/index.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const MiB = 1 << 20;

/** A board whose PL330 has these modelOptions (e.g. its clock), with the PL330 bound to vfio-amba. */
function boardWithPl330(options: Record<string, unknown>) {
  const state = tempSimState();
  const base = BOARDS[DEFAULT_BOARD]!;
  const board: BoardSpec = {
    ...base,
    devices: base.devices.map((d) => (d.name === DMA ? { ...d, modelOptions: { ...d.modelOptions, ...options } } : d)),
  };
  // Creating a boundary on an empty directory writes the board there; the CLI processes below keep it.
  createSimBoundary({ stateDir: state.dir, os: createRealBoundary(), board }).dispose();
  const env = simEnv(state.dir);
  const bind = runCli(["bind", DMA], { env });
  if (bind.code !== 0) throw new Error(`bind ${DMA} exited ${bind.code}: ${bind.stderr}`);
  return { ...state, env };
}

// The memory goal (peak RSS <= 2.5 N + 100 MB) is the bench's row dma-test-rss: peak RSS moves with the garbage
// collector, so it is measured there (bun run bench --only dma-test-rss), never asserted here.

describe("dma-test timeout: no progress for --timeout, whatever the size and the DMAC clock", () => {
  test("a copy slower than --timeout that keeps moving completes (PL330 at 200 kHz: 1 MiB takes ~0.65 s)", () => {
    const board = boardWithPl330({ cyclesPerMs: 200 });
    try {
      const r = runCli(["dma-test", DMA, "--size", "1M", "--timeout", "200ms", "--json"], { env: board.env });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.results[0]).toMatchObject({ bytes: MiB, verified: true });
      expect(j.results[0].ns).toBeGreaterThan(200e6); // it did take longer than --timeout: the timeout restarted
      expect(j.end).toEqual({ reason: "done" });
    } finally {
      board.dispose();
    }
  });

  test("a copy that stalls longer than --timeout between stores (PL330 at 100 Hz: 320 ms a burst) times out, exit 7", () => {
    const board = boardWithPl330({ cyclesPerMs: 0.1 });
    try {
      const r = runCli(["dma-test", DMA, "--size", "64k", "--timeout", "100ms"], { env: board.env });
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(
        /^vfio-plat: no completion from 2c0a0000\.dma channel 0 and no progress for 100 ?ms \(iteration 1\/1; channel was \w+, DAR 0x[0-9a-f]{8}, \d+ of 65536 bytes done\); channel killed \(now Stopped\)/,
      );
      const j = JSON.parse(runCli(["dma-test", DMA, "--size", "64k", "--timeout", "100ms", "--json"], { env: board.env }).stdout);
      expect(j.timeout).toMatchObject({ iteration: 1, after_kill: "Stopped" });
      expect(j.timeout.bytes_done).toBeLessThan(65536);
      expect(j.end).toEqual({ reason: "timeout" });
    } finally {
      board.dispose();
    }
  });
});

describe("dma-test mismatch (exit 8) through --inject short-copy and shifted-dst", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  beforeAll(() => expect(runCli(["bind", DMA], { env }).code).toBe(0));
  afterAll(() => state.dispose());

  test("64 KiB: the program stops one 8-byte beat short; the report names offset 65528 and its bytes", () => {
    const r = runCli(["dma-test", DMA, "--size", "64k", "--inject", "short-copy"], { env });
    expect(r.code).toBe(8);
    expect(r.stdout).toContain("(--inject short-copy: copies 65528 of 65536 bytes)");
    // Incrementing pattern: byte 65528 is 0xf8; the destination started as its complement, 0x07.
    expect(r.stderr).toStartWith(
      "vfio-plat: DMA data mismatch on 2c0a0000.dma (iteration 1/1): first difference at offset 65528 (0xfff8): expected 0xf8, got 0x07",
    );
    expect(r.stderr).toContain("— --inject short-copy left the last 8 bytes uncopied: a failed copy, by design\n");
    expect(r.stderr.split("\n").length).toBe(2); // one line
  });

  test("--json: the mismatch record and an end record; 3 bytes (1-byte beats) leave offset 2", () => {
    const r = runCli(["dma-test", DMA, "--size", "3", "--inject", "short-copy", "--json"], { env });
    expect(r.code).toBe(8);
    const j = JSON.parse(r.stdout);
    expect(j.mismatch).toEqual({ iteration: 1, where: "data", offset: 2, expected: "0x02", got: "0xfd" });
    expect(j.results).toEqual([expect.objectContaining({ bytes: 3, verified: false })]);
    expect(j.end).toEqual({ reason: "mismatch" });
    expect(JSON.parse(r.stderr).error).toMatchObject({ exit: 8, code: "VERIFY_FAILED" });
  });

  test("random data, a later iteration: still the first byte not copied", () => {
    const r = runCli(["dma-test", DMA, "--size", "4096", "--pattern", "random", "--iterations", "3", "--inject", "short-copy"], { env });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/first difference at offset 4088 \(0xff8\): expected 0x([0-9a-f]{2}), got 0x[0-9a-f]{2}/);
    const [, want, got] = /expected 0x([0-9a-f]{2}), got 0x([0-9a-f]{2})/.exec(r.stderr)!;
    expect(parseInt(got!, 16)).toBe(~parseInt(want!, 16) & 0xff);
  });

  test("--inject shifted-dst: the copy starts one beat early, into the guard; the guard report wins (exit 8)", () => {
    const r = runCli(["dma-test", DMA, "--size", "64k", "--inject", "shifted-dst"], { env });
    expect(r.code).toBe(8);
    expect(r.stdout).toContain("(--inject shifted-dst: starts 8 bytes before the destination)");
    // Guard byte 248 of 256 is (248 * 7 + 0x5a) & 0xff = 0x22; the source's first byte (incrementing) is 0x00.
    expect(r.stderr).toStartWith(
      "vfio-plat: DMA wrote outside the destination on 2c0a0000.dma (iteration 1/1): guard before byte at offset -8 changed: expected 0x22, got 0x00",
    );
    expect(r.stderr).toContain("— --inject shifted-dst started the copy 8 bytes before the destination: a failed copy, by design\n");
    const j = JSON.parse(runCli(["dma-test", DMA, "--size", "1", "--inject", "shifted-dst", "--json"], { env }).stdout);
    expect(j.mismatch).toEqual({ iteration: 1, where: "guard before", offset: -1, expected: "0x53", got: "0x00" });
  });

  test("a copy of 1 byte cannot be made short: refused before the device is touched (exit 2)", () => {
    const r = runCli(["dma-test", DMA, "--size", "1", "--inject", "short-copy"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--inject short-copy needs at least 2 bytes to copy");
  });
});

describe("dma-test stops on a signal between copies", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  beforeAll(() => expect(runCli(["bind", DMA], { env }).code).toBe(0));
  afterAll(() => state.dispose());

  /** CSR0 of the PL330 as the next process sees it: state 0 = Stopped. */
  const channel0State = () => {
    const r = runCli(["read", DMA, "0:0x100", "--json"], { env });
    expect(r.code).toBe(0);
    return parseInt(JSON.parse(r.stdout).values[0], 16) & 0xf;
  };

  for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${signal} during the iterations: exit ${exit}, the channel stopped, the device free`, async () => {
      const p = spawnCli(["dma-test", DMA, "--size", "1M", "--iterations", "1000000"], env);
      const seen = await readUntil(p.stdout, /iteration 2\/1000000/);
      expect(seen).toContain("iteration 1/1000000: 1048576 bytes");
      p.kill(signal);
      const code = await p.exited;
      const rest = await readUntil(p.stdout, /(?!)/); // to the end of the stream
      const stderr = await new Response(p.stderr).text();
      expect(code).toBe(exit);
      expect(rest).toMatch(new RegExp(`dma-test: interrupted by ${signal} after \\d+ of 1000000 copies; channel 0 stopped, buffers unmapped`));
      expect(stderr).toStartWith(`vfio-plat: interrupted by ${signal}`);
      expect(stderr.split("\n").length).toBe(2); // one line
      expect(channel0State()).toBe(0);
      expect(runCli(["dma-test", DMA, "--size", "4k"], { env }).code).toBe(0);
    });
  }

  test("--json: the document ends with an end record naming the signal and the copies done", async () => {
    const p = spawnCli(["dma-test", DMA, "--size", "1M", "--iterations", "1000000", "--json"], env);
    // --json prints nothing until the end: wait until the device is open (its group's lock), then a little longer.
    const lock = join(state.dir, "locks", "group-4.lock");
    for (let i = 0; i < 300 && !existsSync(lock); i++) await Bun.sleep(50);
    await Bun.sleep(500);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(143);
    const j = JSON.parse(await new Response(p.stdout).text());
    expect(j.end).toMatchObject({ reason: "signal", signal: "SIGTERM", channel_stopped: true });
    expect(j.end.copies_done).toBe(j.results.length);
    expect(j.results.every((r: { verified: boolean }) => r.verified)).toBe(true);
    expect(JSON.parse(await new Response(p.stderr).text()).error).toMatchObject({ exit: 143, code: "SIGTERM" });
    expect(channel0State()).toBe(0);
  });
});
