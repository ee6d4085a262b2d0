// `vfio-plat watch` as a user runs it on the simulated board: on a pipe one line per sample (--count ends it with 0),
// with --json one object per sample whose `changed` is exactly the bits that differ from the sample before, and on a
// terminal (a pseudo-terminal from script(1)) a frame redrawn in place, the changed digits in inverse video (or, with
// NO_COLOR, only named in words). RTCDR is the PL031's seconds counter on the board clock: it changes every second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAIN, REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir);
const script = Bun.which("script");

beforeAll(() => {
  const r = runCli(["bind", PL031], { env });
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

test("on a pipe: --count 3 gives three lines, exit 0; each names every address; RTCDR counts on", () => {
  const r = runCli(["watch", PL031, "RTCDR", "RTCCR.RTC_START", "0:0xfe0.b", "--count", "3", "--interval", "1100ms"], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines.length).toBe(3);
  const rtcdr = lines.map((l) => {
    const m = /^(\S+Z) RTCDR=(0x[0-9a-f]{8}) RTCCR\.RTC_START=0x1 0:0x00000fe0\.b=0x31$/.exec(l);
    expect(m).not.toBeNull();
    expect(Number.isNaN(Date.parse(m![1]!))).toBe(false);
    return Number(m![2]);
  });
  // 1.1 s apart: the seconds counter moves on between every two samples.
  expect(rtcdr[1]!).toBeGreaterThan(rtcdr[0]!);
  expect(rtcdr[2]!).toBeGreaterThan(rtcdr[1]!);
  // The register PeriphID0 (0x31) read matches what `read` says.
  expect(runCli(["read", PL031, "0:0xfe0.b"], { env }).stdout.trim()).toBe("0x31");
});

test("--json: one object per sample, the first with \"schema\": 1; `changed` is the xor of two samples' values (null in the first)", () => {
  const r = runCli(["--json", "watch", PL031, "RTCDR", "--count", "3", "--interval", "1100ms"], { env });
  expect(r.code).toBe(0);
  const docs = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; sample: number; device: string; values: { register: string; value: string; changed: string | null }[] });
  expect(docs.map((d) => [d.type, d.sample, d.device])).toEqual([
    ["sample", 1, PL031],
    ["sample", 2, PL031],
    ["sample", 3, PL031],
  ]);
  // A JSON Lines stream like irq's and run's: the version comes with the first record, once.
  expect(docs.map((d) => (d as { schema?: number }).schema)).toEqual([1, undefined, undefined]);
  expect(docs[0]!.values[0]).toMatchObject({ register: "RTCDR", region: 0, offset: "0x0", width: 32, changed: null });
  for (let i = 1; i < docs.length; i++) {
    const xor = BigInt(docs[i]!.values[0]!.value) ^ BigInt(docs[i - 1]!.values[0]!.value);
    expect(docs[i]!.values[0]!.changed).toBe(`0x${xor.toString(16)}`);
    expect(xor).not.toBe(0n);
  }
});

describe.skipIf(!script)(`on a terminal (a pseudo-terminal from script(1))${script ? "" : " (skipped: no script(1) from util-linux)"}`, () => {
  const onTty = (args: string[], extra: Record<string, string>) => {
    const cmd = [process.execPath, MAIN, ...args].map((a) => `'${a}'`).join(" ");
    const r = Bun.spawnSync([script!, "-qec", cmd, "/dev/null"], { cwd: REPO, env: { ...env, TERM: "xterm", ...extra }, stdout: "pipe", stderr: "pipe" });
    return { code: r.exitCode, out: r.stdout.toString() };
  };

  test("--color: the frame is redrawn in place and the changed digits are in inverse video, and named", () => {
    const r = onTty(["watch", PL031, "RTCDR", "RTCCR", "--count", "3", "--interval", "1100ms", "--color"], {});
    expect(r.code).toBe(0);
    // Three frames of three lines: the second and third go back up over the one before.
    expect(r.out.split("\x1b[3F").length).toBe(3);
    expect(r.out).toContain("sample 3/3");
    const frames = r.out.split("\x1b[3F");
    expect(frames[0]).not.toContain("\x1b[7m");
    for (const f of frames.slice(1)) {
      const row = f.split(/\r?\n/).find((l) => l.includes("RTCDR"))!;
      expect(row).toContain("\x1b[7m");
      expect(row).toMatch(/bits? [0-9, ]+ changed/);
      // RTCCR stays 1: nothing of it is marked.
      expect(f.split(/\r?\n/).find((l) => l.includes("RTCCR"))).not.toContain("\x1b[7m");
    }
  }, 30_000);

  test("NO_COLOR: redrawn in place all the same, the changed bits only in words", () => {
    const r = onTty(["watch", PL031, "RTCDR", "--count", "2", "--interval", "1100ms"], { NO_COLOR: "1" });
    expect(r.code).toBe(0);
    expect(r.out).toContain("\x1b[2F");
    expect(r.out).not.toContain("\x1b[7m");
    expect(r.out).toMatch(/RTCDR +0x[0-9a-f]{8} +[01 ]+ +bits? [0-9, ]+ changed/);
  }, 30_000);
});

test("`watch ... | head -1`: the reader leaves, watch ends at its next sample (exit 0) and lets go of the device", () => {
  const cmd = `'${process.execPath}' '${MAIN}' watch ${PL031} RTCDR --interval 200ms | head -1; echo "watch=\${PIPESTATUS[0]}"`;
  const r = Bun.spawnSync(["bash", "-c", cmd], { cwd: REPO, env, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const out = r.stdout.toString();
  expect(out).toMatch(/^\S+Z RTCDR=0x[0-9a-f]{8}\nwatch=0\n$/);
  expect(r.stderr.toString()).toBe("");
  const again = runCli(["read", PL031, "RTCDR"], { env });
  expect(again.stderr).toBe(""); // no stale lock taken over: the session was closed
  expect(again.code).toBe(0);
});
