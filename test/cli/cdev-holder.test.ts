// Naming the holder of a device opened through its VFIO cdev (--iommu-mode auto picks /dev/vfio/devices/vfioN when the
// kernel has it): a second opener by either path gets exit 5 with the pid and the held node, unbind refuses naming it,
// doctor warns, and the simulated /proc/<pid>/fd links the holder's fd to the cdev as Linux does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const CDEV = "/dev/vfio/devices/vfio0";
const GROUP = "/dev/vfio/1";

const state = tempSimState();
const env = simEnv(state.dir, { VFIO_PLAT_IOMMU_MODE: "auto" });
afterAll(() => state.dispose());

/** Run `args` with a background `irq` holder opened with `holderArgs`; `body` gets the holder's pid. */
async function withHolder(holderArgs: string[], body: (pid: number) => void): Promise<void> {
  const holder = spawnCli([...holderArgs, "irq", PL031, "0", "--timeout", "20s"], env);
  await readUntil(holder.stdout, /armed/);
  try {
    body(holder.pid);
  } finally {
    holder.kill("SIGINT");
    await holder.exited;
  }
}

describe("a device held through its cdev (auto mode)", () => {
  beforeAll(() => {
    expect(runCli(["bind", PL031], { env }).code).toBe(0);
    // auto takes the cdev on this board: info reports it, so the tests below really hold the cdev.
    expect(JSON.parse(runCli(["info", PL031, "--json"], { env }).stdout)).toMatchObject({ iommu_mode: "iommufd" });
  });

  test("/proc/<pid>/fd of the holder links to the cdev", async () => {
    await withHolder([], (pid) => {
      const b = createSimBoundary({ stateDir: state.dir, os: createRealBoundary() });
      const links = b.fs.readdir(`/proc/${pid}/fd`).map((fd) => b.fs.readlink(`/proc/${pid}/fd/${fd}`));
      expect(links).toEqual([CDEV]);
    });
  });

  test("a second opener through the cdev gets exit 5 naming the pid and the cdev", async () => {
    await withHolder([], (pid) => {
      const r = runCli(["read", PL031, "0:0xff0"], { env });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain("(EBUSY");
      expect(r.stderr).toContain(`the cdev ${CDEV} is held by process ${pid}`);
    });
  });

  test("a second opener through the group gets exit 5 naming the pid and the cdev", async () => {
    await withHolder([], (pid) => {
      const r = runCli(["--iommu-mode", "group", "read", PL031, "0:0xff0"], { env });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`cannot open ${GROUP}: Device or resource busy (EBUSY)`);
      expect(r.stderr).toContain(`the cdev ${CDEV} is held by process ${pid}`);
    });
  });

  test("unbind is refused naming the pid and the cdev, and the device stays bound", async () => {
    await withHolder([], (pid) => {
      const r = runCli(["unbind", PL031], { env });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`${CDEV} is open in process ${pid} (EBUSY)`);
      expect(JSON.parse(runCli(["doctor", PL031, "--json"], { env }).stdout).findings).toContainEqual(
        expect.objectContaining({ check: "driver", status: "ok", message: expect.stringContaining("vfio-amba") }),
      );
    });
  });

  test("doctor warns about the holder and says which node it holds", async () => {
    await withHolder([], (pid) => {
      const j = JSON.parse(runCli(["doctor", PL031, "--json"], { env }).stdout);
      const holder = j.findings.find((f: { check: string }) => f.check === "holder");
      expect(holder).toMatchObject({ status: "warn", message: `${CDEV} is open in process ${pid}: a second opener gets EBUSY` });
    });
    const after = JSON.parse(runCli(["doctor", PL031, "--json"], { env }).stdout);
    expect(after.findings.find((f: { check: string }) => f.check === "holder")).toMatchObject({ status: "ok" });
  });

  test("a group holder blocks the cdev bind, named with the group node", async () => {
    await withHolder(["--iommu-mode", "group"], (pid) => {
      const r = runCli(["read", PL031, "0:0xff0"], { env });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`the group ${GROUP} is busy (EBUSY): the group is held by process ${pid}`);
      expect(runCli(["unbind", PL031], { env }).stderr).toContain(`${GROUP} is open in process ${pid} (EBUSY)`);
    });
  });

  test("with the holder gone, the cdev opens and unbind works", () => {
    expect(runCli(["read", PL031, "0:0xff0"], { env }).stdout).toBe("0x0000000d\n");
    expect(runCli(["unbind", PL031], { env }).code).toBe(0);
  });
});
