/** Losses and MSEs as shown in readouts: four significant digits, exponent form when tiny. */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return 'not finite';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(3);
  return x.toPrecision(4);
}
