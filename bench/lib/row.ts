// What one benchmark row is: its description and goal (known before anything runs, so a skipped row still shows), and
// its outcome (the samples of both sides, or why it was skipped).
import type { Goal, Verdict } from "./goal.ts";
import type { Summary } from "./stats.ts";

/** A row's fixed description. Values of both sides are in `unit`. */
export interface RowSpec {
  id: string;
  /** The row's name in the table, as the issue names it. */
  what: string;
  vfioSide: string;
  referenceSide: string;
  /** "ns" (per operation), "us", "ms", "MiB", "MiB/s". */
  unit: string;
  goal: Goal;
}

/** What running a row produced. */
export type RowOutcome =
  | { kind: "measured"; vfio: number[]; reference: number[]; note?: string }
  | { kind: "skipped"; reason: string };

/** One side of a measured row. */
export interface Side extends Summary {
  samples: number[];
}

/** A row as reported (table and results.json). */
export interface RowResult extends RowSpec {
  status: "measured" | "skipped";
  vfio?: Side;
  reference?: Side;
  /** vfio / reference (or vfio - reference for a delta goal). */
  figure?: number;
  verdict?: Verdict;
  reason?: string;
  note?: string;
}
