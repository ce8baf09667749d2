/** Summaries of per-task evaluation results shared by every family. */

/** Column means of a row-major [rows, cols] matrix with 95% CI half-widths (1.96·std/√rows). */
export function meanCi(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
): { mean: number[]; ci95: number[] } {
  const mean: number[] = [];
  const ci95: number[] = [];
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += values[r * cols + c] as number;
    const m = s / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += ((values[r * cols + c] as number) - m) ** 2;
    const std = rows > 1 ? Math.sqrt(ss / (rows - 1)) : 0;
    mean.push(m);
    ci95.push((1.96 * std) / Math.sqrt(rows));
  }
  return { mean, ci95 };
}
