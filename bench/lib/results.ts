// bench/results.json: the machine-readable record of one run (the command, the machine, every row with all its
// samples). A row that could not run is still listed, with the reason, so a reader sees what was not measured.
import { measure, verdict } from "./goal.ts";
import type { RowOutcome, RowResult, RowSpec } from "./row.ts";
import { summarize } from "./stats.ts";

export const RESULTS_SCHEMA = 1;

export interface HostFacts {
  bun: string;
  cc?: string;
  kernel: string;
  cpu: string;
  cpus: number;
  arch: string;
}

export interface ResultsDocument {
  schema: typeof RESULTS_SCHEMA;
  command: string;
  date: string;
  host: HostFacts;
  rows: RowResult[];
}

/** Combine a row's description with its outcome: summaries, the goal figure and the verdict. */
export function rowResult(spec: RowSpec, outcome: RowOutcome): RowResult {
  if (outcome.kind === "skipped") return { ...spec, status: "skipped", reason: outcome.reason };
  const vfio = { ...summarize(outcome.vfio), samples: outcome.vfio };
  const reference = { ...summarize(outcome.reference), samples: outcome.reference };
  const figure = measure(spec.goal, vfio.median, reference.median);
  return {
    ...spec,
    status: "measured",
    vfio,
    reference,
    figure,
    verdict: verdict(spec.goal, figure),
    ...(outcome.note ? { note: outcome.note } : {}),
  };
}

/** Problems with a results document, as readable lines (empty when it is well formed). */
export function checkResults(doc: unknown): string[] {
  const out: string[] = [];
  const d = doc as Partial<ResultsDocument> | null;
  if (typeof d !== "object" || d === null) return ["not an object"];
  if (d.schema !== RESULTS_SCHEMA) out.push(`schema is ${String(d.schema)}, not ${RESULTS_SCHEMA}`);
  if (typeof d.command !== "string") out.push("command missing");
  if (typeof d.date !== "string" || Number.isNaN(Date.parse(d.date))) out.push("date missing or invalid");
  if (typeof d.host !== "object" || d.host === null || typeof d.host.bun !== "string") out.push("host.bun missing");
  if (!Array.isArray(d.rows)) return [...out, "rows missing"];
  for (const r of d.rows) {
    const at = `row ${String(r?.id)}`;
    if (typeof r?.id !== "string" || typeof r.what !== "string" || typeof r.unit !== "string") out.push(`${at}: id/what/unit missing`);
    if (r?.status === "skipped") {
      if (typeof r.reason !== "string") out.push(`${at}: skipped without a reason`);
    } else if (r?.status === "measured") {
      for (const side of ["vfio", "reference"] as const) {
        const s = r[side];
        if (!s || !Array.isArray(s.samples) || s.samples.length === 0 || typeof s.median !== "number") out.push(`${at}: ${side} samples missing`);
      }
      if (typeof r.figure !== "number" || (r.verdict !== "PASS" && r.verdict !== "MISS")) out.push(`${at}: figure/verdict missing`);
    } else {
      out.push(`${at}: status must be measured or skipped`);
    }
  }
  return out;
}
