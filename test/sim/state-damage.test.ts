// Policy: every kind of damage to a simulated board's state (board.json empty, cut short, not JSON, not an object, of
// another version, of the wrong shape; a directory or file where the other belongs; board.json gone beside a board's
// records) is a StateDamagedError naming the file and the problem, never a JavaScript error or a silently different
// board; and resetBoard() (what `vfio-plat sim-reset` runs) brings every one of them back to a booted board.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS } from "../../src/sim/boards/index.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { inspectState } from "../../src/sim/state/state-check.ts";
import { StateDamagedError, StateLockedError, type StateProblem } from "../../src/sim/state/state-errors.ts";
import { resetBoard } from "../../src/sim/state/state-reset.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A booted board in a fresh directory, and the text of its good board.json. */
function board(spec = VIRT): { dir: string; file: string; good: string } {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-damage-"));
  dirs.push(dir);
  const store = new StateStore(dir);
  store.ensure(spec);
  return { dir, file: store.file, good: readFileSync(store.file, "utf8") };
}

/** board.json's object with `edit` applied. */
function edited(good: string, edit: (s: Record<string, any>) => void): string {
  const s = JSON.parse(good) as Record<string, any>;
  edit(s);
  return JSON.stringify(s);
}

function damageOf(fn: () => unknown): StateDamagedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StateDamagedError) return e;
    throw new Error(`expected StateDamagedError, got ${String(e)}`);
  }
  throw new Error("expected StateDamagedError, got no error");
}

const PL031 = "9010000.pl031";

// [what, new board.json text from the good one, problem, a fragment of the detail]
const TEXT_DAMAGE: [string, (good: string) => string, StateProblem, string][] = [
  ["empty", () => "", "empty", "is empty"],
  ["only whitespace", () => " \n", "empty", "is empty"],
  ["cut short", (g) => g.slice(0, g.length >> 1), "not-json", "truncated"],
  ["not JSON", () => "hello}", "not-json", "not valid JSON"],
  ["text, not JSON at all", () => "hello world", "not-json", "not valid JSON"],
  ["null", () => "null", "not-object", "holds null"],
  ["an array", () => "[]", "not-object", "holds an array"],
  ["a number", () => "42", "not-object", "holds a number"],
  ["version 2", (g) => edited(g, (s) => (s.version = 2)), "version", "version 2"],
  ["no version", (g) => edited(g, (s) => delete s.version), "version", "version"],
  ["an empty device table", (g) => edited(g, (s) => (s.devices = {})), "shape", "device table (devices) is empty"],
  ["a device table that is a list", (g) => edited(g, (s) => (s.devices = [])), "shape", "devices is an array"],
  ["a device missing from the table", (g) => edited(g, (s) => delete s.devices[PL031]), "shape", `devices["${PL031}"] is missing`],
  ["a device the board lacks", (g) => edited(g, (s) => (s.devices["ghost.dev"] = {})), "shape", `"ghost.dev"`],
  ["a board without devices", (g) => edited(g, (s) => (s.board.devices = [])), "shape", "board.devices is empty"],
  ["no board", (g) => edited(g, (s) => delete s.board), "shape", "board is missing"],
  ["a device of an unknown model", (g) => edited(g, (s) => (s.board.devices[0].model = "z80")), "shape", `model "z80"`],
  ["a huge vfio index", (g) => edited(g, (s) => (s.devices[PL031].vfioIndex = 1e300)), "shape", "vfioIndex is 1e+300"],
  [
    "two devices with one VFIO index",
    (g) => edited(g, (s) => Object.values(s.devices as Record<string, { vfioIndex?: number }>).forEach((d) => (d.vfioIndex = 0))),
    "shape",
    "vfioIndex 0 is also that of",
  ],
  ["a driver that is a number", (g) => edited(g, (s) => (s.devices[PL031].driver = 7)), "shape", "driver is a number"],
  ["a driver name with an escape sequence", (g) => edited(g, (s) => (s.devices[PL031].driver = "rtc\u001b]0;pwn\u0007")), "shape", "not a driver name"],
  ["an override that is no driver name", (g) => edited(g, (s) => (s.devices[PL031].override = "vfio amba")), "shape", "override is \"vfio amba\", not a driver name"],
  ["a negative node owner", (g) => edited(g, (s) => (s.nodeOwners["/dev/vfio/1"] = { uid: -1, gid: 0 })), "shape", "uid is -1"],
  ["a parameter that is not a string", (g) => edited(g, (s) => (s.params["vfio.x"] = true)), "shape", "params"],
  ["a kernel log that is not a list", (g) => edited(g, (s) => (s.kmsg = "x")), "shape", "kmsg is a string"],
  ["a kernel log record of the wrong form", (g) => edited(g, (s) => s.kmsg.push("garbage")), "shape", 'kmsg[0] is "garbage"'],
  ["a parameter the kernel reads, of the wrong form", (g) => edited(g, (s) => (s.params["vfio_iommu_type1.dma_entry_limit"] = "lots")), "shape", '"lots", expected a decimal count'],
  ["a bool parameter that is not Y or N", (g) => edited(g, (s) => (s.params["vfio.enable_unsafe_noiommu_mode"] = "maybe")), "shape", "expected Y or N"],
  ["a bad address tag", (g) => edited(g, (s) => (s.board.devices[0].regions[0].base = { $bigint: "zz" })), "shape", "base is an object"],
  ["a register table that is not an object", (g) => edited(g, (s) => (s.models[PL031] = 5)), "shape", "models"],
  ["an escape sequence in a key", (g) => edited(g, (s) => (s.devices["\u001b[2J"] = {})), "shape", "\\u001b[2J"],
];

describe("damaged board.json", () => {
  for (const [what, damage, problem, says] of TEXT_DAMAGE) {
    test(`${what}: ${problem}, named, and reset heals it`, () => {
      const { dir, file, good } = board();
      writeFileSync(file, damage(good));
      const err = damageOf(() => new StateStore(dir).read());
      expect([err.file, err.problem, err.stateDir]).toEqual([file, problem, dir]);
      expect(err.detail).toContain(says);
      expect(err.message).not.toMatch(/undefined is not|JSON Parse error|evaluating/);
      // update() (the write path) refuses it too, and writes nothing.
      const before = readFileSync(file, "utf8");
      expect(damageOf(() => new StateStore(dir).update(() => undefined)).problem).toBe(problem);
      expect(readFileSync(file, "utf8")).toBe(before);
      // doctor's inspection reports the same damage.
      expect(inspectState(dir).map((i) => (i.kind === "damaged" ? i.error.problem : i.kind))).toEqual([problem]);
      resetBoard(dir);
      expect(new StateStore(dir).read().devices[PL031]?.driver).toBe("rtc-pl031");
      expect(inspectState(dir)).toEqual([]);
    });
  }

  test("a board.json of 65 MB is refused from its size, unread", () => {
    const { dir, file } = board();
    writeFileSync(file, "");
    truncateSync(file, 65 * 1024 * 1024); // sparse: no 65 MB written
    const err = damageOf(() => new StateStore(dir).read());
    expect([err.problem, err.detail]).toEqual(["shape", "is 68157440 bytes, far more than a board's state (at most 64 MiB)"]);
  });

  test("damage after a good read is seen by the same store (the cache does not hide it)", () => {
    const { dir, file } = board();
    const store = new StateStore(dir);
    expect(store.read().version).toBe(1);
    writeFileSync(file, "");
    expect(damageOf(() => store.read()).problem).toBe("empty");
  });
});

describe("the wrong file type, or board.json gone", () => {
  test("a directory named board.json: not-a-file; reset replaces it", () => {
    const { dir, file } = board();
    rmSync(file);
    mkdirSync(file);
    expect(damageOf(() => new StateStore(dir).ensure(VIRT)).problem).toBe("not-a-file");
    resetBoard(dir);
    expect(new StateStore(dir).read().board.name).toBe("virt");
  });

  test("a state directory that is a file: not-a-directory, for the store and for reset, and the file is kept", () => {
    const { dir } = board();
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "mine");
    const err = damageOf(() => new StateStore(file));
    expect([err.file, err.problem]).toEqual([file, "not-a-directory"]);
    expect(damageOf(() => resetBoard(file)).problem).toBe("not-a-directory");
    expect(readFileSync(file, "utf8")).toBe("mine");
  });

  test("host/ that is a file: not-a-directory; reset replaces it", () => {
    const { dir } = board();
    writeFileSync(join(dir, "host"), "");
    expect(damageOf(() => new StateStore(dir)).file).toBe(join(dir, "host"));
    resetBoard(dir);
    expect(new StateStore(dir).read().board.name).toBe("virt");
  });

  test("locks/ that is a file: not-a-directory; reset replaces it", () => {
    const { dir } = board();
    rmSync(join(dir, "locks"), { recursive: true });
    writeFileSync(join(dir, "locks"), "");
    expect(damageOf(() => new StateStore(dir)).problem).toBe("not-a-directory");
    resetBoard(dir);
    expect(new StateStore(dir).read().board.name).toBe("virt");
  });

  test("board.json gone from a fresh directory: a board boots (a new board, not damage)", () => {
    const { dir, file } = board();
    rmSync(file);
    new StateStore(dir).ensure(VIRT);
    expect(new StateStore(dir).read().devices[PL031]?.driver).toBe("rtc-pl031");
  });

  test("board.json gone beside bind records or locks: damage naming them; reset clears them", () => {
    for (const leave of [join("host", "bindings", "amba-9010000.pl031.json"), join("locks", "group-1.lock")]) {
      const { dir, file } = board();
      mkdirSync(join(dir, leave, ".."), { recursive: true });
      writeFileSync(join(dir, leave), "{}");
      rmSync(file);
      const err = damageOf(() => new StateStore(dir).ensure(VIRT));
      expect(err.problem).toBe("missing");
      expect(err.detail).toContain(leave.replace(/\\/g, "/"));
      const r = resetBoard(dir);
      expect(r.removed).toContain(leave.startsWith("host") ? "host" : join("locks", "group-1.lock"));
      expect(new StateStore(dir).read().board.name).toBe("virt");
    }
  });

  test("empty folders bind leaves behind are no records: a board boots", () => {
    const { dir, file } = board();
    mkdirSync(join(dir, "host", "bindings"), { recursive: true });
    rmSync(file);
    new StateStore(dir).ensure(VIRT);
    expect(new StateStore(dir).read().board.name).toBe("virt");
  });
});

describe("resetBoard", () => {
  test("keeps the board the state named, and files the board does not own", () => {
    const { dir, file, good } = board(BOARDS["virt-noiommu"]!);
    writeFileSync(join(dir, "notes.txt"), "mine");
    writeFileSync(file, edited(good, (s) => (s.devices = {}))); // damaged, but it still names its board
    const r = resetBoard(dir);
    expect(r.board).toBe("virt-noiommu");
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(new StateStore(dir).read().board.name).toBe("virt-noiommu");
  });

  test("clears what killed lock takers left (temp files, a break guard of a dead process), keeps a live one's", () => {
    const { dir } = board();
    const dead = Bun.spawnSync(["true"]).pid;
    const left = [`board.lock.${dead}.k1.tmp`, "board.lock.break", join("locks", `group-1.lock.${dead}.k2.tmp`)];
    writeFileSync(join(dir, left[0]!), `${dead} 1 k1\n`);
    writeFileSync(join(dir, left[1]!), `${dead} 1 k3\n`);
    writeFileSync(join(dir, left[2]!), `${dead} 1 k2\n`);
    const live = `board.lock.${process.pid}.k4.tmp`; // a taker of this (live) process, between write and link
    writeFileSync(join(dir, live), "");
    const r = resetBoard(dir);
    for (const f of left) expect(r.removed).toContain(f);
    expect(r.removed).not.toContain(live);
    expect(readFileSync(join(dir, live), "utf8")).toBe("");
  });

  test("an explicit board wins; an unreadable state falls back to the default board", () => {
    const { dir, file } = board(BOARDS["virt-noiommu"]!);
    expect(resetBoard(dir, VIRT).board).toBe("virt");
    writeFileSync(file, "");
    expect(resetBoard(dir).board).toBe("virt");
  });

  test("refuses while another live process has a group open, naming it", async () => {
    const { dir } = board();
    const holder = Bun.spawn([process.execPath, join(import.meta.dir, "../helpers/lock-child.ts"), "hold", join(dir, "locks", "group-1.lock")], {
      stdin: "pipe",
      stdout: "pipe",
    });
    try {
      const reader = holder.stdout.getReader();
      await reader.read(); // "took <pid>"
      let err: unknown;
      try {
        resetBoard(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateLockedError);
      expect((err as StateLockedError).pid).toBe(holder.pid);
      expect(new StateStore(dir).read().board.name).toBe("virt"); // untouched
    } finally {
      holder.kill();
      await holder.exited;
    }
  });
});
