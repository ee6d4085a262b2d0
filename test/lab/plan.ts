// What one lab boot runs: every lab scenario (test/lab/scenarios) and every shared scenario (test/scenarios) of one
// boot profile, lab ones first, each selectable by a short id. Shared by the guest runner (which runs the jobs) and
// the host (which boots one profile at a time and knows which simulated board mirrors it), so both list the same jobs.
import { SCENARIOS } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { LAB_SCENARIOS } from "./scenarios/index.ts";
import type { LabScenario } from "./scenarios/lab-scenario.ts";

export type ProfileName = LabScenario["profile"];

/** The boot profiles, in the order the lab boots them. */
export const PROFILE_NAMES: ProfileName[] = ["noiommu", "smmuv3"];

/** The simulated board that mirrors each boot profile (what test/scenarios/sim.test.ts runs the suite on). */
export const SIM_BOARDS: Record<ProfileName, string> = { noiommu: "virt-noiommu", smmuv3: "virt" };

export type Job = { kind: "lab"; id: string; scenario: LabScenario } | { kind: "shared"; id: string; scenario: Scenario };

/** A shared scenario's id: its name in kebab case ("pl031 via vfio-amba (noiommu)" -> "pl031-via-vfio-amba-noiommu"). */
export function sharedId(s: Scenario): string {
  return s.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Every job, all profiles. */
export function allJobs(): Job[] {
  return [
    ...Object.values(LAB_SCENARIOS).map((s): Job => ({ kind: "lab", id: s.name, scenario: s })),
    ...SCENARIOS.map((s): Job => ({ kind: "shared", id: sharedId(s), scenario: s })),
  ];
}

/**
 * The jobs of one boot: the profile's lab scenarios, then its shared scenarios, optionally only those whose id is in
 * `only`. @throws Error for an id that names no job of that profile (a typo must not silently run nothing).
 */
export function jobsFor(profile: ProfileName, only?: string[]): Job[] {
  const jobs = allJobs().filter((j) => j.scenario.profile === profile);
  if (!only || only.length === 0) return jobs;
  const unknown = only.filter((id) => !jobs.some((j) => j.id === id));
  if (unknown.length > 0) {
    throw new Error(`no ${profile} scenario ${unknown.join(", ")} (have: ${jobs.map((j) => j.id).join(", ")})`);
  }
  return jobs.filter((j) => only.includes(j.id));
}

/** The profile a set of job ids needs. @throws Error when they name no job, or jobs of different profiles. */
export function profileOf(ids: string[]): ProfileName {
  const profiles = new Set<ProfileName>();
  for (const id of ids) {
    const j = allJobs().find((x) => x.id === id);
    if (!j) throw new Error(`no lab or shared scenario '${id}' (have: ${allJobs().map((x) => x.id).join(", ")})`);
    profiles.add(j.scenario.profile);
  }
  const [p, ...rest] = [...profiles];
  if (!p || rest.length > 0) throw new Error(`scenarios ${ids.join(", ")} need ${profiles.size === 0 ? "no" : "different"} boot profiles`);
  return p;
}
