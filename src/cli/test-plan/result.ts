// What a test plan produces, case by case: the one model every report (people's summary, TAP, JUnit XML, JSON Lines)
// is written from. A case is one step of one device (bind and unbind included); reporters see cases as they finish so
// TAP and JSON Lines stream to a farm's log while the plan runs.

/** fail: a check did not hold (the step exited 7 or 8); error: anything else went wrong; skip: not run. */
export type CaseStatus = "pass" | "fail" | "error" | "skip";

/** One case: a plan step on one device, or that device's bind or unbind. */
export interface CaseResult {
  /** "<device id>/<step id>", unique in the plan. */
  id: string;
  /** The device's name as resolved. */
  device: string;
  /** The device's id in the plan (the case id's prefix, the JUnit testsuite): carried, never parsed back from `id`. */
  deviceId: string;
  /** "bind" | "unbind" | "expect" | "poll" | "write" | "irq" | "run" | "dma-test" | "pl330-exec" | "blk-test". */
  kind: string;
  status: CaseStatus;
  durationMs: number;
  /** The step's exit status (absent when skipped). */
  exitCode?: number;
  /** One line: why it failed, errored or was skipped. */
  message?: string;
  /** For a failed check: what was expected (e.g. "0x1" or "0x0:0xf"), as the CLI prints it. */
  expected?: string;
  /** For a failed check: what was read, as the CLI prints it. */
  actual?: string;
  /** What the step printed (JUnit <system-out>, TAP diagnostics), trimmed. */
  stdout?: string;
  stderr?: string;
}

/** What is known when a plan starts. */
export interface PlanStart {
  plan: string;
  file: string;
  board?: string;
  backend: "real" | "sim";
  caseCount: number;
}

/** A finished (or interrupted) plan. */
export interface PlanResult extends PlanStart {
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  /** Every case of the plan, in order; cases not run because of a failure or a signal are "skip". */
  cases: CaseResult[];
  interrupted?: "SIGINT" | "SIGTERM" | "SIGHUP";
  /** 0 all pass; 8 any fail or error; 129/130/143 on a signal. */
  exitCode: number;
}

/** Receives the plan as it runs. */
export interface PlanReporter {
  begin(start: PlanStart): void;
  case(result: CaseResult): void;
  end(result: PlanResult): void;
}
