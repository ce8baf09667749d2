/**
 * The page's long tasks and long animation frames, recorded from the page's first script on (for
 * the browser benchmarks):
 *  - `observeLongFrames` runs in the page (`page.addInitScript(observeLongFrames)`): every long
 *    task goes into `globalThis.benchLongTasks` ({ t, ms }: start and duration, page clock) and
 *    every long animation frame, with the scripts that ran in it, into `globalThis.benchFrames`;
 *  - `framesDuring(frames, from, to)` (in Node) picks the frames that overlap a window of the
 *    page's clock, and `describeFrame` says one in words: its length, the rendering after its
 *    scripts, and each script over 2 ms (what invoked it, the function, its file, its time and the
 *    style and layout it forced).
 * Chromium without long-animation-frame entries still records the long tasks.
 */

/** In the page: start recording long tasks and long animation frames. */
export function observeLongFrames() {
  const w = /** @type {any} */ (globalThis);
  w.benchLongTasks = [];
  w.benchFrames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.benchLongTasks.push({ t: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of /** @type {any[]} */ (list.getEntries())) {
        const end = e.startTime + e.duration;
        w.benchFrames.push({
          t: e.startTime,
          ms: e.duration,
          blockingMs: e.blockingDuration,
          renderMs: e.renderStart ? end - e.renderStart : 0,
          styleLayoutMs: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0,
          scripts: e.scripts
            .filter((/** @type {any} */ s) => s.duration >= 2)
            .map((/** @type {any} */ s) => ({
              invoker: s.invoker,
              fn: s.sourceFunctionName || '?',
              file: String(s.sourceURL).split('/').pop() ?? '',
              char: s.sourceCharPosition,
              ms: s.duration,
              forcedLayoutMs: s.forcedStyleAndLayoutDuration,
            })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // only the details are lost
  }
}

/**
 * @typedef {{ invoker: string, fn: string, file: string, char: number, ms: number, forcedLayoutMs: number }} FrameScript
 * @typedef {{ t: number, ms: number, blockingMs: number, renderMs: number, styleLayoutMs: number, scripts: FrameScript[] }} LongFrame
 */

/** The frames of `frames` that overlap [from, to] (ms, the page's clock). */
export function framesDuring(frames, from, to) {
  return frames.filter((f) => f.t <= to && f.t + f.ms >= from);
}

/** One frame in words: `62 ms (rendering 12, style+layout 9): TimerHandler f@a.js 40 ms; ...`. */
export function describeFrame(f) {
  const ms = (x) => Math.round(x);
  const scripts = f.scripts.map(
    (s) =>
      `${s.invoker} ${s.fn}@${s.file}:${s.char} ${ms(s.ms)} ms` +
      (s.forcedLayoutMs >= 1 ? ` (forced layout ${ms(s.forcedLayoutMs)})` : ''),
  );
  return (
    `${ms(f.ms)} ms (rendering ${ms(f.renderMs)}, style+layout ${ms(f.styleLayoutMs)}): ` +
    (scripts.join('; ') || 'no script over 2 ms')
  );
}
