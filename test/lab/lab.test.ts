// The real-kernel lab as a test: builds the arm64 kernel and initramfs if the cache lacks them, boots each profile once
// under qemu-system-aarch64 and judges every step the guest reported (lab scenarios here, shared scenarios in the guest
// by their own runner); runs the same shared scenarios on the simulated board and compares exit codes step by step;
// checks what only the host can see (QEMU's MMIO trace). Slow and needs apt/npm, so it runs only with VFIO_PLAT_LAB=1.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { compareExits, formatDifference, runProfileOnSim, stderrNotes, type SimRun } from "./harness/compare.ts";
import { prepare, runProfileInGuest, type LabRun, type Prepared } from "./harness/session.ts";
import { parseTrace } from "./harness/trace.ts";
import { jobsFor, PROFILE_NAMES, SIM_BOARDS, type ProfileName } from "./plan.ts";
import type { OutcomeRecord } from "./protocol.ts";
import { blkImageProblems } from "../scenarios/virtio-blk-image.ts";

const enabled = process.env.VFIO_PLAT_LAB === "1";
const SETUP_MS = 50 * 60_000;

/** One line per shared scenario (how many steps held on each backend, how many exit codes differ), then stderr notes. */
function summary(profile: ProfileName, run: LabRun, sim: SimRun): string[] {
  return jobsFor(profile)
    .filter((j) => j.kind === "shared")
    .map((j) => {
      const count = (list: OutcomeRecord[]) => {
        const mine = list.filter((o) => o.scenario === j.scenario.name);
        return `${mine.filter((o) => o.ok).length}/${j.scenario.steps.length}`;
      };
      const diffs = compareExits(j.scenario.name, run.boot.outcomes, sim.outcomes).length;
      const notes = stderrNotes(j.scenario.name, run.boot.outcomes, sim.outcomes).map((n) => `[lab]     note ${n}`);
      return [`[lab]   ${j.id}: real ${count(run.boot.outcomes)} ok, sim (${SIM_BOARDS[profile]}) ${count(sim.outcomes)} ok, ${diffs} exit-code difference(s)`, ...notes];
    })
    .flat();
}

describe.skipIf(!enabled)(`real-kernel lab${enabled ? "" : " — skipped: run it with `bun run test:lab` (sets VFIO_PLAT_LAB=1)"}`, () => {
  let prepared: Prepared;
  const runs = new Map<ProfileName, LabRun>();
  const sims = new Map<ProfileName, SimRun>();
  const t0 = performance.now();

  beforeAll(async () => {
    prepared = await prepare();
    const lines: string[] = [];
    for (const profile of PROFILE_NAMES) {
      // The trace proves access widths for first-light's reads; one boot per profile, so it covers the whole boot.
      const run = await runProfileInGuest(prepared, profile, { trace: profile === "noiommu" });
      runs.set(profile, run);
      const sim = await runProfileOnSim(profile);
      sims.set(profile, sim);
      lines.push(`[lab] ${profile}: boot ${run.boot.seconds.toFixed(1)} s (init at ${run.boot.initSeconds?.toFixed(1) ?? "?"} s), simulated board ${sim.seconds.toFixed(1)} s`, ...summary(profile, run, sim));
    }
    console.log(`[lab] kernel ${prepared.kernel.built ? `built in ${prepared.kernel.seconds.toFixed(0)} s` : "cached"}; setup total ${((performance.now() - t0) / 1000).toFixed(1)} s\n${lines.join("\n")}`);
  }, SETUP_MS);

  for (const profile of PROFILE_NAMES) {
    const jobs = jobsFor(profile);
    describe(`profile ${profile}`, () => {
      test("the guest ran every scenario and powered off", () => {
        const run = runs.get(profile);
        expect(run).toBeDefined();
        if (!run) return;
        const tail = run.boot.console.slice(-3000);
        expect({ timedOut: run.boot.timedOut, exit: run.boot.exit }, tail).toEqual({ timedOut: false, exit: 0 });
        const harness = run.boot.events.map((e) => e.type).filter((t) => t !== "job" && t !== "command" && t !== "leftover");
        expect(harness, tail).toEqual(["init", "runner", "dmesg", "done", "poweroff"]);
        expect(run.boot.events.filter((e) => e.type === "job").map((e) => e.id)).toEqual(jobs.map((j) => j.id));
        expect(run.boot.garbled).toEqual([]);
      });

      test("every scenario left the board as it found it (nothing still on a VFIO driver)", () => {
        const left = runs.get(profile)?.boot.events.filter((e) => e.type === "leftover") ?? [];
        expect(left).toEqual([]);
      });

      test("no kernel oops, BUG or warning splat in dmesg", () => {
        const dmesg = String(runs.get(profile)?.boot.events.find((e) => e.type === "dmesg")?.text ?? "");
        expect(dmesg).toContain("Run /init as init process");
        expect(dmesg.split("\n").filter((l) => /Oops|BUG:|WARNING:|Call trace:|Unable to handle/.test(l))).toEqual([]);
      });

      for (const job of jobs) {
        if (job.kind === "lab") {
          const scenario = job.scenario;
          describe(`lab scenario ${scenario.name}`, () => {
            scenario.steps.forEach((step, i) => {
              test(`${String(i).padStart(2, "0")} ${step.name}`, () => {
                const r = runs.get(profile)?.boot.results.find((x) => x.scenario === scenario.name && x.index === i);
                expect(r, "no result line for this step").toBeDefined();
                if (!r || !step.check) return;
                expect(step.check(r, "real") ?? "ok").toBe("ok");
              });
            });
          });
          continue;
        }
        const scenario = job.scenario;
        describe(`shared scenario ${scenario.name}`, () => {
          scenario.steps.forEach((step, i) => {
            test(`${String(i).padStart(2, "0")} ${step.name} (real kernel)`, () => {
              const o = runs.get(profile)?.boot.outcomes.find((x) => x.scenario === scenario.name && x.index === i);
              expect(o, "no outcome line for this step").toBeDefined();
              expect(o?.ok ? "ok" : `${o?.problem}`).toBe("ok");
            });
          });

          test(`every step holds on the simulated board (${SIM_BOARDS[profile]})`, () => {
            const sim = sims.get(profile);
            expect(sim?.exit, sim?.stderr).toBe(0);
            const mine = sim?.outcomes.filter((o) => o.scenario === scenario.name) ?? [];
            expect(mine.length).toBe(scenario.steps.length);
            expect(mine.filter((o) => !o.ok).map((o) => `${o.index} ${o.step}: ${o.problem}`)).toEqual([]);
          });

          test("same step, same exit code on the real kernel and the simulated board", () => {
            const diffs = compareExits(scenario.name, runs.get(profile)?.boot.outcomes ?? [], sims.get(profile)?.outcomes ?? []);
            expect(diffs.map(formatDifference)).toEqual([]);
          });
        });
      }
    });
  }

  test("virtio-blk: the pattern blk-test wrote through vfio-platform is really on the host's disk image", () => {
    const path = runs.get("noiommu")?.boot.diskPath;
    expect(path).toBeDefined();
    const image = new Uint8Array(readFileSync(path ?? ""));
    expect(blkImageProblems(image)).toEqual([]);
  });

  test("first-light: the noiommu taint was logged for both devices", () => {
    const dmesg = String(runs.get("noiommu")?.boot.events.find((e) => e.type === "dmesg")?.text ?? "");
    expect(dmesg).toContain("vfio-amba 9010000.pl031: Adding kernel taint for vfio-noiommu group");
    expect(dmesg).toContain("vfio-platform a000000.virtio_mmio: Adding kernel taint for vfio-noiommu group");
  });

  test("first-light: each read reached the device once, at the width asked (QEMU MMIO trace)", () => {
    const path = runs.get("noiommu")?.boot.tracePath;
    expect(path).toBeDefined();
    const acc = parseTrace(readFileSync(path ?? "", "utf8")).filter((a) => a.op === "read");
    const at = (addr: bigint) => acc.filter((a) => a.addr === addr).map((a) => `${a.size}:0x${a.value.toString(16)}`);
    // .w and .b reads reach 0xff0/0xffc only from the scenarios; .l at 0xff0 also appears in the AMBA ID probe at boot.
    expect(at(0x9010ff0n)).toContain("2:0xd");
    expect(at(0x9010ff0n)).toContain("4:0xd");
    expect(at(0x9010ffcn)).toContain("1:0xb1");
    expect(acc.some((a) => a.size === 8 && (a.region === "pl031" || a.region.includes("virtio")))).toBe(false);
    expect(at(0xa000000n)).toContain("4:0x74726976");
  });
});
