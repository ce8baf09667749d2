import { formatCount } from '../../core/runs/trainingState';

/** Losses and MSEs as shown in readouts: four significant digits, exponent form when tiny. */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return 'not finite';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(3);
  return x.toPrecision(4);
}

/**
 * Clock times and dates as the page writes them: local time, "2026-11-29 14:05:09", built by hand.
 * The page never makes an `Intl` formatter: the first one sets up the browser's locale data in one
 * long task, at load or in the middle of training.
 */
const two = (n: number): string => String(n).padStart(2, '0');

function clockOf(d: Date): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A whole number with thousands separators (1,234). */
export { formatCount };

/** The local time of day of an ISO time, "14:05:09" (the text itself when it is not one). */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : clockOf(d);
}

/** The local date and time of an ISO time, "2026-11-29 14:05:09" (the text itself when it is not one). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clockOf(d)}`;
}
