// Progress for long work: drawn on a terminal only, after a delay, at most every interval, erased at the end; never
// drawn into a pipe or with --json. The CLI half checks a large `read` dump through pipes leaves stderr empty, and on
// a pseudo-terminal (script(1)) that the dump's data is untouched by any progress line.
import { afterAll, describe, expect, test } from "bun:test";
import { startProgress, type ProgressSink } from "../../src/cli/output/progress.ts";
import { MAIN, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

function fakeSink(isTTY: boolean): ProgressSink & { text: string } {
  const s = { isTTY, text: "", write: (t: string) => void (s.text += t) };
  return s;
}

describe("startProgress", () => {
  test("on a terminal: nothing before the delay, then throttled redraws, then erased", () => {
    let now = 0;
    const sink = fakeSink(true);
    const p = startProgress({ label: "reading x", total: 1000, unit: "registers", enabled: true, sink, delayMs: 300, intervalMs: 100, now: () => now });
    now = 100;
    p.update(100);
    expect(sink.text).toBe("");
    now = 400;
    p.update(400);
    expect(sink.text).toBe("\rreading x: 400/1000 registers (40%)\x1b[K");
    now = 450;
    p.update(450); // within the interval: no redraw
    expect(sink.text.split("\r").length).toBe(2);
    now = 520;
    p.update(1000);
    expect(sink.text.endsWith("\rreading x: 1000/1000 registers (100%)\x1b[K")).toBe(true);
    p.end();
    expect(sink.text.endsWith("\r\x1b[K")).toBe(true);
    const len = sink.text.length;
    p.end();
    p.update(1000);
    expect(sink.text.length).toBe(len);
  });

  test("quick work leaves no trace: end() erases only what was drawn", () => {
    const sink = fakeSink(true);
    const p = startProgress({ label: "x", total: 10, unit: "u", enabled: true, sink, now: () => 0 });
    p.update(10);
    p.end();
    expect(sink.text).toBe("");
  });

  test("never into a pipe, never with --json", () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const sink = fakeSink(isTTY);
      let now = 0;
      const p = startProgress({ label: "x", total: 10, unit: "u", enabled, sink, delayMs: 0, intervalMs: 0, now: () => now });
      for (let i = 1; i <= 10; i++) {
        now += 1000;
        p.update(i);
      }
      p.end();
      expect(sink.text).toBe("");
    }
  });
});

describe("read dumps", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  test("a whole-region dump through pipes: data on stdout, nothing on stderr, with and without --json", () => {
    expect(runCli(["bind", "9010000.pl031"], { env }).code).toBe(0);
    const r = runCli(["read", "9010000.pl031", "0:0x0", "1024"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n").length).toBe(256); // 4 registers per line
    const j = runCli(["read", "9010000.pl031", "0:0x0", "1024", "--json"], { env });
    expect(j.stderr).toBe("");
    expect(JSON.parse(j.stdout).values.length).toBe(1024);
  });

  test("a dump that would run past the region is refused before the first access", () => {
    const r = runCli(["read", "9010000.pl031", "0:0xff0", "8"], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });

  const script = Bun.which("script");
  test.skipIf(!script)("on a terminal (script(1)) the dump's lines are intact (skipped without script)", () => {
    const cmd = `'${process.execPath}' '${MAIN}' read 9010000.pl031 0:0xfe0 8`;
    const r = Bun.spawnSync([script!, "-qec", cmd, "/dev/null"], { env, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const out = r.stdout.toString().replace(/\r/g, "");
    expect(out).toContain("00000fe0: 00000031 00000010 00000014 00000000");
    expect(out).not.toContain("registers (");
  });
});

// The whole path on a real terminal: `script` gives the CLI a pseudo-terminal, so process.stderr.isTTY is true there.
const script = Bun.which("script");
describe.skipIf(!script)("on a real pseudo-terminal (skipped: util-linux `script` not installed)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  /** Run the CLI under `script`, which puts stdin/stdout/stderr on one pty; returns everything the terminal saw. */
  function onTerminal(args: string[]): { exit: number; screen: string } {
    const cmd = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const r = Bun.spawnSync([script!, "-qefc", cmd, "/dev/null"], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    return { exit: r.exitCode ?? -1, screen: r.stdout.toString() + r.stderr.toString() };
  }

  test("dma-test draws its progress line on the terminal and erases it; --json on a terminal draws none", () => {
    expect(runCli(["bind", "2c0a0000.dma"], { env }).code).toBe(0);
    const shown = onTerminal(["dma-test", "2c0a0000.dma", "--size", "1M", "--iterations", "40"]);
    expect(shown.exit).toBe(0);
    expect(shown.screen).toMatch(/\rdma-test: \d+\/40 copies \(\d+%\)\x1b\[K/);
    expect(shown.screen).toContain("\r\x1b[K");
    const quiet = onTerminal(["dma-test", "2c0a0000.dma", "--size", "1M", "--iterations", "40", "--json"]);
    expect(quiet.exit).toBe(0);
    expect(quiet.screen).not.toContain("copies (");
    expect(JSON.parse(quiet.screen.replace(/\r\n/g, "\n")).iterations).toBe(40);
  });
});
