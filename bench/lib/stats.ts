/** Summary is min/median/max and tail percentiles of a sample, in the sample's unit. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** quantile returns the q-quantile (0..1) of a sorted sample by nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** summarize computes a Summary of a sample (it does not modify the input). */
export function summarize(sample: number[]): Summary {
  const s = [...sample].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, min: s[0] ?? NaN, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN, mean };
}

/** median returns the median of a sample. */
export function median(sample: number[]): number {
  return quantile([...sample].sort((a, b) => a - b), 0.5);
}
