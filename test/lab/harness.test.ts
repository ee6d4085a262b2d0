// Tests of the lab's host-side pieces that need no QEMU, so they run in every `npm test`: the cpio writer (read back
// by GNU cpio), the console and trace parsers, the QEMU command lines, and the first-light scenario with its checks
// on the simulated board (which also proves the guest runner works before anything boots).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CpioWriter } from "./harness/cpio.ts";
import { runtimePackages } from "./harness/initramfs.ts";
import { cacheRoot, REPO } from "./harness/paths.ts";
import { PROFILES, qemuArgv } from "./harness/qemu.ts";
import { parseTrace } from "./harness/trace.ts";
import { formatEvent, formatResult, parseConsole, type StepRecord } from "./protocol.ts";
import { firstLight } from "./scenarios/first-light.ts";

const cpio = Bun.which("cpio");

describe("cpio newc writer", () => {
  test("header fields are the newc layout", () => {
    const a = new CpioWriter().add({ type: "file", path: "a", data: new Uint8Array([1, 2, 3]), mode: 0o755 }).finish();
    const head = new TextDecoder().decode(a.slice(0, 110));
    expect(head.slice(0, 6)).toBe("070701");
    expect(head.slice(14, 22)).toBe((0o100755).toString(16).padStart(8, "0")); // mode: regular file, 0755
    expect(head.slice(54, 62)).toBe("00000003"); // file size
    expect(head.slice(94, 102)).toBe("00000002"); // name size including the NUL
    expect([...a.slice(110, 112)]).toEqual([0x61, 0]); // "a\0", then padding to 4
    expect([...a.slice(112, 115)]).toEqual([1, 2, 3]);
    expect(a.length % 512).toBe(0);
  });

  test("refuses duplicate and escaping paths", () => {
    const w = new CpioWriter().add({ type: "dir", path: "x" });
    expect(() => w.add({ type: "dir", path: "x" })).toThrow("duplicate");
    expect(() => w.add({ type: "dir", path: "../y" })).toThrow("bad path");
  });

  describe.skipIf(!cpio)(cpio ? "read back by GNU cpio" : "read back by GNU cpio (skipped: no cpio on PATH)", () => {
    test("every entry type lists with the right type, mode, size and link target", () => {
      const dir = mkdtempSync(join(tmpdir(), "lab-cpio-"));
      try {
        const w = new CpioWriter()
          .add({ type: "dir", path: "bin" })
          .add({ type: "file", path: "bin/hello", data: new TextEncoder().encode("hello world\n"), mode: 0o755 })
          .add({ type: "symlink", path: "bin/hi", target: "hello" })
          .add({ type: "dir", path: "dev" })
          .add({ type: "chardev", path: "dev/console", major: 5, minor: 1 });
        writeFileSync(join(dir, "a.cpio"), w.finish());
        const r = Bun.spawnSync([cpio ?? "cpio", "-itv", "--quiet", "-F", join(dir, "a.cpio")], { stdout: "pipe", stderr: "pipe" });
        expect(r.exitCode, r.stderr.toString()).toBe(0);
        const rows = r.stdout.toString().trim().split("\n").map((l) => l.split(/\s+/));
        expect(rows.map((c) => c[0])).toEqual(["drwxr-xr-x", "-rwxr-xr-x", "lrwxrwxrwx", "drwxr-xr-x", "crw-------"]);
        expect(rows[1]?.[4]).toBe("12");
        expect(rows[1]?.at(-1)).toBe("bin/hello");
        expect(rows[2]?.slice(-3)).toEqual(["bin/hi", "->", "hello"]);
        expect(rows[4]?.slice(4, 6)).toEqual(["5,", "1"]);
        // And the file's bytes come back.
        const x = Bun.spawnSync([cpio ?? "cpio", "-i", "--quiet", "--to-stdout", "bin/hello"], { stdin: Bun.file(join(dir, "a.cpio")), stdout: "pipe" });
        expect(x.stdout.toString()).toBe("hello world\n");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe("console protocol", () => {
  const rec: StepRecord = { scenario: "s", index: 0, step: "read", kind: "cli", args: ["read", "x"], exit: 0, stdout: "a\nb\r\n\u001b[0m", stderr: "", ms: 5 };

  test("a record survives the serial console: CRLF endings and a kernel message before it on the line", () => {
    const text = `[    1.0] booting\r\n${formatEvent({ type: "init" })}\r\n[    2.1] vfio: taint ${formatResult(rec)}\r\n`;
    const p = parseConsole(text);
    expect(p.results).toEqual([rec]);
    expect(p.events).toEqual([{ type: "init" }]);
    expect(p.garbled).toEqual([]);
  });

  test("a line cut by interleaved output is reported, not dropped", () => {
    const p = parseConsole(`${formatResult(rec).slice(0, 40)}[ 3.0] something\n`);
    expect(p.results).toEqual([]);
    expect(p.garbled).toHaveLength(1);
  });
});

describe("QEMU trace parser", () => {
  test("reads op, address, value, size and region; ignores other lines", () => {
    const text = [
      "memory_region_ops_read cpu 1 mr 0x557fd8025f80 addr 0x9010ff0 value 0xd size 2 name 'pl031'",
      "some other line",
      "1234@1700000000.000001:memory_region_ops_write cpu 0 mr 0x5 addr 0x901001c value 0x1 size 4 name 'pl031'",
    ].join("\n");
    expect(parseTrace(text)).toEqual([
      { op: "read", cpu: 1, addr: 0x9010ff0n, value: 0xdn, size: 2, region: "pl031" },
      { op: "write", cpu: 0, addr: 0x901001cn, value: 1n, size: 4, region: "pl031" },
    ]);
  });
});

describe("boot profiles", () => {
  const base = { kernel: "/k/Image", initrd: "/k/initrd.cpio", scenario: "first-light", runDir: "/tmp/run" };

  test("noiommu: plain virt, noiommu and reset_required=0 on the command line, the scenario named", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.noiommu });
    expect(a[a.indexOf("-M") + 1]).toBe("virt");
    const append = a[a.indexOf("-append") + 1] ?? "";
    expect(append.split(" ")).toEqual(expect.arrayContaining(["console=ttyAMA0", "panic=-1", "vfio.enable_unsafe_noiommu_mode=1", "vfio_platform.reset_required=0", "vfio_plat_lab.scenario=first-light"]));
    expect(a).toContain("-no-reboot");
    expect(a).not.toContain("-trace");
  });

  test("smmuv3: SMMUv3 with GICv3 and the edu device, no noiommu", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.smmuv3, trace: true });
    expect(a[a.indexOf("-M") + 1]).toBe("virt,iommu=smmuv3,gic-version=3");
    expect(a.join(" ")).toContain("-device edu");
    expect(a[a.indexOf("-append") + 1]).not.toContain("noiommu");
    expect(a.join(" ")).toContain("-trace memory_region_ops_read -trace memory_region_ops_write -D /tmp/run/trace.log");
  });
});

describe("host side", () => {
  test("the guest gets the project's runtime dependencies", () => {
    const deps = Object.keys((JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies);
    expect(runtimePackages()).toEqual(expect.arrayContaining(deps));
  });

  test("the cache lives outside the work tree and honours VFIO_PLAT_LAB_CACHE and XDG_CACHE_HOME", () => {
    expect(cacheRoot({ VFIO_PLAT_LAB_CACHE: "/x/y" })).toBe("/x/y");
    expect(cacheRoot({ XDG_CACHE_HOME: "/c" })).toBe("/c/vfio-plat-lab");
    expect(cacheRoot({ HOME: "/h" }).startsWith(REPO)).toBe(false);
  });
});

describe("first-light checks catch wrong answers", () => {
  const rec = (over: Partial<StepRecord>): StepRecord => ({ scenario: "first-light", index: 0, step: "", kind: "cli", args: [], exit: 0, stdout: "", stderr: "", ms: 1, ...over });
  const check = (name: string) => {
    const c = firstLight.steps.find((s) => s.name === name)?.check;
    if (!c) throw new Error(`no check for ${name}`);
    return c;
  };

  test("a wrong register value, a wrong exit code, a missing flag", () => {
    expect(check("PrimeCell ID word (32-bit)")(rec({ stdout: "0x0000000d\n" }), "real")).toBeUndefined();
    expect(check("PrimeCell ID word (32-bit)")(rec({ stdout: "0x0000000e\n" }), "real")).toContain("0x0000000e");
    expect(check("second opener is busy")(rec({ exit: 0 }), "real")).toContain("exit 0, want 5");
    const info = { flags: ["PLATFORM"], regions: [{ index: 0, name: null, size: 512, offset: "0x0", flags: ["READ", "WRITE", "MMAP"], mmap_tested: null }], irqs: [{ index: 0, count: 1, flags: ["EVENTFD"], trigger: "edge" }] };
    expect(check("info virtio-mmio")(rec({ stdout: JSON.stringify(info) }), "real")).toContain("regions");
  });

  test("real-only expectations are not applied to the simulated board", () => {
    // The PL031's boot driver is read from the real /sys only; on the simulated board that step is not judged.
    const listing = rec({ stdout: "9010000.pl031 \n" });
    expect(check("drivers at boot")(listing, "sim")).toBeUndefined();
    expect(check("drivers at boot")(listing, "real")).toContain("pl031 not on rtc-pl031");
  });

  test("an empty virtio-mmio transport starts driverless on both backends (the lab's finding)", () => {
    const bound = { outcome: "bound", driver: "vfio-platform", group_node: "/dev/vfio/noiommu-0", previous_driver: "virtio-mmio" };
    expect(check("bind virtio-mmio")(rec({ stdout: JSON.stringify(bound) }), "sim")).toContain("previous_driver");
    expect(check("bind virtio-mmio")(rec({ stdout: JSON.stringify({ ...bound, previous_driver: null }) }), "real")).toBeUndefined();
  });
});

describe("first-light on the simulated board (dry run of the guest runner)", () => {
  test("every step reports and every check holds", () => {
    const state = mkdtempSync(join(tmpdir(), "lab-dry-"));
    try {
      const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "guest/runner.ts"), "--scenario", "first-light", "--sim", "--sim-state", state], { stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode, r.stderr.toString()).toBe(0);
      const { results, events } = parseConsole(r.stdout.toString());
      expect(events.map((e) => e.type)).toEqual(["runner", "done"]);
      expect(results.map((x) => x.step)).toEqual(firstLight.steps.map((s) => s.name));
      const problems = firstLight.steps.flatMap((s, i) => {
        const m = s.check?.(results[i] as StepRecord, "sim");
        return m ? [`${s.name}: ${m}`] : [];
      });
      expect(problems).toEqual([]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 30_000);
});
