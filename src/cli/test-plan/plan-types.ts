// The test plan as the runner uses it, after loading and checking (load-plan.ts): every default applied, every
// period in milliseconds, every relative path resolved against the plan's directory. docs/plan.schema.json is the
// published shape of the file; these types are what that file becomes.

/** The step kinds, in the order docs/plans.md lists them; each runs the CLI command of the same name. */
export const STEP_KINDS = ["expect", "poll", "write", "irq", "run", "dma-test", "pl330-exec", "blk-test"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One step: a test case "<device id>/<step id>". `body` is the kind's object as the plan gave it (paths resolved). */
export interface PlanStep {
  id: string;
  kind: StepKind;
  description?: string;
  timeoutMs: number;
  /** Run the device's later steps even when this one fails. */
  continueOnFailure: boolean;
  body: Record<string, unknown>;
}

export interface PlanDevice {
  /** The device as the plan names it (a name, or a compatible string). */
  spec: string;
  /** "FILE:LINE:COL" of its `device:` value, for messages about it (an unknown device). */
  at: string;
  /** Prefix of its case ids; the plan's `id`, else the spec. */
  id: string;
  bind: false | { user?: string; group?: string };
  /** Absolute path of the register map file. */
  regs?: string;
  steps: PlanStep[];
}

export interface Plan {
  name: string;
  /** The plan file as given on the command line. */
  file: string;
  description?: string;
  board?: string;
  /** The default step timeout (also bind's and unbind's). */
  timeoutMs: number;
  /** `grace:` after a timeout's SIGTERM, how long before SIGKILL; absent: the runner's default (DEFAULT_GRACE_MS, or
   * twice the slowest bind or unbind so far, the start-up of a command on this target). */
  graceMs?: number;
  devices: PlanDevice[];
}

/** The default per-step timeout when the plan gives none. */
export const DEFAULT_STEP_TIMEOUT = "60s";

/** The least grace after a timeout's SIGTERM before SIGKILL when the plan gives no `grace:`. */
export const DEFAULT_GRACE_MS = 2000;
