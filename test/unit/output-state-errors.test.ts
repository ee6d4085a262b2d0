// Policy: damaged simulated-board state maps to exit 1, code STATE_DAMAGED and a fix that is a command the shell can
// run as printed (the state directory quoted when it needs it), or, for a state "directory" that is a file, the advice
// to point the option at a directory; a board lock kept by a live process is exit 5 naming it; a stale-lock notice is
// one line (or one JSON line) saying what became of the lock and why it was stale.
import { describe, expect, test } from "bun:test";
import { describeError } from "../../src/cli/output/errors.ts";
import { lockWaitNotice, staleLockNotice } from "../../src/cli/output/notices.ts";
import { StateDamagedError, StateLockedError } from "../../src/sim/state/state-errors.ts";

describe("StateDamagedError", () => {
  test("exit 1, STATE_DAMAGED, the file and what is wrong, and the reset command", () => {
    const d = describeError(new StateDamagedError("/tmp/b/board.json", "empty", "is empty", "/tmp/b"));
    expect([d.exit, d.code]).toEqual([1, "STATE_DAMAGED"]);
    expect(d.line).toStartWith("vfio-plat: simulated board state /tmp/b/board.json: is empty");
    expect(d.hint).toBe("reset the simulated board (it boots afresh; its bindings and registers are lost): vfio-plat --sim-state /tmp/b sim-reset");
    expect(d.line).toEndWith(` — ${d.hint}`);
    expect(d.json.error.code).toBe("STATE_DAMAGED");
  });

  test("a state directory that needs quoting is quoted so the printed command runs as is", () => {
    const d = describeError(new StateDamagedError("/tmp/my board's/board.json", "not-json", "is not valid JSON", "/tmp/my board's"));
    expect(d.hint).toEndWith(`vfio-plat --sim-state '/tmp/my board'\\''s' sim-reset`);
    const echo = Bun.spawnSync(["sh", "-c", `printf %s ${d.hint!.split(": vfio-plat --sim-state ")[1]!.replace(/ sim-reset$/, "")}`]);
    expect(echo.stdout.toString()).toBe("/tmp/my board's");
  });

  test("a state directory that is a file: point the option at a directory (a reset cannot help)", () => {
    const d = describeError(new StateDamagedError("/etc/passwd", "not-a-directory", "is a file, not a directory", "/etc/passwd"));
    expect(d.exit).toBe(1);
    expect(d.hint).toContain("point --sim-state (or VFIO_PLAT_SIM_STATE) at one");
    expect(d.hint).not.toContain("sim-reset");
    // Inside the state directory, a file where locks/ belongs is healed by a reset.
    const inner = describeError(new StateDamagedError("/tmp/b/locks", "not-a-directory", "is a file, not a directory", "/tmp/b"));
    expect(inner.hint).toContain("sim-reset");
  });
});

describe("StateLockedError", () => {
  test("exit 5 naming the live holder", () => {
    const d = describeError(new StateLockedError("/tmp/b/board.lock", 4242));
    expect([d.exit, d.code]).toEqual([5, "BUSY"]);
    expect(d.line).toContain("/tmp/b/board.lock is held by pid 4242");
    expect(d.hint).toContain("kill 4242");
  });
});

describe("stale-lock notices", () => {
  test("text: what became of the lock, and why it was stale", () => {
    expect(staleLockNotice({ path: "/b/locks/group-1.lock", reason: "dead", holder: { pid: 7, start: "1" }, outcome: "taken" }, false)).toBe(
      "vfio-plat: notice: took over the stale lock /b/locks/group-1.lock: its holder, pid 7, is gone\n",
    );
    expect(staleLockNotice({ path: "/b/board.lock", reason: "reused", holder: { pid: 7, start: "1" }, outcome: "cleared" }, false)).toBe(
      "vfio-plat: notice: removed the stale lock /b/board.lock: its holder is gone; pid 7 now runs another process\n",
    );
    expect(staleLockNotice({ path: "/b/board.lock", reason: "unreadable", outcome: "taken" }, false)).toContain("empty or damaged, naming no holder");
  });

  test("--json: one JSON line", () => {
    const line = staleLockNotice({ path: "/b/board.lock", reason: "dead", holder: { pid: 9, start: "3" }, outcome: "taken" }, true);
    expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({ notice: { code: "STALE_LOCK", path: "/b/board.lock", reason: "dead", pid: 9, outcome: "taken" } });
  });
});

describe("lock-wait notices", () => {
  test("text names the holder and the lock; JSON is one line", () => {
    expect(lockWaitNotice("/b/board.lock", 77, false)).toBe("vfio-plat: notice: waiting for process 77, which holds /b/board.lock (stopped? this gives up after 10 s)\n");
    expect(JSON.parse(lockWaitNotice("/b/board.lock", 77, true))).toEqual({ notice: { code: "LOCK_WAIT", path: "/b/board.lock", pid: 77 } });
  });
});
