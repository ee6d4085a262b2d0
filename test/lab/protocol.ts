// The wire format between the lab's guest and the host: the guest prints one line per event on the serial console,
// `VFIO-PLAT-LAB {json}` for harness events (boot, done, dmesg), `VFIO-PLAT-RESULT {json}` for each lab-scenario step
// and `VFIO-PLAT-OUTCOME {json}` for each shared-suite step (already judged in the guest); the host picks them out of
// QEMU's stdout. Imported by both sides, so the two can never disagree on the shape.

/** Prefix of a scenario step's result line. */
export const RESULT_PREFIX = "VFIO-PLAT-RESULT ";
/** Prefix of a shared-suite step's outcome line. */
export const OUTCOME_PREFIX = "VFIO-PLAT-OUTCOME ";
/** Prefix of a harness event line. */
export const EVENT_PREFIX = "VFIO-PLAT-LAB ";

/** One step as the guest ran it: the command, how it ended and everything it printed. */
export interface StepRecord {
  scenario: string;
  /** Position in the scenario, from 0. */
  index: number;
  step: string;
  kind: "cli" | "start" | "stop" | "shell" | "sleep";
  /** The vfio-plat arguments (cli/start), or the shell command line (shell). */
  args: string[];
  exit: number;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds the step took inside the guest. */
  ms: number;
}

/**
 * One step of a shared scenario (test/scenarios), as the guest ran and judged it with that suite's own runner: the
 * RegExps and check functions ran in the guest, so `ok`/`problem` are the verdict and the rest is the evidence.
 */
export interface OutcomeRecord {
  /** The shared scenario's name (test/scenarios/*.scenario.ts). */
  scenario: string;
  /** Position in the scenario, from 0. */
  index: number;
  step: string;
  kind: "command" | "background" | "stop" | "sleep";
  ok: boolean;
  problem?: string;
  /** How the step ended; null for steps that produce no result (background start, sleep). */
  exit: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A harness event: `init` (guest init started), `runner` (Bun runner started), `job` (a scenario begins), `command`
 * (a shared-suite command is about to run: the last one seen names a hang), `leftover` (a scenario left a device on
 * a VFIO driver; the runner unbound it), `dmesg`, `done`, `error`, `poweroff`.
 */
export interface LabEvent {
  type: string;
  [key: string]: unknown;
}

/** Format a step record as one console line (JSON escapes every control character, so it stays one line). */
export function formatResult(r: StepRecord): string {
  return `${RESULT_PREFIX}${JSON.stringify(r)}`;
}

/** Format a shared-suite outcome as one console line. */
export function formatOutcome(o: OutcomeRecord): string {
  return `${OUTCOME_PREFIX}${JSON.stringify(o)}`;
}

/** Format a harness event as one console line. */
export function formatEvent(e: LabEvent): string {
  return `${EVENT_PREFIX}${JSON.stringify(e)}`;
}

/** What the host found in the console output. */
export interface ParsedConsole {
  results: StepRecord[];
  outcomes: OutcomeRecord[];
  events: LabEvent[];
  /** Lines that carried a prefix but did not parse (e.g. a kernel message interleaved with them). */
  garbled: string[];
}

/**
 * Pick the result and event lines out of the guest console. The serial console ends lines with CRLF and may put
 * kernel messages on the same line, so each prefix is searched anywhere in a line and the JSON runs to its end.
 */
export function parseConsole(text: string): ParsedConsole {
  const out: ParsedConsole = { results: [], outcomes: [], events: [], garbled: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r+$/, "");
    for (const [prefix, sink] of [
      [RESULT_PREFIX, (v: unknown) => out.results.push(v as StepRecord)],
      [OUTCOME_PREFIX, (v: unknown) => out.outcomes.push(v as OutcomeRecord)],
      [EVENT_PREFIX, (v: unknown) => out.events.push(v as LabEvent)],
    ] as const) {
      const at = line.indexOf(prefix);
      if (at < 0) continue;
      try {
        sink(JSON.parse(line.slice(at + prefix.length)));
      } catch {
        out.garbled.push(line);
      }
    }
  }
  return out;
}
