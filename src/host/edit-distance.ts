// How far apart two names are, for "did you mean" suggestions (device names, register and field names): the optimal
// string alignment distance, Levenshtein's insertions, deletions and substitutions plus a swap of two neighbouring
// characters as one edit, since a swap is the most common typing slip ("RTCRD" for "RTCDR", "pl013" for "pl031").

/** Edits (insert, delete, substitute, swap two adjacent characters) from `a` to `b`; case as given (callers fold it). */
export function editDistance(a: string, b: string): number {
  // Three rows: the swap looks two characters back in both strings.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}
