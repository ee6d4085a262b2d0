// Policy: an IOMMU group is VFIO's only when no member is on a kernel driver that owns its DMA. On a board where three
// devices share group 2 (test/fixtures/board-files/shared-group.json): `bind --group-of` binds them all as one
// transaction and `unbind --group-of` gives them all back; with one member bound alone, opening it is refused on both
// kernel paths (group: SET_CONTAINER, cdev: BIND_IOMMUFD, EPERM) with the members in the way and the fix named, and
// doctor says the same.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { blocksViability, viabilityBlockers } from "../../src/host/group-members.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const SHARED = join(REPO, "test/fixtures/board-files/shared-group.json");
const GROUP2 = ["a000000.virtio_mmio", "9010000.pl031", "a000200.virtio_mmio"];

const states: { dispose: () => void }[] = [];
afterAll(() => {
  for (const s of states) s.dispose();
});

function board(mode = "group"): { dir: string; env: Record<string, string> } {
  const s = tempSimState("vfio-plat-group-");
  states.push(s);
  const env = simEnv(s.dir, { VFIO_PLAT_SIM_BOARD: SHARED, VFIO_PLAT_IOMMU_MODE: mode });
  expect(runCli(["list"], { env }).code).toBe(0);
  return { dir: s.dir, env };
}

function drivers(env: Record<string, string>): Record<string, string | null> {
  const list = JSON.parse(runCli(["list", "--json", "--group", "2"], { env }).stdout) as { devices: { name: string; driver: string | null }[] };
  return Object.fromEntries(list.devices.map((d) => [d.name, d.driver]));
}

describe("--group-of", () => {
  test("bind --group-of binds every member (the named one first), unbind --group-of gives each back", () => {
    const { env } = board();
    const before = drivers(env);
    expect(Object.keys(before).sort()).toEqual([...GROUP2].sort());
    const r = runCli(["bind", "--group-of", GROUP2[0]!, "--json"], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { iommu_group: number; devices: { device: string; outcome: string }[] };
    expect(doc.iommu_group).toBe(2);
    expect(doc.devices.map((d) => [d.device, d.outcome])).toEqual(GROUP2.map((n) => [n, "bound"]));
    expect(drivers(env)).toEqual({ "a000000.virtio_mmio": "vfio-platform", "9010000.pl031": "vfio-amba", "a000200.virtio_mmio": "vfio-platform" });
    // The group is viable now: the device opens.
    expect(runCli(["read", GROUP2[0]!, "0:0"], { env }).stdout.trim()).toBe("0x74726976");
    const u = runCli(["unbind", "--group-of", "9010000.pl031"], { env });
    expect(u.code).toBe(0);
    expect(u.stdout.split("\n").filter(Boolean)).toHaveLength(3);
    expect(drivers(env)).toEqual(before);
  });

  test("--group-of a device in a group of its own binds just it, in the same JSON shape as a larger group (bind and unbind)", () => {
    const { env } = board();
    for (const op of ["bind", "unbind"]) {
      const r = runCli([op, "--group-of", "2c0a0000.dma", "--json"], { env });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { iommu_group: number; devices: { device: string }[] };
      expect(doc.devices.map((d) => d.device)).toEqual(["2c0a0000.dma"]);
      expect(typeof doc.iommu_group).toBe("number");
    }
    const u = JSON.parse(runCli(["unbind", "--group-of", GROUP2[0]!, "--json"], { env }).stdout) as { iommu_group: number; devices: unknown[] };
    expect([u.iommu_group, u.devices.length]).toEqual([2, 3]);
  });

  test("a failure on one member leaves the whole group where it was", async () => {
    const { dir, env } = board();
    const before = drivers(env);
    const { readFileSync, writeFileSync } = await import("node:fs");
    const file = join(dir, "board.json");
    const s = JSON.parse(readFileSync(file, "utf8")) as { devices: Record<string, Record<string, unknown>> };
    s.devices["a000200.virtio_mmio"] = { ...s.devices["a000200.virtio_mmio"], injectedFaults: { probe: "EIO" } };
    writeFileSync(file, JSON.stringify(s));
    const r = runCli(["bind", "--group-of", GROUP2[0]!], { env });
    expect(r.code).toBe(1);
    expect(drivers(env)).toEqual(before);
  });
});

describe("a group that is not viable", () => {
  for (const mode of ["group", "iommufd"]) {
    test(`one member bound alone: read refuses (exit 1) naming the member in the way and --group-of (${mode} path)`, () => {
      const { env } = board(mode);
      expect(runCli(["bind", GROUP2[0]!], { env }).code).toBe(0);
      const r = runCli(["read", GROUP2[0]!, "0:0"], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("group 2 is not viable");
      expect(r.stderr).toContain("9010000.pl031 is on rtc-pl031");
      expect(r.stderr).not.toContain("a000200.virtio_mmio is on"); // driverless: no DMA owner
      expect(r.stderr).toContain(`vfio-plat bind --group-of ${GROUP2[0]}`);
    });
  }

  test("info DEVICE prints what sysfs knows (members and their drivers), then refuses with the fix (exit 1)", () => {
    const { env } = board();
    expect(runCli(["bind", GROUP2[0]!], { env }).code).toBe(0);
    const r = runCli(["info", GROUP2[0]!], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${GROUP2[0]}: platform device on vfio-platform, IOMMU group 2 (not viable`);
    expect(r.stdout).toMatch(/9010000\.pl031\s+rtc-pl031\s+in the way/);
    expect(r.stdout).toMatch(/a000200\.virtio_mmio\s+no driver\s+free for VFIO/);
    expect(r.stderr).toContain(`vfio-plat bind --group-of ${GROUP2[0]}`);
    const j = runCli(["info", GROUP2[0]!, "--json"], { env });
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout) as { viable: boolean; iommu_group: number; group_members: { device: string; blocks_viability: boolean }[] };
    expect([doc.viable, doc.iommu_group]).toEqual([false, 2]);
    expect(doc.group_members.filter((m) => m.blocks_viability).map((m) => m.device)).toEqual(["9010000.pl031"]);
  });

  test("doctor DEVICE fails the viability check; doctor warns about the half-bound group", () => {
    const { env } = board();
    expect(runCli(["bind", GROUP2[0]!], { env }).code).toBe(0);
    const d = runCli(["doctor", GROUP2[0]!, "--json"], { env });
    expect(d.code).toBe(1);
    const f = (JSON.parse(d.stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] }).findings;
    const v = f.find((x) => x.check === "viability" && x.status === "fail")!;
    expect(v.message).toContain("9010000.pl031 (rtc-pl031)");
    expect(v.fix).toContain(`bind --group-of ${GROUP2[0]}`);
    // One finding for the one fact: the global half-bound-group warning leaves the device's group to the device check.
    expect(f.filter((x) => x.check === "viability").map((x) => x.status)).toEqual(["fail"]);
    const all = runCli(["doctor"], { env });
    expect(all.stdout).toContain(`group 2 is not viable: ${GROUP2[0]} is on vfio-platform but 9010000.pl031 is on rtc-pl031`);
    // Once the whole group is bound, both say nothing of it.
    expect(runCli(["bind", "--group-of", GROUP2[0]!], { env }).code).toBe(0);
    expect(runCli(["doctor"], { env }).stdout).not.toContain("not viable");
  });

  test("the simulated kernel refuses it as Linux does: GET_STATUS without VIABLE, BIND_IOMMUFD EPERM", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", GROUP2[0]!], { env }).code).toBe(0);
    const b = await openBoundary({ sim: true, simStateDir: dir });
    const { openDevice } = await import("../../src/vfio/session.ts");
    try {
      const dev = describeDevice(b, "platform", GROUP2[0]!);
      expect(() => openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name, iommuMode: "group" })).toThrow("group 2 is not viable");
      let code: string | undefined;
      try {
        openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name, iommuMode: "iommufd" }).close();
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).toBe("EPERM");
    } finally {
      b.dispose();
    }
  });

  test("blocksViability: no driver, VFIO's, pci-stub, pcieport and the vfio-pci variants (driver_managed_dma) leave a group viable", () => {
    expect([undefined, "vfio-platform", "vfio-amba", "vfio-pci", "pci-stub", "pcieport", "rtc-pl031", "virtio-mmio"].map(blocksViability)).toEqual([
      false, false, false, false, false, false, true, true,
    ]);
    // Linux 6.12 drivers/vfio/pci/*/: registered as their module name, '-' read as '_'.
    const variants = ["mlx5_vfio_pci", "hisi_acc_vfio_pci", "virtio_vfio_pci", "pds_vfio_pci", "nvgrace_gpu_vfio_pci", "qat_vfio_pci"];
    expect(variants.filter(blocksViability)).toEqual([]);
  });

  test("the simulated kernel uses the same rule: a member on a vfio-pci variant driver leaves the group viable", async () => {
    const { dir } = board();
    const { groupViable } = await import("../../src/sim/sysfs/driver-core.ts");
    const { readFileSync } = await import("node:fs");
    const state = JSON.parse(readFileSync(join(dir, "board.json"), "utf8"));
    for (const n of GROUP2) state.devices[n] = { ...state.devices[n], driver: "vfio-platform" };
    state.devices["9010000.pl031"].driver = "mlx5_vfio_pci";
    expect(groupViable(state, 2)).toBe(true);
    state.devices["9010000.pl031"].driver = "rtc-pl031";
    expect(groupViable(state, 2)).toBe(false);
  });

  test("the library's rule: a member with no driver or a DMA-owner-free driver does not block; any other does", async () => {
    const { dir } = board();
    const b = await openBoundary({ sim: true, simStateDir: dir });
    try {
      const dev = describeDevice(b, "platform", GROUP2[0]!);
      expect(viabilityBlockers(b, dev).map((d) => d.name)).toEqual(["9010000.pl031"]);
      b.fs.writeFile("/sys/bus/amba/devices/9010000.pl031/driver/unbind", "9010000.pl031");
      expect(viabilityBlockers(b, describeDevice(b, "platform", GROUP2[0]!))).toEqual([]);
    } finally {
      b.dispose();
    }
  });
});
