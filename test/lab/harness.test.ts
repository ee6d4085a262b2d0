// Tests of the lab's host-side pieces that need no QEMU, so they run in every `npm test`: the cpio writer (read back
// by GNU cpio), the console and trace parsers, the QEMU command lines, the boot plan, the exit-code comparison, and the
// guest runner on the simulated board (first-light with its checks, one shared scenario) before anything boots.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareExits, formatDifference, stderrNotes } from "./harness/compare.ts";
import { CpioWriter } from "./harness/cpio.ts";
import { projectArchive, runtimePackages } from "./harness/initramfs.ts";
import { cacheRoot, REPO } from "./harness/paths.ts";
import { PROFILES, qemuArgv } from "./harness/qemu.ts";
import { parseTrace } from "./harness/trace.ts";
import { benchCmdline, formatBenchSample, parseBenchCmdline, parseBenchSamples } from "./bench-protocol.ts";
import { jobsFor, profileOf, sharedId, SIM_BOARDS } from "./plan.ts";
import { formatEvent, formatOutcome, formatResult, parseConsole, type OutcomeRecord, type StepRecord } from "./protocol.ts";
import { firstLight } from "./scenarios/first-light.ts";
import { SCENARIOS } from "../scenarios/index.ts";
import { virtioMmioNoiommu } from "../scenarios/virtio-mmio-noiommu.scenario.ts";

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

  test("a shared-suite outcome line round-trips, apart from result and event lines", () => {
    const o: OutcomeRecord = { scenario: "s (x)", index: 3, step: "busy", kind: "command", ok: false, problem: "exit 1, want 5", exit: 1, stdout: "", stderr: "vfio-plat: …\n" };
    const p = parseConsole(`${formatOutcome(o)}\r\n${formatResult(rec)}\r\n`);
    expect(p.outcomes).toEqual([o]);
    expect(p.results).toEqual([rec]);
    expect(p.events).toEqual([]);
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
  const base = { kernel: "/k/Image", initrd: "/k/initrd.cpio", runDir: "/tmp/run" };

  test("noiommu: plain virt, noiommu and reset_required=0 on the command line, the profile named", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.noiommu });
    expect(a[a.indexOf("-M") + 1]).toBe("virt");
    const append = a[a.indexOf("-append") + 1] ?? "";
    expect(append.split(" ")).toEqual(expect.arrayContaining(["console=ttyAMA0", "panic=-1", "vfio.enable_unsafe_noiommu_mode=1", "vfio_platform.reset_required=0", "hugepages=64", "vfio_plat_lab.profile=noiommu"]));
    expect(append).not.toContain("vfio_plat_lab.only");
    expect(a).toContain("-no-reboot");
    expect(a.join(" ")).toContain("-nic none");
    expect(a).not.toContain("-trace");
  });

  test("extra command-line words (the bench entry) go after the profile's", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.noiommu, append: ["vfio_plat_lab.entry=bench", "vfio_plat_lab.bench=3,100,/x"] });
    const words = (a[a.indexOf("-append") + 1] ?? "").split(" ");
    expect(words.slice(-2)).toEqual(["vfio_plat_lab.entry=bench", "vfio_plat_lab.bench=3,100,/x"]);
    expect(words).toContain("vfio.enable_unsafe_noiommu_mode=1");
  });

  test("a subset of the profile's scenarios is passed as vfio_plat_lab.only", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.noiommu, only: ["first-light", "errno-parity-noiommu"] });
    expect((a[a.indexOf("-append") + 1] ?? "").split(" ")).toContain("vfio_plat_lab.only=first-light,errno-parity-noiommu");
  });

  test("smmuv3: SMMUv3 with GICv3 and edu at 00:02.0 (where the simulated board has it), no noiommu", () => {
    const a = qemuArgv({ ...base, profile: PROFILES.smmuv3, trace: true });
    expect(a[a.indexOf("-M") + 1]).toBe("virt,iommu=smmuv3,gic-version=3");
    expect(a.join(" ")).toContain("-device edu,addr=2");
    expect(a.join(" ")).toContain("-nic none");
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

describe("boot plan", () => {
  test("every shared scenario runs in exactly one boot, after that profile's lab scenarios", () => {
    const booted = [...jobsFor("noiommu"), ...jobsFor("smmuv3")];
    const shared = booted.filter((j) => j.kind === "shared").map((j) => j.scenario.name);
    expect(shared.sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
    for (const p of ["noiommu", "smmuv3"] as const) {
      const kinds = jobsFor(p).map((j) => j.kind);
      expect(kinds.indexOf("shared")).toBeGreaterThan(kinds.lastIndexOf("lab"));
    }
  });

  test("ids are kebab case and unique; a subset keeps the plan's order", () => {
    expect(sharedId(virtioMmioNoiommu)).toBe("virtio-mmio-via-vfio-platform-noiommu");
    const ids = [...jobsFor("noiommu"), ...jobsFor("smmuv3")].map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(jobsFor("noiommu", ["virtio-mmio-via-vfio-platform-noiommu", "first-light"]).map((j) => j.id)).toEqual(["first-light", "virtio-mmio-via-vfio-platform-noiommu"]);
  });

  test("unknown ids and mixed profiles are refused", () => {
    expect(() => jobsFor("noiommu", ["smmuv3-smoke"])).toThrow("no noiommu scenario smmuv3-smoke");
    expect(() => profileOf(["first-light", "smmuv3-smoke"])).toThrow("different boot profiles");
    expect(() => profileOf(["nope"])).toThrow("no lab or shared scenario 'nope'");
    expect(profileOf(["smmuv3-smoke"])).toBe("smmuv3");
  });

  test("each profile has the simulated board sim.test.ts uses for it", () => {
    expect(SIM_BOARDS).toEqual({ noiommu: "virt-noiommu", smmuv3: "virt" });
  });
});

describe("exit-code comparison", () => {
  const o = (index: number, exit: number | null, over: Partial<OutcomeRecord> = {}): OutcomeRecord => ({ scenario: "s", index, step: `step ${index}`, kind: "command", ok: true, exit, stdout: "", stderr: "", ...over });

  test("equal exit codes, background steps without one, and other scenarios' steps give no difference", () => {
    expect(compareExits("s", [o(0, 0), o(1, null), o(2, 5), o(0, 9, { scenario: "t" })], [o(0, 0), o(1, null), o(2, 5)])).toEqual([]);
  });

  test("a different exit code and a step missing on one side are named, in step order", () => {
    const d = compareExits("s", [o(0, 0), o(2, 1, { stderr: "real says EINVAL\n" })], [o(0, 0), o(1, 0), o(2, 5, { stderr: "sim says busy" })]);
    expect(d.map((x) => [x.index, x.real, x.sim])).toEqual([
      [1, "missing", 0],
      [2, 1, 5],
    ]);
    expect(formatDifference(d[1]!)).toBe('02 step 2: real exit 1, sim exit 5 (real stderr "real says EINVAL"; sim stderr "sim says busy")');
  });
});

describe("stderr notes", () => {
  const o = (exit: number, stderr: string, scenario = "s"): OutcomeRecord => ({ scenario, index: 0, step: "x", kind: "command", ok: true, exit, stderr, stdout: "" });

  test("pids and timestamps do not count; another ioctl name does; different exit codes are left to compareExits", () => {
    expect(stderrNotes("s", [o(5, "held by process 240 (kill 240)\n")], [o(5, "held by process 9123 (kill 9123)")])).toEqual([]);
    expect(stderrNotes("s", [o(1, "at 1795523358.307982000")], [o(1, "at 1795523433.434564000")])).toEqual([]);
    expect(stderrNotes("s", [o(1, "x: 0x3b6e: Invalid argument (EINVAL)")], [o(1, "x: VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)")])).toHaveLength(1);
    expect(stderrNotes("s", [o(1, "a")], [o(5, "b")])).toEqual([]);
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

describe("the guest runner on the simulated board (dry run)", () => {
  test("first-light: every step reports and every check holds", () => {
    const state = mkdtempSync(join(tmpdir(), "lab-dry-"));
    try {
      const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "guest/runner.ts"), "--only", "first-light", "--sim", "--sim-state", state], { stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode, r.stderr.toString()).toBe(0);
      const { results, events } = parseConsole(r.stdout.toString());
      expect(events.map((e) => e.type)).toEqual(["runner", "job", "done"]);
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

  test("a shared scenario: judged by its own runner, one outcome line per step, each command announced first", () => {
    const state = mkdtempSync(join(tmpdir(), "lab-dry-"));
    try {
      const id = sharedId(virtioMmioNoiommu);
      const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "guest/runner.ts"), "--only", id, "--sim", "--sim-state", state], { stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode, r.stderr.toString()).toBe(0);
      const { outcomes, events, results } = parseConsole(r.stdout.toString());
      expect(results).toEqual([]);
      expect(events.find((e) => e.type === "runner")?.profile).toBe("noiommu");
      expect(events.filter((e) => e.type === "command").length).toBe(virtioMmioNoiommu.steps.filter((s) => s.kind === "command").length);
      expect(outcomes.map((o) => [o.index, o.step])).toEqual(virtioMmioNoiommu.steps.map((s, i) => [i, s.name]));
      expect(outcomes.filter((o) => !o.ok).map((o) => `${o.step}: ${o.problem}`)).toEqual([]);
      // The evidence comes back too: the EINVAL step's exit code and stderr.
      const unmask = outcomes.find((o) => o.step === "unmask of an edge interrupt is EINVAL");
      expect([unmask?.exit, unmask?.stderr.includes("(EINVAL)")]).toEqual([1, true]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 30_000);

  test("an unknown scenario id is an error event and exit 2, not an empty run", () => {
    const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "guest/runner.ts"), "--only", "no-such-scenario", "--sim"], { stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(2);
    expect(parseConsole(r.stdout.toString()).events.map((e) => e.type)).toEqual(["error"]);
  });
});

describe("lab benchmark protocol", () => {
  test("the bench parameters survive the kernel command line; absent is undefined, malformed is refused", () => {
    const p = { samples: 5, n: 20000, program: "/opt/vfio-plat/bench/vfio-pread" };
    expect(parseBenchCmdline(`console=ttyAMA0 ${benchCmdline(p)} vfio_plat_lab.entry=bench\n`)).toEqual(p);
    expect(parseBenchCmdline("console=ttyAMA0 panic=-1")).toBeUndefined();
    expect(() => parseBenchCmdline("vfio_plat_lab.bench=0,10,/x")).toThrow(/SAMPLES,N,PROGRAM/);
    expect(() => parseBenchCmdline("vfio_plat_lab.bench=3,ten,/x")).toThrow(/SAMPLES,N,PROGRAM/);
    expect(() => parseBenchCmdline("vfio_plat_lab.bench=3,10")).toThrow(/SAMPLES,N,PROGRAM/);
  });

  test("samples come back per row and side in sample order, through CRLF and a kernel message on the line", () => {
    const lines = [
      formatBenchSample({ row: "r", side: "vfio", sample: 1, ns: 12 }),
      `[  3.1] rtc: something ${formatBenchSample({ row: "r", side: "vfio", sample: 0, ns: 11 })}`,
      formatBenchSample({ row: "r", side: "reference", sample: 0, ns: 9.5 }),
      formatBenchSample({ row: "other", side: "reference", sample: 0, ns: 1 }),
      formatEvent({ type: "done" }),
    ];
    const { rows, garbled } = parseBenchSamples(lines.join("\r\n"));
    expect(rows).toEqual({ r: { vfio: [11, 12], reference: [9.5] }, other: { vfio: [], reference: [1] } });
    expect(garbled).toEqual([]);
  });

  test("a cut line or one missing a field is reported as garbled, not counted", () => {
    const good = formatBenchSample({ row: "r", side: "vfio", sample: 0, ns: 3 });
    const text = [good.slice(0, 30), 'VFIO-PLAT-BENCH {"row":"r","side":"vfio","sample":1}', 'VFIO-PLAT-BENCH {"row":"r","side":"both","sample":1,"ns":2}', good].join("\n");
    const { rows, garbled } = parseBenchSamples(text);
    expect(rows).toEqual({ r: { vfio: [3], reference: [] } });
    expect(garbled).toHaveLength(3);
  });

  test("an extra file (the bench's C program) lands in the per-run archive with its mode", () => {
    const data = new TextEncoder().encode("EXTRA-PROGRAM-BYTES");
    const archive = new TextDecoder("latin1").decode(projectArchive([{ path: "opt/vfio-plat/bench/vfio-pread", data, mode: 0o755 }]));
    const at = archive.indexOf("opt/vfio-plat/bench/vfio-pread\0");
    expect(at).toBeGreaterThan(0);
    // newc header: 110 bytes before the name; c_mode is the second field (file type 0o100000 | 0o755).
    const header = archive.slice(at - 110, at);
    expect(Number.parseInt(header.slice(14, 22), 16)).toBe(0o100755);
    expect(archive.indexOf("EXTRA-PROGRAM-BYTES", at)).toBeGreaterThan(at);
    expect(archive).toContain("opt/vfio-plat/bench\0");
    expect(archive).toContain("opt/vfio-plat/test/lab/guest/bench.ts\0");
  });
});
