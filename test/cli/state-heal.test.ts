// Policy (issue 10, item 3): a damaged simulated board gives one line naming the file, what is wrong and the fix, and
// the fix it prints works; a stale lock (empty, of a dead process) is taken over with a notice and the command goes
// on; a live holder is never overridden and is named; doctor reports both kinds of trouble with their fixes.
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";
const boards: { dispose: () => void }[] = [];
afterAll(() => {
  for (const b of boards) b.dispose();
});

/** A fresh board with the PL031 bound (and opened once, so its registers are saved). */
function boundBoard(extra: Record<string, string> = {}) {
  const state = tempSimState();
  boards.push(state);
  const env = simEnv(state.dir, extra);
  const run = (args: string[], more: Record<string, string> = {}): CliResult => runCli(args, { env: { ...env, ...more } });
  expect(run(["bind", PL031]).code).toBe(0);
  expect(run(["read", PL031, "0:0xff0"]).stdout).toBe("0x0000000d\n");
  return { dir: state.dir, env, run };
}

/** The fix command an error line ends with (`... — ... : vfio-plat --sim-state DIR sim-reset`), as argv. */
function fixArgv(line: string): string[] {
  const m = /vfio-plat (--sim-state \S+ sim-reset)\s*$/.exec(line.trim());
  expect(m).not.toBeNull();
  return m![1]!.split(" ");
}

describe("acceptance: an empty board.lock, an empty device lock and an empty board.json", () => {
  test("an empty board.lock: taken over with a notice naming it, and the bind goes through", () => {
    const { dir, run } = boundBoard();
    writeFileSync(join(dir, "board.lock"), "");
    const r = run(["bind", VIRTIO]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`vfio-plat: notice: took over the stale lock ${join(dir, "board.lock")}: it was empty or damaged, naming no holder\n`);
    expect(r.stdout).toContain(`${VIRTIO}: bound to vfio-platform`);
  });

  test("an empty group lock: taken over with a notice, and the device opens", () => {
    const { dir, run } = boundBoard();
    const lock = join(dir, "locks", "group-1.lock");
    writeFileSync(lock, "");
    const r = run(["read", PL031, "0:0xff0"]);
    expect([r.code, r.stdout]).toEqual([0, "0x0000000d\n"]);
    expect(r.stderr).toContain(`stale lock ${lock}`);
    // Taken and released: the next command has nothing to say.
    expect(run(["read", PL031, "0:0xff0"]).stderr).toBe("");
  });

  test("an empty device (cdev) lock: taken over with a notice when the device opens through its cdev", () => {
    const { dir, run } = boundBoard({ VFIO_PLAT_IOMMU_MODE: "iommufd" });
    const lock = join(dir, "locks", `cdev-${PL031}.lock`);
    writeFileSync(lock, "");
    const r = run(["read", PL031, "0:0xff0"]);
    expect([r.code, r.stdout]).toEqual([0, "0x0000000d\n"]);
    expect(r.stderr).toContain(`stale lock ${lock}`);
  });

  test("an empty board.json: one line with the file and the fix; the printed fix works", () => {
    const { dir, run } = boundBoard();
    const file = join(dir, "board.json");
    writeFileSync(file, "");
    const r = run(["list"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toStartWith(`vfio-plat: simulated board state ${file}: is empty`);
    expect(lines[0]).not.toMatch(/JSON Parse|undefined is not|bug in vfio-plat/);
    const fixed = run(fixArgv(lines[0]!));
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("booted afresh");
    const list = run(["list", "--json"]);
    expect(list.code).toBe(0);
    const devices = JSON.parse(list.stdout).devices as { name: string; driver: string | null }[];
    expect(devices.find((d) => d.name === PL031)?.driver).toBe("rtc-pl031");
    // And the board is usable again: bind works.
    expect(run(["bind", PL031]).code).toBe(0);
  });
});

describe("damage found later, and the fix under other conditions", () => {
  test("a register table of the wrong types: found when the device opens, one line, and the fix works", () => {
    const { dir, run } = boundBoard();
    const file = join(dir, "board.json");
    const s = JSON.parse(readFileSync(file, "utf8"));
    expect(s.models[PL031]).toBeDefined();
    s.models[PL031].lr = "twelve";
    writeFileSync(file, JSON.stringify(s));
    // doctor finds it before any device is opened.
    const doctor = run(["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`[FAIL] simulated board state ${file}: saved registers of ${PL031}:`);
    const r = run(["read", PL031, "0:0xff0"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${file}: saved registers of ${PL031}:`);
    expect(r.stderr).toContain("'lr'");
    expect(run(fixArgv(r.stderr)).code).toBe(0);
    expect(run(["bind", PL031]).code).toBe(0);
    expect(run(["read", PL031, "0:0xff0"]).stdout).toBe("0x0000000d\n");
  });

  test("through the VFIO cdev (iommufd mode) too, and the failed open leaves no device lock behind", () => {
    const { dir, run } = boundBoard({ VFIO_PLAT_IOMMU_MODE: "iommufd" });
    const file = join(dir, "board.json");
    const s = JSON.parse(readFileSync(file, "utf8"));
    s.models[PL031].lr = "twelve";
    writeFileSync(file, JSON.stringify(s));
    const r = run(["read", PL031, "0:0xff0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: saved registers of ${PL031}:`);
    expect(readdirSync(join(dir, "locks")).filter((f) => f.startsWith("cdev-"))).toEqual([]);
  });

  test("--json: the error is one JSON line with code STATE_DAMAGED; a stale lock notice is a JSON line too", () => {
    const { dir, run } = boundBoard();
    writeFileSync(join(dir, "locks", "group-1.lock"), "garbage");
    const ok = run(["--json", "read", PL031, "0:0xff0"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stderr.trim()).notice).toEqual({ code: "STALE_LOCK", path: join(dir, "locks", "group-1.lock"), reason: "unreadable", pid: null, outcome: "taken" });
    writeFileSync(join(dir, "board.json"), "[1,2");
    const bad = run(["--json", "list"]);
    expect(bad.code).toBe(1);
    const err = JSON.parse(bad.stderr.trim()).error;
    expect([err.code, err.exit]).toEqual(["STATE_DAMAGED", 1]);
    expect(err.hint).toContain("sim-reset");
  });

  test("sim-reset acts on the simulated board even without --sim, and keeps the board it had", () => {
    const state = tempSimState();
    boards.push(state);
    const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
    expect(runCli(["list"], { env }).code).toBe(0);
    const file = join(state.dir, "board.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), devices: {} })); // damaged, still names its board
    expect(runCli(["list"], { env }).code).toBe(1);
    const r = runCli(["sim-reset"], { env: { ...simEnv(state.dir), VFIO_PLAT_SIM: "0" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("simulated board virt-noiommu booted afresh");
    expect(JSON.parse(readFileSync(join(state.dir, "board.json"), "utf8")).board.name).toBe("virt-noiommu");
  });

  test("a state directory that is a file: the fix says to point the option at a directory", () => {
    const { dir, env } = boundBoard();
    const r = runCli(["list"], { env: { ...env, VFIO_PLAT_SIM_STATE: join(dir, "board.json") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "board.json")}: is a file, not a directory`);
    expect(r.stderr).toContain("point --sim-state (or VFIO_PLAT_SIM_STATE) at one");
  });
});

describe("a live holder is never overridden", () => {
  test("sim-reset while another process has a device open: exit 5 naming it, and the board is untouched", async () => {
    const { dir, env, run } = boundBoard();
    const waiter = spawnCli(["irq", PL031, "0", "--timeout", "20s"], env);
    try {
      await readUntil(waiter.stdout, /armed/);
      const before = readFileSync(join(dir, "board.json"), "utf8");
      const r = run(["sim-reset"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`pid ${waiter.pid}`);
      expect(readFileSync(join(dir, "board.json"), "utf8")).toBe(before);
    } finally {
      waiter.kill("SIGINT");
      await waiter.exited;
    }
  });
});

describe("a wait for the board lock says who it waits for", () => {
  test("a bind behind a process that keeps board.lock: a notice naming it, then the bind completes once it lets go", async () => {
    const { dir, env } = boundBoard();
    const keeper = Bun.spawn([process.execPath, join(import.meta.dir, "../helpers/lock-child.ts"), "hold", join(dir, "board.lock")], {
      stdin: "pipe",
      stdout: "pipe",
    });
    try {
      expect(await readUntil(keeper.stdout, /took \d+/)).toContain(`took ${keeper.pid}`);
      const bind = spawnCli(["bind", VIRTIO], env);
      const said = await readUntil(bind.stderr, /waiting for process \d+/, 60_000);
      expect(said).toContain(`vfio-plat: notice: waiting for process ${keeper.pid}, which holds ${join(dir, "board.lock")}`);
      keeper.stdin.end(); // lets go: the bind goes on
      expect(await bind.exited).toBe(0);
      expect(await new Response(bind.stdout).text()).toContain(`${VIRTIO}: bound to vfio-platform`);
    } finally {
      keeper.kill();
      await keeper.exited;
    }
  }, 60_000);
});

describe("doctor", () => {
  test("reports a damaged board.json (fail, with the reset command) and stale locks (warn), and exits 1", () => {
    const { dir, run } = boundBoard();
    writeFileSync(join(dir, "board.lock"), "");
    writeFileSync(join(dir, "locks", "group-1.lock"), "1 1\n"); // pid 1 runs, but it did not start at tick 1
    writeFileSync(join(dir, "board.json"), '{"version": 1');
    const r = run(["doctor"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[FAIL] simulated board state ${join(dir, "board.json")}: ends in the middle of its JSON (truncated)`);
    expect(r.stdout).toContain(`fix: reset the simulated board`);
    expect(r.stdout).toContain(`[warn] stale lock ${join(dir, "board.lock")}: it was empty or damaged`);
    expect(r.stdout).toContain(`[warn] stale lock ${join(dir, "locks", "group-1.lock")}: its holder is gone; pid 1 now runs another process`);
    // doctor changes nothing: the locks are still there for the next command to take over.
    expect(readFileSync(join(dir, "board.lock"), "utf8")).toBe("");
  });

  test("a sound board: one ok line for its state, and the machine checks follow", () => {
    const { dir, run } = boundBoard();
    const r = run(["doctor"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(`[ok]   simulated board state in ${dir} is sound`);
    expect(r.stdout).toContain("VFIO is available");
  });
});
