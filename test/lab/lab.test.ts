// The real-kernel lab as a test: builds the arm64 kernel and initramfs if the cache lacks them, boots each lab
// scenario under qemu-system-aarch64 and judges every step the guest reported, plus what only the host can see
// (QEMU's MMIO trace: the width of each device access). Slow and needs apt/npm, so it runs only with VFIO_PLAT_LAB=1.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { prepare, runScenarioInGuest, type LabRun, type Prepared } from "./harness/session.ts";
import { parseTrace } from "./harness/trace.ts";
import { LAB_SCENARIOS } from "./scenarios/index.ts";

const enabled = process.env.VFIO_PLAT_LAB === "1";
const SETUP_MS = 50 * 60_000;

describe.skipIf(!enabled)(`real-kernel lab${enabled ? "" : " — skipped: run it with `bun run test:lab` (sets VFIO_PLAT_LAB=1)"}`, () => {
  let prepared: Prepared;
  const runs = new Map<string, LabRun>();
  const t0 = performance.now();

  beforeAll(async () => {
    prepared = await prepare();
    for (const name of Object.keys(LAB_SCENARIOS)) runs.set(name, await runScenarioInGuest(prepared, name, { trace: name === "first-light" }));
    const b = [...runs.values()].map((r) => `${r.scenario.name}: boot ${r.boot.seconds.toFixed(1)} s, init at ${r.boot.initSeconds?.toFixed(1) ?? "?"} s`);
    console.log(`[lab] kernel ${prepared.kernel.built ? `built in ${prepared.kernel.seconds.toFixed(0)} s` : "cached"}; ${b.join("; ")}; setup total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, SETUP_MS);

  for (const [name, scenario] of Object.entries(LAB_SCENARIOS)) {
    describe(`${name} (${scenario.profile})`, () => {
      test("the guest ran every step and powered off", () => {
        const run = runs.get(name);
        expect(run).toBeDefined();
        if (!run) return;
        const tail = run.boot.console.slice(-3000);
        expect({ timedOut: run.boot.timedOut, exit: run.boot.exit }, tail).toEqual({ timedOut: false, exit: 0 });
        expect(run.boot.events.map((e) => e.type), tail).toEqual(["init", "runner", "dmesg", "done", "poweroff"]);
        expect(run.boot.results.map((r) => r.step)).toEqual(scenario.steps.map((s) => s.name));
        expect(run.boot.garbled).toEqual([]);
      });

      scenario.steps.forEach((step, i) => {
        test(`${String(i).padStart(2, "0")} ${step.name}`, () => {
          const r = runs.get(name)?.boot.results.find((x) => x.index === i);
          expect(r, "no result line for this step").toBeDefined();
          if (!r || !step.check) return;
          expect(step.check(r, "real") ?? "ok").toBe("ok");
        });
      });

      test("no kernel oops, BUG or warning splat in dmesg", () => {
        const dmesg = String(runs.get(name)?.boot.events.find((e) => e.type === "dmesg")?.text ?? "");
        expect(dmesg).toContain("Run /init as init process");
        expect(dmesg.split("\n").filter((l) => /Oops|BUG:|WARNING:|Call trace:|Unable to handle/.test(l))).toEqual([]);
      });
    });
  }

  test("first-light: the noiommu taint was logged for both devices", () => {
    const dmesg = String(runs.get("first-light")?.boot.events.find((e) => e.type === "dmesg")?.text ?? "");
    expect(dmesg).toContain("vfio-amba 9010000.pl031: Adding kernel taint for vfio-noiommu group");
    expect(dmesg).toContain("vfio-platform a000000.virtio_mmio: Adding kernel taint for vfio-noiommu group");
  });

  test("first-light: each read reached the device once, at the width asked (QEMU MMIO trace)", () => {
    const path = runs.get("first-light")?.boot.tracePath;
    expect(path).toBeDefined();
    const acc = parseTrace(readFileSync(path ?? "", "utf8")).filter((a) => a.op === "read");
    const at = (addr: bigint) => acc.filter((a) => a.addr === addr).map((a) => `${a.size}:0x${a.value.toString(16)}`);
    // .w and .b reads exist only once in the scenario; .l at 0xff0 also appears in the AMBA ID probe at boot.
    expect(at(0x9010ff0n)).toContain("2:0xd");
    expect(at(0x9010ff0n)).toContain("4:0xd");
    expect(at(0x9010ffcn)).toContain("1:0xb1");
    expect(acc.some((a) => a.size === 8 && a.region === "pl031")).toBe(false);
    expect(at(0xa000000n)).toContain("4:0x74726976");
  });
});
