// A row's goal and its verdict. A goal bounds the ratio vfio-plat / reference (time or memory: at most; bandwidth: at
// least), or the difference vfio-plat - reference (start-up time: at most N ms more).

export type Goal =
  | { kind: "ratio-max"; value: number }
  | { kind: "ratio-min"; value: number }
  | { kind: "delta-max"; value: number; unit: string };

export type Verdict = "PASS" | "MISS";

/** The goal as the issue writes it: "≤ 1.3×", "≥ 0.5×", "≤ +40 ms", "< 1× (faster)". */
export function goalText(goal: Goal): string {
  switch (goal.kind) {
    case "ratio-max":
      return goal.value === 1 ? "< 1× (faster)" : `≤ ${goal.value}×`;
    case "ratio-min":
      return `≥ ${goal.value}×`;
    case "delta-max":
      return `≤ +${goal.value} ${goal.unit}`;
  }
}

/** The figure the goal is about: the ratio (vfio / reference) or the difference (vfio - reference). */
export function measure(goal: Goal, vfio: number, reference: number): number {
  if (goal.kind === "delta-max") return vfio - reference;
  if (reference === 0) return vfio === 0 ? 1 : Infinity;
  return vfio / reference;
}

/** PASS when the measured figure meets the goal. "Faster" (ratio-max 1) needs strictly below 1. */
export function verdict(goal: Goal, figure: number): Verdict {
  switch (goal.kind) {
    case "ratio-max":
      return (goal.value === 1 ? figure < 1 : figure <= goal.value) ? "PASS" : "MISS";
    case "ratio-min":
      return figure >= goal.value ? "PASS" : "MISS";
    case "delta-max":
      return figure <= goal.value ? "PASS" : "MISS";
  }
}
