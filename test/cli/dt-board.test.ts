// `--sim-board FILE.dts|FILE.dtb` end to end: a state created from a device tree lists its devices with Linux's
// names, buses and default drivers, binds them with the driver saved, and shows their interrupts in `info`; the
// same through VFIO_PLAT_SIM_BOARD. The real DTBs (juno-r2, rk3399-rockpro64, QEMU's dumpdtb) run where they are built
// (CI builds them; test/cli/juno-real.test.ts runs the whole Juno session).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const dtc = Bun.which("dtc") !== null;
const FLAT = join(REPO, "test/fixtures/dt/flat-board.dts");

describe.skipIf(!dtc)("a board from flat-board.dts (needs dtc)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  test("list shows the tree's devices on their buses with the drivers Linux binds", () => {
    const r = runCli(["--sim-board", FLAT, "list"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/).slice(0, 3));
    expect(rows).toEqual([
      ["a000000.virtio_mmio", "platform", "(none)"], // virtio-mmio's probe fails on an empty transport
      ["1c170000.rtc", "amba", "rtc-pl031"],
      ["7ff00000.dma-controller", "amba", "dma-pl330"],
      ["7ff80000.serial", "amba", "uart-pl011"],
    ]);
  }, 30_000);

  test("bind saves the default driver, info shows the nine level interrupts, unbind restores it", () => {
    const b = runCli(["bind", "7ff00000.dma-controller"], { env });
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("was dma-pl330");
    const info = runCli(["info", "7ff00000.dma-controller"], { env });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain("9 interrupt(s)");
    expect(info.stdout.match(/ level /g)?.length).toBe(9);
    const id = runCli(["read", "7ff00000.dma-controller", "0:0xfe8.b"], { env });
    expect(id.stdout.trim()).toBe("0x24"); // PeriphID2 of the r1p1 model: the tree forced no other
    expect(runCli(["unbind", "7ff00000.dma-controller"], { env }).code).toBe(0);
    expect(runCli(["list"], { env }).stdout).toMatch(/7ff00000\.dma-controller\s+amba\s+dma-pl330/);
  }, 30_000);

  test("the README's and docs/boards.md's list samples are the real output", () => {
    const own = tempSimState();
    try {
      const real = runCli(["--sim-board", "test/fixtures/dt/flat-board.dts", "list"], { env: simEnv(own.dir) }).stdout.trimEnd();
      for (const doc of ["README.md", "docs/boards.md"]) {
        const text = readFileSync(join(REPO, doc), "utf8");
        const cmd = "$ vfio-plat --sim --sim-board test/fixtures/dt/flat-board.dts list\n";
        const at = text.indexOf(cmd);
        expect(at, doc).toBeGreaterThan(0);
        const indent = text.slice(text.lastIndexOf("\n", at) + 1, at);
        const lines = text.slice(at + cmd.length).split("\n");
        const sample = lines.slice(0, lines.findIndex((l) => l.trimStart().startsWith("$") || l.trimStart().startsWith("```")));
        expect(sample.map((l) => l.slice(indent.length)).join("\n"), doc).toBe(real);
      }
    } finally {
      own.dispose();
    }
  }, 30_000);

  test("VFIO_PLAT_SIM_BOARD names the file as --sim-board does", () => {
    const own = tempSimState();
    try {
      const r = runCli(["list", "--names"], { env: simEnv(own.dir, { VFIO_PLAT_SIM_BOARD: FLAT }) });
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")).toContain("7ff80000.serial");
    } finally {
      own.dispose();
    }
  }, 30_000);
});

const dtbs = builtDtbDir();
const why = !dtbs ? " (skipped: DTBs not built; bun scripts/boards/dtbs.ts)" : "";

/** `list` rows as cells by device name (column widths differ between boards). */
function listRows(stdout: string): Map<string, string[]> {
  const rows = stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s{2,}/));
  return new Map(rows.map((r) => [r[0]!, r]));
}

describe.skipIf(!dtbs)(`real DTBs on the CLI${why}`, () => {
  test("juno-r2: list shows 7ff00000.dma-controller on amba, dma-pl330, in a group of its own", () => {
    const state = tempSimState();
    try {
      const env = simEnv(state.dir);
      const r = runCli(["--sim-board", join(dtbs!, "arm/juno-r2.dtb"), "list"], { env });
      expect(r.code).toBe(0);
      const rows = listRows(r.stdout);
      const dma = rows.get("7ff00000.dma-controller")!;
      expect(dma.slice(1, 3)).toEqual(["amba", "dma-pl330"]);
      expect(dma[3]).toMatch(/^\d+$/);
      expect([...rows.values()].filter((x) => x[3] === dma[3]).length).toBe(1);
    } finally {
      state.dispose();
    }
  }, 30_000);

  const rk3399 = () => simEnv(tempSimState().dir, { VFIO_PLAT_SIM_BOARD: join(dtbs!, "rockchip/rk3399-rockpro64.dtb") });
  const RK_DMAS = ["ff6d0000.dma-controller", "ff6e0000.dma-controller"];

  test("rk3399-rockpro64: list shows both PL330s on amba with dma-pl330 and no IOMMU group", () => {
    const env = rk3399();
    try {
      const r = runCli(["list"], { env });
      expect(r.code).toBe(0);
      const rows = listRows(r.stdout);
      const doc = JSON.parse(runCli(["list", "--json"], { env }).stdout);
      for (const name of RK_DMAS) {
        expect(rows.get(name)!.slice(1, 4), name).toEqual(["amba", "dma-pl330", "-"]);
        expect(doc.devices.find((d: { name: string }) => d.name === name), name).toMatchObject({ iommu_group: null, iommu: null });
      }
    } finally {
      rmSync(env.VFIO_PLAT_SIM_STATE!, { recursive: true, force: true });
    }
  }, 30_000);

  test.skipIf(process.getuid?.() !== 0)("rk3399-rockpro64: each PL330, bound in noiommu mode, shows its two level interrupts (root only: noiommu)", () => {
    const env = rk3399();
    try {
      for (const name of RK_DMAS) {
        expect(runCli(["bind", name], { env }).stdout).toContain("/dev/vfio/noiommu-");
        const info = runCli(["info", name], { env }).stdout;
        expect(info, name).toContain("2 interrupt(s)");
        expect(info.match(/ level /g)?.length, name).toBe(2);
        expect(info, name).toContain("noiommu: no DMA isolation");
      }
    } finally {
      rmSync(env.VFIO_PLAT_SIM_STATE!, { recursive: true, force: true });
    }
  }, 30_000);

  test("QEMU's dumpdtb: list and info of the devices the built-in board shares with QEMU equal virt-noiommu's", () => {
    const fromTree = tempSimState();
    const builtIn = tempSimState();
    try {
      const envT = simEnv(fromTree.dir, { VFIO_PLAT_SIM_BOARD: join(dtbs!, "qemu-virt-smmuv3.dtb") });
      const envB = simEnv(builtIn.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
      const shared = ["9000000.pl011", "9010000.pl031", "a000000.virtio_mmio", "a000200.virtio_mmio"];
      const t = listRows(runCli(["list"], { env: envT }).stdout);
      const b = listRows(runCli(["list"], { env: envB }).stdout);
      for (const d of shared) expect(t.get(d), d).toEqual(b.get(d));
      for (const d of ["9010000.pl031", "a000000.virtio_mmio"]) {
        expect(runCli(["bind", d], { env: envT }).code).toBe(0);
        expect(runCli(["bind", d], { env: envB }).code).toBe(0);
        expect(runCli(["info", d], { env: envT }).stdout, d).toBe(runCli(["info", d], { env: envB }).stdout);
      }
    } finally {
      fromTree.dispose();
      builtIn.dispose();
    }
  }, 30_000);
  // docs/boards.md "QEMU's own tree against the built-in virt": the built-in virt keeps its platform devices behind the
  // SMMUv3 on purpose (the real kernel, and the tree's board, put none there). Everything else of a shared device is
  // equal; the only lines that differ are the group and the IOMMU domain.
  test("QEMU's dumpdtb against the built-in virt: list equal but the GROUP cell, info equal but the group and IOMMU lines", () => {
    const fromTree = tempSimState();
    const builtIn = tempSimState();
    try {
      const envT = simEnv(fromTree.dir, { VFIO_PLAT_SIM_BOARD: join(dtbs!, "qemu-virt-smmuv3.dtb") });
      const envB = simEnv(builtIn.dir, { VFIO_PLAT_SIM_BOARD: "virt" });
      const t = listRows(runCli(["list"], { env: envT }).stdout);
      const b = listRows(runCli(["list"], { env: envB }).stdout);
      const shared = [...b.keys()].filter((d) => t.has(d));
      expect(shared.sort()).toEqual(["9000000.pl011", "9010000.pl031", "a000000.virtio_mmio", "a000200.virtio_mmio"]);
      for (const d of shared) {
        const [tt, bb] = [t.get(d)!, b.get(d)!];
        expect(tt[3], d).toBe("-");
        expect(bb[3], d).toMatch(/^\d+$/);
        expect([...tt.slice(0, 3), ...tt.slice(4)], d).toEqual([...bb.slice(0, 3), ...bb.slice(4)]);
      }
      const isIommuLine = (l: string) => /^ {2}IOMMU( group|:)/.test(l);
      for (const d of ["9010000.pl031", "a000000.virtio_mmio"]) {
        expect(runCli(["bind", d], { env: envT }).code).toBe(0);
        expect(runCli(["bind", d], { env: envB }).code).toBe(0);
        const ti = runCli(["info", d], { env: envT }).stdout.split("\n");
        const bi = runCli(["info", d], { env: envB }).stdout.split("\n");
        expect(ti.filter((l) => !isIommuLine(l)), d).toEqual(bi.filter((l) => !isIommuLine(l)));
        expect(ti.filter(isIommuLine), d).toEqual([expect.stringMatching(/^ {2}IOMMU group \d+ \(\/dev\/vfio\/noiommu-\d+\), noiommu: no DMA isolation$/)]);
        expect(bi.filter(isIommuLine), d).toEqual([expect.stringMatching(/^ {2}IOMMU group \d+ \(\/dev\/vfio\/\d+\)$/), expect.stringMatching(/^ {2}IOMMU: page sizes /)]);
      }
    } finally {
      fromTree.dispose();
      builtIn.dispose();
    }
  }, 30_000);
});
