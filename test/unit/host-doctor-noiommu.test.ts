// doctor's noiommu DMA findings on the simulated board, each in its good and its bad state: noiommu mode (on; off on
// a machine with no IOMMU groups; off where IOMMUs exist), the kernel taint a noiommu bind leaves, CAP_SYS_ADMIN for
// pagemap's PFNs, and the huge page pool (free pages; none reserved; all in use).
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { checkNoiommu } from "../../src/host/doctor-noiommu.ts";
import { chooseHugePages, hugePagePools } from "../../src/vfio/huge-pages.ts";
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

  // Info, not a warning, with no groups: behind an IOMMU groups appear only at probe (the real SMMUv3 lab shows none
  // before the first bind); the device's own check FAILs when it has no group (host-doctor.test.ts).
  test("off on a machine without IOMMU groups: info with the fix; off behind an IOMMU: nothing to fix", () => {
    const b = board({ ...VIRT_NOIOMMU, name: "virt-noiommu-off", cmdline: { "vfio_platform.reset_required": "0" } });
    const off = by(checkNoiommu(b), "noiommu")!;
    expect(off.status).toBe("info");
    expect(off.message).toContain("no IOMMU groups yet");
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
    expect(hugePagePools(b)).toEqual([{ pageSize: 2 << 20, total: 128, free: 128, dir: HP }]);
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

/** Only the files doctor's noiommu findings read: noiommu on, root, and the given hugetlb pools (kB -> [total, free]). */
function poolsOnly(defaultKb: number, pools: Record<number, [number, number]>): KernelBoundary {
  const files = new Map<string, string>([
    ["/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n"],
    ["/proc/self/status", "CapEff:\t000001ffffffffff\n"],
    ["/proc/meminfo", `HugePages_Total: 0\nHugePages_Free: 0\nHugepagesize: ${defaultKb} kB\n`],
  ]);
  for (const [kb, [total, free]] of Object.entries(pools)) {
    files.set(`/sys/kernel/mm/hugepages/hugepages-${kb}kB/nr_hugepages`, `${total}\n`);
    files.set(`/sys/kernel/mm/hugepages/hugepages-${kb}kB/free_hugepages`, `${free}\n`);
  }
  const fs = {
    readFile(p: string): string {
      const v = files.get(p);
      if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      return v;
    },
    readdir(p: string): string[] {
      if (p === "/sys/kernel/mm/hugepages") return Object.keys(pools).map((kb) => `hugepages-${kb}kB`);
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    },
  };
  return { fs, pageSize: 4096 } as unknown as KernelBoundary;
}

describe("huge pages: every pool the allocation could use", () => {
  test("the default pool empty but a 1 GiB pool with a free page: ok, both pools named; the allocation agrees", () => {
    const b = poolsOnly(2048, { 2048: [0, 0], 1048576: [2, 1] });
    const f = by(checkNoiommu(b), "hugepages")!;
    expect(f.status).toBe("ok");
    expect(f.message).toContain("0 of 0 huge pages of 2048 kB free");
    expect(f.message).toContain("1 of 2 huge pages of 1048576 kB free");
    expect(chooseHugePages(b, 1 << 20)).toEqual({ pageSize: 1 << 30 });
  });

  test("no pool has a free page: a warning naming every pool, the fix on the default pool's nr_hugepages", () => {
    const b = poolsOnly(2048, { 1048576: [1, 0], 2048: [3, 0] });
    const f = by(checkNoiommu(b), "hugepages")!;
    expect(f.status).toBe("warn");
    expect(f.message).toContain("all 4 huge pages are in use");
    expect(f.message).toContain("0 of 3 huge pages of 2048 kB free");
    expect(f.message).toContain("0 of 1 huge pages of 1048576 kB free");
    expect(f.fix).toContain("> /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    expect(chooseHugePages(b, 1 << 20)).toMatchObject({ reason: "pool-short" });
  });

  test("no pools at all: a warning that buffers fall back to small pages", () => {
    const f = by(checkNoiommu(poolsOnly(2048, {})), "hugepages")!;
    expect(f.status).toBe("warn");
    expect(f.message).toContain("no huge page pools");
  });
});
