/**
 * "Did you mean …?" for a mistyped name: the closest candidates by edit distance (optimal string alignment:
 * insertions, deletions, substitutions and swapped neighbours, as typos are), case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/** The candidates within a typo's reach of `name` (at most a third of its length, at least 1), closest first. */
export function similar(name: string, candidates: readonly string[]): string[] {
  const reach = Math.max(1, Math.floor(name.trim().length / 3));
  return candidates
    .map((c) => ({ c, d: editDistance(name.trim(), c) }))
    .filter((x) => x.d <= reach)
    .sort((x, y) => x.d - y.d)
    .map((x) => x.c);
}

/** ` Did you mean "X"?` (with a leading space), or '' when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const [best] = similar(name, candidates);
  return best === undefined ? '' : ` Did you mean "${best}"?`;
}
