/**
 * A progress line on stderr: step, the meta-step's own number under its family's name for it (the
 * meta-loss unless the family names another quantity), steps/s, ETA. Redraws in place on a terminal.
 */
export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly total: number,
    private readonly quantity = 'meta-loss',
  ) {}

  update(step: number, loss: number | null, force = false): void {
    const now = performance.now();
    const interval = this.tty ? 200 : 10_000;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const secs = (now - this.start) / 1000;
    const rate = step / Math.max(secs, 1e-9);
    const eta = rate > 0 ? (this.total - step) / rate : 0;
    const width = 24;
    const filled = Math.round((width * step) / Math.max(this.total, 1));
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line =
      `[${bar}] step ${step}/${this.total}  ${this.quantity} ${loss === null ? '   -  ' : loss.toFixed(4)}  ` +
      `${rate.toFixed(1)} steps/s  ETA ${formatDuration(eta)}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
