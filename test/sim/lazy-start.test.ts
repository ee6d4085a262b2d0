// Policy: the simulated board loads only what a command uses (src/sim/lazy-modules.ts, devices/registry.ts):
// `--sim info` on a bound PL031 evaluates neither the type1 container nor the group file, vfio-pci, the PCI core, the
// PL330, poll or the state reset/check code; the parts it skipped still work in later processes on the same board
// (state saved by a process that never loaded them), and a read-only session writes board.json only for the kernel
// log lines vfio-platform prints at open and close. Modules are listed by a preload that dumps require.cache at exit.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { openDevice } from "../../src/host/open-device.ts";
import { BOARDS, DEFAULT_BOARD } from "../../src/sim/boards/index.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";

const MAIN = resolve(import.meta.dir, "../../src/cli/main.ts");
let dir = "";
let state = "";

/** Run the CLI on the test's board: stdout, and the src/sim modules it loaded when `modules` is asked for. */
function cli(args: string[], modules = false): { out: string; sim: string[] } {
  const list = join(dir, "modules.txt");
  const preload = modules ? ["--preload", join(dir, "dump-modules.ts")] : [];
  const r = Bun.spawnSync([process.execPath, ...preload, MAIN, "--sim", "--sim-state", state, ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, MODULE_LIST: list, VFIO_PLAT_SIM: undefined, VFIO_PLAT_SIM_STATE: undefined },
  });
  if (r.exitCode !== 0) throw new Error(`vfio-plat ${args.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  const sim = modules ? readFileSync(list, "utf8").split("\n").filter((m) => m.includes("/src/sim/")).map((m) => m.slice(m.indexOf("/src/sim/") + 9)) : [];
  return { out: r.stdout.toString(), sim };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vfio-plat-lazy-"));
  state = join(dir, "board");
  writeFileSync(join(dir, "dump-modules.ts"), `process.on("exit", () => require("node:fs").writeFileSync(process.env.MODULE_LIST, Object.keys(require.cache).join("\\n")));\n`);
  cli(["bind", "9010000.pl031"]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("--sim info loads only the simulator parts it uses", () => {
  test("info on the PL031 (opened through its cdev and iommufd): no built-in board, SMMU fault encoders, type1, group file, vfio-pci, PCI core, PL330, poll, reset or check code", () => {
    const { out, sim } = cli(["info", "9010000.pl031"], true);
    expect(out).toContain("9010000.pl031: vfio-amba");
    // What it did use is there (the list is real) ...
    for (const used of ["vfio/cdev-file.ts", "vfio/iommufd-file.ts", "devices/pl031.ts", "sim-boundary.ts"]) expect(sim).toContain(used);
    // ... and what it did not use is not.
    const skipped = [/^boards\/virt\.ts$/, /^iommu\/smmuv[23]-/, /^vfio\/type1-domain/, /^vfio\/container-/, /^vfio\/group-file/, /^vfio\/vfio-pci-/, /^pci\//, /^devices\/pl330\//, /^devices\/generic-mmio/, /^kernel\/sim-poll/, /^kernel\/pagemap/, /^kernel\/kmsg-file/, /^state\/state-(reset|check)/];
    expect(sim.filter((m) => skipped.some((re) => re.test(m)))).toEqual([]);
  });

  test("what info skipped works in the next processes: a register written through the cdev reads back through the group path, vfio-pci opens edu", () => {
    cli(["write", "9010000.pl031", "0x4", "0x5a5aa5a5"]); // PL031 match register: kept across sessions (no reset)
    expect(cli(["--iommu-mode", "group", "read", "9010000.pl031", "0x4"]).out).toContain("5a5aa5a5");
    cli(["bind", "0000:00:02.0"]);
    expect(cli(["info", "0000:00:02.0"]).out).toContain("0000:00:02.0: vfio-pci");
    expect(cli(["log"]).out).toContain("vfio-amba 9010000.pl031: no reset function found!");
  });
});

describe("a board from a board file, on the lazy paths", () => {
  test("created from a board file, then used by later processes that name no board (and build none)", () => {
    const file = join(dir, "exported.json");
    cli(["sim-export", file]); // the default board as a board file
    const other = join(dir, "from-file");
    const run = (args: string[], modules = false) => {
      const saved = state;
      state = other;
      try {
        return cli(args, modules);
      } finally {
        state = saved;
      }
    };
    run(["--sim-board", file, "bind", "9010000.pl031"]);
    run(["write", "9010000.pl031", "0x4", "0x1234abcd"]);
    const { out, sim } = run(["read", "9010000.pl031", "0x4"], true);
    expect(out).toContain("1234abcd");
    expect(sim.filter((m) => m.startsWith("boards/virt") || m.startsWith("boards/board-file/"))).toEqual([]);
  });
});

describe("the built-in boards, built on first use", () => {
  test("each name in BOARDS gives the board of that name, the default among them, the same object every time", () => {
    expect(Object.keys(BOARDS)).toEqual(["virt", "virt-noiommu"]);
    for (const [name, spec] of Object.entries(BOARDS)) {
      expect(spec.name).toBe(name);
      expect(BOARDS[name]).toBe(spec);
    }
    expect(Object.hasOwn(BOARDS, DEFAULT_BOARD)).toBe(true);
    expect(BOARDS[DEFAULT_BOARD]!.iommu).toBe("smmuv3");
    expect(BOARDS["virt-noiommu"]!.iommu).toBe("none");
  });
});

describe("board.json writes of a read-only session", () => {
  test("opening the PL031 again, reading a register and closing writes board.json twice: the open's and the close's log line", () => {
    const local = mkdtempSync(join(tmpdir(), "vfio-plat-lazy-writes-"));
    try {
      const b = new SimBoundary({ stateDir: local, os: createRealBoundary() });
      const store = (b as unknown as { k: { store: { write: (s: unknown) => void } } }).k.store;
      let writes = 0;
      const write = store.write.bind(store);
      store.write = (s) => (writes++, write(s));
      b.fs.writeFile("/sys/bus/amba/devices/9010000.pl031/driver_override", "vfio-amba");
      b.fs.writeFile("/sys/bus/amba/drivers/rtc-pl031/unbind", "9010000.pl031");
      b.fs.writeFile("/sys/bus/amba/drivers_probe", "9010000.pl031");
      // The first session of a fresh board saves the PL031's first registers (the board held none): not counted.
      for (const round of [0, 1, 2]) {
        writes = 0;
        const s = openDevice(b, "9010000.pl031");
        s.device.region(0).read(0x0, 32);
        s.close();
        if (round > 0) expect({ round, writes }).toEqual({ round, writes: 2 });
      }
      b.dispose();
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });
});
