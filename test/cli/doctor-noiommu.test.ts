// `vfio-plat doctor` on the simulated noiommu board as a user reads it: the noiommu DMA lines (mode, taint, pagemap,
// huge pages) with their fixes, the pagemap warning when the process lacks CAP_SYS_ADMIN (the simulator's knob
// VFIO_PLAT_SIM_CAP_SYS_ADMIN=0), and the huge page warning once the pool is emptied through sysfs.
import { afterAll, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu", VFIO_PLAT_SIM_CAP_SYS_ADMIN: "1" });
afterAll(() => state.dispose());

type Json = { findings: { check: string; status: string; message: string; fix?: string }[] };
const finding = (j: Json, check: string) => j.findings.find((f) => f.check === check);

test("a healthy noiommu board: mode on with its off switch, pagemap ok, huge pages free; exit 0", () => {
  const r = runCli(["doctor"], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("[info] noiommu mode is ON");
  expect(r.stdout).toContain("fix: to turn it off");
  expect(r.stdout).toContain("[ok]   this process has CAP_SYS_ADMIN");
  expect(r.stdout).toContain("[ok]   128 of 128 huge pages of 2048 kB free (256 MiB)");
});

test("without CAP_SYS_ADMIN: the pagemap warning and its fix; still exit 0 (binding works, DMA addresses do not)", () => {
  const r = runCli(["doctor", "--json"], { env: { ...env, VFIO_PLAT_SIM_CAP_SYS_ADMIN: "0" } });
  expect(r.code).toBe(0);
  const f = finding(JSON.parse(r.stdout), "pagemap")!;
  expect(f.status).toBe("warn");
  expect(f.fix).toContain("run as root");
});

test("an empty huge page pool: the warning names the nr_hugepages fix", () => {
  const w = Bun.spawnSync([process.execPath, "-e", `
    const { createSimBoundary } = await import("${import.meta.dir}/../../src/sim/index.ts");
    const { createRealBoundary } = await import("${import.meta.dir}/../../src/ffi/index.ts");
    const b = createSimBoundary({ stateDir: ${JSON.stringify(state.dir)}, os: createRealBoundary() });
    b.fs.writeFile("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0");
    b.dispose();
  `]);
  expect(w.exitCode).toBe(0);
  const j = JSON.parse(runCli(["doctor", "--json"], { env }).stdout) as Json;
  const f = finding(j, "hugepages")!;
  expect(f.status).toBe("warn");
  expect(f.fix).toContain("> /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
});
