// Policy: two processes binding or unbinding the same device get clear answers, never a raw sysfs errno. The device's
// journal is its transaction lock: the second waits for the first, then finds the work done and says by whom
// ("already bound (by pid N)", "already unbound (by pid N)"), exit 0. Real child processes: one is held inside its
// transaction by the test hook (stopped after write 1) while the other arrives, then released; and free races.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState("vfio-plat-concurrency-");
const env = simEnv(state.dir);
afterAll(() => state.dispose());

function journals(): string[] {
  const d = join(state.dir, "host", "bindings");
  return existsSync(d) ? readdirSync(d).filter((f) => f.includes(".journal")) : [];
}

function driverOf(name: string): string | null {
  const list = JSON.parse(runCli(["list", "--json"], { env }).stdout) as { devices: { name: string; driver: string | null }[] };
  return list.devices.find((d) => d.name === name)!.driver;
}

/** The rest of a stream (it may have been read from already). */
async function rest(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += dec.decode(value);
  }
}

async function finish(p: ReturnType<typeof spawnCli>, stderrSoFar = "") {
  const [stdout, stderr] = await Promise.all([rest(p.stdout), rest(p.stderr)]);
  return { code: await p.exited, stdout, stderr: stderrSoFar + stderr };
}

/** Start `first` held inside its transaction (stopped after write 1), run `second` against it, then release `first`. */
async function collide(first: string[], second: string[]) {
  const a = spawnCli(first, { ...env, VFIO_PLAT_TEST_PAUSE_AT: "1" });
  const held = await readUntil(a.stderr, /test hook: paused after write 1/);
  expect(held).toContain("paused after write 1");
  const b = spawnCli(second, env);
  // b meets a's journal and waits (it says so) while a is held.
  const waiting = await readUntil(b.stderr, /waiting for process \d+/);
  expect(waiting).toContain(`waiting for process ${a.pid}: its ${first[0]} of ${PL031} is in progress`);
  expect(b.exitCode).toBeNull();
  await waitStopped(a.pid);
  process.kill(a.pid, "SIGCONT");
  const [ra, rb] = await Promise.all([finish(a, held), finish(b, waiting)]);
  return { a: ra, b: rb, pid: a.pid };
}

describe("a second bind/unbind of a device waits for the first and says who did it", () => {
  test("bind vs bind: the loser is told 'already bound (by pid N)', exit 0", async () => {
    const { a, b, pid } = await collide(["bind", PL031], ["bind", PL031]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`${PL031}: bound to vfio-amba (was rtc-pl031)`);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain(`${PL031} is already bound to vfio-amba (/dev/vfio/1) (by pid ${pid})`);
    expect(driverOf(PL031)).toBe("vfio-amba");
    expect(journals()).toEqual([]);
  }, 60000);

  test("unbind vs unbind: 'already unbound (by pid N)', exit 0, never ENODEV", async () => {
    const { a, b, pid } = await collide(["unbind", PL031], ["unbind", PL031]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("unbound from vfio-amba, back on rtc-pl031");
    expect(b.code).toBe(0);
    expect(b.stderr).toContain(`${PL031} is already unbound (by pid ${pid}), driver rtc-pl031: nothing to do`);
    expect(b.stderr).not.toMatch(/ENODEV|ENOENT/);
    expect(driverOf(PL031)).toBe("rtc-pl031");
  }, 60000);

  test("bind --json vs bind --json: by_pid names the winner", async () => {
    const { b, pid } = await collide(["bind", PL031], ["bind", PL031, "--json"]);
    expect(JSON.parse(b.stdout)).toMatchObject({ outcome: "already", by_pid: pid, driver: "vfio-amba", recovered: null });
    // With --json the wait notice is a JSON line too.
    expect(JSON.parse(b.stderr.trim().split("\n")[0]!)).toMatchObject({ waiting_for_pid: pid });
    expect(runCli(["unbind", PL031], { env }).code).toBe(0);
  }, 60000);

  test("bind vs unbind: the unbind runs after the bind, on the device as the bind left it", async () => {
    const { a, b } = await collide(["bind", PL031], ["unbind", PL031]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("unbound from vfio-amba, back on rtc-pl031");
    expect(driverOf(PL031)).toBe("rtc-pl031");
    expect(journals()).toEqual([]);
  }, 60000);
});

describe("a wait for another process's transaction stops at a signal", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${sig} while waiting: exit ${code}, the device and the other transaction untouched`, async () => {
      const a = spawnCli(["bind", PL031], { ...env, VFIO_PLAT_TEST_PAUSE_AT: "1" });
      const held = await readUntil(a.stderr, /test hook: paused after write 1/);
      expect(held).toContain("paused after write 1");
      const b = spawnCli(["unbind", PL031], env);
      expect(await readUntil(b.stderr, /waiting for process \d+/)).toContain(`waiting for process ${a.pid}`);
      b.kill(sig);
      expect(await b.exited).toBe(code);
      expect(journals()).toHaveLength(1); // a's, still in progress
      await waitStopped(a.pid);
      process.kill(a.pid, "SIGCONT");
      expect((await finish(a, held)).code).toBe(0);
      expect(driverOf(PL031)).toBe("vfio-amba");
      expect(runCli(["unbind", PL031], { env }).code).toBe(0);
    }, 60000);
  }
});

describe("free races", () => {
  test("8 rounds of two binds then two unbinds at once: one does the work, the other is told; no raw errno", async () => {
    for (let round = 0; round < 8; round++) {
      for (const op of ["bind", "unbind"] as const) {
        const rs = await Promise.all([finish(spawnCli([op, PL031], env)), finish(spawnCli([op, PL031], env))]);
        const where = `round ${round} ${op}: ${JSON.stringify(rs)}`;
        for (const r of rs) {
          expect(r.code, where).toBe(0);
          expect(r.stderr, where).not.toMatch(/ENODEV|ENOENT|EINVAL|EBUSY/);
        }
        const did = rs.filter((r) => (op === "bind" ? /bound to vfio-amba/ : /unbound from vfio-amba/).test(r.stdout));
        const told = rs.filter((r) => (op === "bind" ? /is already bound/ : /already unbound|is not bound to VFIO/).test(r.stderr));
        expect(did.length, where).toBe(1);
        expect(told.length, where).toBe(1);
        expect(driverOf(PL031)).toBe(op === "bind" ? "vfio-amba" : "rtc-pl031");
        expect(journals()).toEqual([]);
      }
    }
  }, 300000);
});
