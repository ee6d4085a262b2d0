// Summary statistics of benchmark samples: median and spread (min, max, quartiles). Quartiles use linear interpolation
// between order statistics (the "type 7" rule of R and NumPy), so a small sample set still gives a defined IQR.

/** Median and spread of one side of a row. All values in the row's unit. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

/** The q-quantile (0..1) of an ascending-sorted, non-empty array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no samples");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Summarise samples (any order). @throws RangeError when there are none or one is not a finite number.
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError("no samples to summarise");
  for (const s of samples) if (!Number.isFinite(s)) throw new RangeError(`sample ${s} is not a finite number`);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

/** Median of samples (any order). @throws RangeError as summarize. */
export function median(samples: readonly number[]): number {
  return summarize(samples).median;
}
