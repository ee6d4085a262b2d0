// `vfio-plat doctor` as a user runs it: exit 0 when nothing blocks, the holder of a busy group named by pid, and
// exit 1 with a FAIL line when the device cannot be bound.
import { afterAll, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

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
