/**
 * The glyph run's fused engine before its first step: compiles and checks the WGSL programs
 * (GlyphRun.prepare), and tells the page once per run why a fused engine asked for does not
 * train it (refused by a limit, a shader that did not compile: the run goes on with tfjs kernels,
 * θ, Adam's moments, the step and the curves kept).
 */
import type { GlyphRun } from '../../core/families/glyphs/run';
import type { FromWorker } from '../protocol';

export class GlyphEngineCheck {
  private readonly told = new WeakSet<GlyphRun>();

  /** the run has programs to compile, or a reason not yet shown */
  pending(run: GlyphRun | null): boolean {
    return run !== null && (run.unprepared || (run.fallbackReason !== null && !this.told.has(run)));
  }

  async work(run: GlyphRun, post: (msg: FromWorker) => void): Promise<void> {
    // (a failure is kept as the run's fallbackReason: it is shown just below)
    if (run.unprepared) await run.prepare().catch(() => undefined);
    if (run.fallbackReason === null || this.told.has(run)) return;
    this.told.add(run);
    post({
      kind: 'notice',
      level: 'warning',
      message: `The fused glyph engine cannot train this run (${run.fallbackReason}); training goes on with tfjs kernels.`,
      engine: run.engine,
    });
  }
}
