// One scenario suite, two backends: a scenario is a list of vfio-plat command lines with what must come out of
// each. The same files run on the simulated board (always, from bun test) and inside the real-kernel lab (the guest
// runs them with the real backend and prints the results; the host checks them). Only what both a real kernel and
// the simulator must agree on is written down as an expectation.

/** What one step produced. */
export interface StepResult {
  exit: number;
  stdout: string;
  stderr: string;
}

/** A command step: run `vfio-plat ARGS...` and check the outcome. */
export interface CommandStep {
  kind: "command";
  /** Short name for reports. */
  name: string;
  args: string[];
  /** Text fed to stdin. */
  stdin?: string;
  exit: number;
  /** stdout must equal this, or match this regular expression. */
  stdout?: string | RegExp;
  /** stderr must contain this. */
  stderr?: string;
  /** Extra checks on the result (e.g. parsed JSON); return a message to fail. */
  check?: (r: StepResult) => string | undefined;
}

/** Start a command in the background and wait until its stdout shows `ready` (e.g. an "armed" line). */
export interface BackgroundStep {
  kind: "background";
  name: string;
  args: string[];
  ready: RegExp;
}

/** Send a signal to the background command and check how it ended. */
export interface StopStep {
  kind: "stop";
  name: string;
  signal: "SIGINT" | "SIGTERM";
  exit: number;
}

/** Wait some milliseconds. */
export interface SleepStep {
  kind: "sleep";
  name: string;
  ms: number;
}

export type Step = CommandStep | BackgroundStep | StopStep | SleepStep;

export interface Scenario {
  name: string;
  /** The lab boot profile it needs, and the simulated board that mirrors it. */
  profile: "noiommu" | "smmuv3";
  steps: Step[];
}

/** Parse stdout as one JSON document, or return a failure message. */
export function json<T = Record<string, unknown>>(r: StepResult): T {
  return JSON.parse(r.stdout) as T;
}

/** Parse stdout as JSON Lines. */
export function jsonLines(r: StepResult): Record<string, unknown>[] {
  return r.stdout
    .trim()
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Deep equality for plain JSON values, returning a description of the first difference. */
export function diff(got: unknown, want: unknown, path = "$"): string | undefined {
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object") return `${path}: got ${JSON.stringify(got)}, want an object`;
    if (Array.isArray(want)) {
      if (!Array.isArray(got) || got.length !== want.length) return `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
      for (let i = 0; i < want.length; i++) {
        const d = diff(got[i], want[i], `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    // Objects: every key of `want` must match (a subset check: the JSON may gain fields).
    for (const [k, v] of Object.entries(want)) {
      const d = diff((got as Record<string, unknown>)[k], v, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(got, want) ? undefined : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

/** A check that the parsed JSON document contains `want` (subset match). */
export function jsonHas(want: unknown): (r: StepResult) => string | undefined {
  return (r) => {
    try {
      return diff(json(r), want);
    } catch (e) {
      return `stdout is not JSON: ${(e as Error).message}: ${r.stdout.slice(0, 200)}`;
    }
  };
}

/** One `doctor --json` finding as a scenario expects it: its status, and text its message must contain. */
export interface ExpectedFinding {
  status: "ok" | "warn" | "fail" | "info";
  message?: string;
}

/**
 * A check on `doctor DEVICE --json`: every named check is present with the expected status (and message text).
 * Checks not named are not looked at, so a kernel that adds a finding does not fail the scenario.
 */
export function doctorHas(want: Record<string, ExpectedFinding>): (r: StepResult) => string | undefined {
  return (r) => {
    let doc: { findings?: { check: string; status: string; message: string }[] };
    try {
      doc = json(r);
    } catch (e) {
      return `stdout is not JSON: ${(e as Error).message}: ${r.stdout.slice(0, 200)}`;
    }
    for (const [check, w] of Object.entries(want)) {
      const f = doc.findings?.find((x) => x.check === check);
      if (!f) return `doctor reported no '${check}' finding (got ${(doc.findings ?? []).map((x) => x.check).join(", ")})`;
      if (f.status !== w.status) return `doctor '${check}': status ${f.status}, want ${w.status} (${f.message})`;
      if (w.message !== undefined && !f.message.includes(w.message)) return `doctor '${check}': "${f.message}" lacks "${w.message}"`;
    }
    return undefined;
  };
}
