// A FIFO where a state file belongs (board.json, board.lock, a group lock, a bind journal) must not hang a command:
// open(2) of a FIFO for reading waits for a writer, no JS signal handler runs meanwhile, and only SIGKILL would end
// it. Each case runs the real CLI under a deadline (a hang is SIGKILLed and fails the test) and checks the answer.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { MAIN, REPO, type CliResult, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const DEADLINE_MS = 20_000;

/** Run the CLI, SIGKILLed after DEADLINE_MS (a hang shows as code -1 with signal SIGKILL). */
function runBounded(args: string[], env: Record<string, string>): CliResult & { killed: boolean } {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd: REPO, env, stdout: "pipe", stderr: "pipe", timeout: DEADLINE_MS, killSignal: "SIGKILL" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString(), killed: r.signalCode === "SIGKILL" };
}

function mkfifo(path: string): void {
  rmSync(path, { force: true, recursive: true });
  expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
  expect(statSync(path).isFIFO()).toBe(true);
}

let state = tempSimState();
afterEach(() => {
  state.dispose();
  state = tempSimState();
});

function bound(): Record<string, string> {
  const env = simEnv(state.dir);
  const r = runBounded(["bind", PL031], env);
  expect(r.code).toBe(0);
  return env;
}

describe.skipIf(!Bun.which("mkfifo"))("a FIFO in the simulated board's state directory (skipped without mkfifo)", () => {
  test("board.lock: taken over as damaged, with a notice; the command works", () => {
    const env = bound();
    mkfifo(join(state.dir, "board.lock"));
    const r = runBounded(["read", PL031, "0:0xff0"], env);
    expect(r.killed).toBe(false);
    expect([r.code, r.stdout]).toEqual([0, "0x0000000d\n"]);
    expect(r.stderr).toContain("board.lock");
  });

  test("a group lock: taken over as damaged; the device opens", () => {
    const env = bound();
    mkdirSync(join(state.dir, "locks"), { recursive: true });
    mkfifo(join(state.dir, "locks", "group-1.lock"));
    const r = runBounded(["read", PL031, "0:0xff0"], env);
    expect(r.killed).toBe(false);
    expect([r.code, r.stdout]).toEqual([0, "0x0000000d\n"]);
  });

  test("board.json: one line naming it (exit 1), and sim-reset, the documented fix, does not hang either", () => {
    const env = bound();
    mkfifo(join(state.dir, "board.json"));
    const r = runBounded(["list"], env);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("board.json");
    expect(r.stderr).toContain("STATE_DAMAGED");
    const fix = runBounded(["sim-reset"], env);
    expect(fix.killed).toBe(false);
    expect(fix.code).toBe(0);
    expect(statSync(join(state.dir, "board.json")).isFile()).toBe(true);
    expect(runBounded(["list", "--names"], env).stdout).toContain(PL031);
  });

  test("a bind journal: the next unbind and doctor answer instead of waiting for a writer", () => {
    const env = bound();
    const journal = join(state.dir, "host", "bindings", `amba-${PL031}.journal`);
    expect(existsSync(join(state.dir, "host", "bindings"))).toBe(true);
    mkfifo(journal);
    const doctor = runBounded(["doctor", PL031], env);
    expect(doctor.killed).toBe(false);
    const unbind = runBounded(["unbind", PL031], env);
    expect(unbind.killed).toBe(false);
    expect(unbind.code).toBe(0);
    expect(runBounded(["list", "--json"], env).stdout).toContain('"driver":"rtc-pl031"');
  });
});
