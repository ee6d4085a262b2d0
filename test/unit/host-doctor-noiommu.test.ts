// doctor's noiommu DMA findings on the simulated board, each in its good and its bad state: noiommu mode (on; off on
// a machine with no IOMMU groups; off where IOMMUs exist), the kernel taint a noiommu bind leaves, CAP_SYS_ADMIN for
// pagemap's PFNs, and the huge page pool (free pages; none reserved; all in use).
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { checkNoiommu, hugePagePool } from "../../src/host/doctor-noiommu.ts";
import { checkSystem, type Finding } from "../../src/host/doctor.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { bindVfio } from "../helpers/sim-kernel.ts";

const HP = "/sys/kernel/mm/hugepages/hugepages-2048kB";
const os = createRealBoundary();
let sims: SimBoundary[] = [];
let dirs: string[] = [];
afterEach(() => {
  for (const s of sims) s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  sims = [];
  dirs = [];
});

function board(spec: BoardSpec, capSysAdmin = true): SimBoundary {
  const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-doctor-noiommu-"));
  dirs.push(stateDir);
  const sim = new SimBoundary({ stateDir, os, board: spec, capSysAdmin });
  sims.push(sim);
  return sim;
}

const by = (fs: Finding[], check: string) => fs.find((f) => f.check === check);

describe("noiommu mode", () => {
  test("on: an info naming physical addresses, with how to turn it off; checkSystem carries it", () => {
    const b = board(VIRT_NOIOMMU);
    const f = by(checkNoiommu(b), "noiommu")!;
    expect(f.status).toBe("info");
    expect(f.message).toContain("ON");
    expect(f.fix).toContain("echo 0 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
    expect(by(checkSystem(b), "noiommu")).toEqual(f);
  });

  test("off on a machine without IOMMU groups: a warning with the fix; off behind an IOMMU: nothing to fix", () => {
    const b = board({ ...VIRT_NOIOMMU, name: "virt-noiommu-off", cmdline: { "vfio_platform.reset_required": "0" } });
    const off = by(checkNoiommu(b), "noiommu")!;
    expect(off.status).toBe("warn");
    expect(off.fix).toContain("echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
    // With the mode off, the DMA findings do not apply.
    expect(checkNoiommu(b).map((x) => x.check)).toEqual(["noiommu"]);
    const v = by(checkNoiommu(board(VIRT)), "noiommu")!;
    expect(v.status).toBe("info");
    expect(v.fix).toBeUndefined();
  });
});

describe.skipIf(process.getuid?.() !== 0)("the taint (binding in noiommu mode needs root: CAP_SYS_RAWIO)", () => {
  test("not tainted before a noiommu bind; TAINT_USER after it, kept after unbind, with the kernel's warning", () => {
    const b = board(VIRT_NOIOMMU);
    expect(by(checkNoiommu(b), "taint")!.message).toContain("not tainted");
    expect(b.fs.readFile("/proc/sys/kernel/tainted")).toBe("0\n");
    bindVfio(b, "amba", "9010000.pl031");
    expect(b.fs.readFile("/proc/sys/kernel/tainted")).toBe("64\n");
    const t = by(checkNoiommu(b), "taint")!;
    expect(t.message).toContain("TAINT_USER");
    expect(t.fix).toContain("reboot");
    expect(b.fs.readRecords("/dev/kmsg").some((r) => r.startsWith("4,") && r.includes(";vfio-amba 9010000.pl031: Adding kernel taint for vfio-noiommu group on device\n"))).toBe(true);
    b.fs.writeFile("/sys/bus/amba/devices/9010000.pl031/driver/unbind", "9010000.pl031");
    expect(b.fs.readFile("/proc/sys/kernel/tainted")).toBe("64\n");
  });
});

describe("pagemap and CAP_SYS_ADMIN", () => {
  test("with CAP_SYS_ADMIN: ok", () => {
    expect(by(checkNoiommu(board(VIRT_NOIOMMU, true)), "pagemap")!.status).toBe("ok");
  });
  test("without: a warning that PFNs read 0, with the fix", () => {
    const f = by(checkNoiommu(board(VIRT_NOIOMMU, false)), "pagemap")!;
    expect(f.status).toBe("warn");
    expect(f.message).toContain("physical frame number as 0");
    expect(f.fix).toContain("CAP_SYS_ADMIN");
  });
});

describe("huge pages", () => {
  test("free pages: ok, counts from sysfs", () => {
    const b = board(VIRT_NOIOMMU);
    expect(hugePagePool(b)).toEqual({ sizeKb: 2048, total: 128, free: 128, dir: HP });
    const f = by(checkNoiommu(b), "hugepages")!;
    expect(f.status).toBe("ok");
    expect(f.message).toContain("128 of 128 huge pages of 2048 kB");
  });

  test("none reserved: a warning with the nr_hugepages fix; applying the fix makes it ok", () => {
    const b = board(VIRT_NOIOMMU);
    b.fs.writeFile(`${HP}/nr_hugepages`, "0");
    const f = by(checkNoiommu(b), "hugepages")!;
    expect(f.status).toBe("warn");
    expect(f.message).toContain("no huge pages are reserved");
    const m = /echo (\d+) > (\S+)/.exec(String(f.fix))!;
    expect(m[2]).toBe(`${HP}/nr_hugepages`);
    b.fs.writeFile(m[2]!, m[1]!);
    expect(by(checkNoiommu(b), "hugepages")!.status).toBe("ok");
  });

  test("all in use by this process: a warning; freed, ok again", () => {
    const b = board(VIRT_NOIOMMU);
    b.fs.writeFile(`${HP}/nr_hugepages`, "2");
    const mem = b.allocPinnedMemory(4 * 1024 * 1024, 2 * 1024 * 1024);
    expect(by(checkNoiommu(b), "hugepages")!.message).toContain("all 2 huge pages are in use");
    mem.free();
    expect(by(checkNoiommu(b), "hugepages")!.status).toBe("ok");
  });
});
