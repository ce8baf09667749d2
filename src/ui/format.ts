import { formatCount } from '../core/runs/trainingState';

/** Losses and MSEs as shown in readouts: four significant digits, exponent form when tiny. */
export function formatLoss(x: number): string {
  if (!Number.isFinite(x)) return 'not finite';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(3);
  return x.toPrecision(4);
}

/**
 * Counts, clock times and dates as the page writes them, with formatters made once. The first
 * date formatted on a page sets up the browser's locale data (12-15 ms on the 2-core machine), and
 * `toLocaleTimeString` makes a new formatter on every call: the first autosave while training paid
 * both inside a long task. `warmFormatters` makes them while the page is idle after load.
 */
let formatters: { clock: Intl.DateTimeFormat; date: Intl.DateTimeFormat } | null = null;

function made(): NonNullable<typeof formatters> {
  formatters ??= {
    // the options of Date's toLocaleTimeString and toLocaleString, in the visitor's locale
    clock: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: 'numeric', second: 'numeric' }),
    date: new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }),
  };
  return formatters;
}

/** A whole number with thousands separators (1,234). */
export { formatCount };

/** The time of day of an ISO time (the text itself when it is not one). */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : made().clock.format(d);
}

/** The date and time of an ISO time (the text itself when it is not one). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : made().date.format(d);
}

/** Make the formatters (and the locale data) while the browser is idle, not in a save mid-training. */
export function warmFormatters(): void {
  const warm = () => {
    const now = new Date().toISOString();
    formatClock(now);
    formatDateTime(now);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(warm, { timeout: 5000 });
  else setTimeout(warm, 1000);
}
