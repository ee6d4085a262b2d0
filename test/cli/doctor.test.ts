// `vfio-plat doctor` as a user runs it: exit 0 when nothing blocks, the holder of a busy group named by pid, and
// exit 1 with a FAIL line when the device cannot be bound, and users' device models that cannot be loaded.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readUntil, REPO, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
afterAll(() => state.dispose());

test("a bound device with a holder: holder named, permissions ok, exit 0", async () => {
  expect(runCli(["bind", "9010000.pl031"], { env }).code).toBe(0);
  const waiter = spawnCli(["irq", "9010000.pl031", "0", "--timeout", "20s"], env);
  await readUntil(waiter.stdout, /armed/);
  try {
    const r = runCli(["doctor", "9010000.pl031", "--json"], { env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const holder = j.findings.find((f: { check: string }) => f.check === "holder");
    expect(holder).toMatchObject({ status: "warn" });
    expect(holder.message).toContain(String(waiter.pid));
    expect(j.findings.find((f: { check: string }) => f.check === "driver")).toMatchObject({ status: "ok" });
  } finally {
    waiter.kill("SIGINT");
    await waiter.exited;
  }
});

test("no IOMMU group and noiommu off: FAIL and exit 1", () => {
  const s2 = tempSimState();
  try {
    const e2 = simEnv(s2.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
    expect(runCli(["list"], { env: e2 }).code).toBe(0); // creates the board
    expect(runCli(["doctor"], { env: e2 }).code).toBe(0);
    // Turn noiommu mode off through sysfs, as a user could.
    const write = Bun.spawnSync([process.execPath, "-e", `
      const { createSimBoundary } = await import("${import.meta.dir}/../../src/sim/index.ts");
      const { createRealBoundary } = await import("${import.meta.dir}/../../src/ffi/index.ts");
      const b = createSimBoundary({ stateDir: ${JSON.stringify(s2.dir)}, os: createRealBoundary() });
      b.fs.writeFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "0");
    `]);
    expect(write.exitCode).toBe(0);
    const r = runCli(["doctor", "9010000.pl031"], { env: e2 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[FAIL] 9010000.pl031 has no IOMMU group");
    expect(r.stdout).toContain("fix: describe the IOMMU");
  } finally {
    s2.dispose();
  }
});

describe("a board whose users' device models cannot be loaded (test/fixtures/board-files/user-model-unloadable.json)", () => {
  const own = tempSimState();
  const boardEnv = simEnv(own.dir, { VFIO_PLAT_SIM_BOARD: "test/fixtures/board-files/user-model-unloadable.json" });
  afterAll(() => own.dispose());
  const broken = join(REPO, "test/fixtures/models/throws-at-load.ts");
  const noFactory = join(REPO, "test/fixtures/models/no-factory.ts");
  type Doc = { ok: boolean; findings: { check: string; status: string; message: string; fix?: string }[] };
  const models = (d: Doc) => d.findings.filter((f) => f.check === "user-model");

  test("doctor on one of them: FAIL naming the module, the device and why, its fix, exit 1 (the first run creates the board)", () => {
    const r = runCli(["doctor", "1e000000.broken"], { env: boardEnv });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[FAIL] device model ${broken} (1e000000.broken) failed in load: this model is broken at load: 1e000000.broken cannot be opened`);
    expect(r.stdout).toContain("fix: fix the module, or the path that names it (a board file's devices[].module.path) for 1e000000.broken");
    // The other one is not the device asked about: a warning.
    expect(r.stdout).toContain(`[warn] device model ${noFactory} (1f000000.no-factory) failed in load: the module has no default export`);
  });

  test("doctor on another device, or on none: both models are warnings, the board's other checks run, exit 0", () => {
    for (const args of [["doctor", "9010000.pl031", "--json"], ["doctor", "--json"]]) {
      const r = runCli(args, { env: boardEnv });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as Doc;
      expect(models(doc).map((f) => [f.status, f.message.split(" failed")[0]])).toEqual([
        ["warn", `device model ${broken} (1e000000.broken)`],
        ["warn", `device model ${noFactory} (1f000000.no-factory)`],
      ]);
      expect(doc.findings.find((f) => f.check === "vfio")).toMatchObject({ status: "ok" });
    }
  });

  test("a board whose models all load has no user-model finding (the copy engine's board file)", () => {
    const good = tempSimState();
    try {
      const r = runCli(["doctor", "1c000000.copy-engine", "--json"], { env: simEnv(good.dir, { VFIO_PLAT_SIM_BOARD: "examples/copy-engine/board.json" }) });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as Doc;
      expect(models(doc)).toEqual([]);
      expect(doc.findings.find((f) => f.check === "sim-state")).toMatchObject({ status: "ok" });
    } finally {
      good.dispose();
    }
  });
});
