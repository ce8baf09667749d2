/**
 * The page's main-thread tasks from Chromium's trace (the `toplevel` category over CDP): each
 * task's wall time and the CPU time its thread spent in it. On a loaded machine a task's wall time
 * includes the time the OS gave the core to other processes; its CPU time is the page's own work.
 */

/** Tasks of the renderer's main thread longer than this (wall) are kept. */
const KEEP_US = 20_000;

/** Starts tracing `page`; `stop()` ends it and gives the main thread's longest tasks. */
export async function traceMainThread(page) {
  const cdp = await page.context().newCDPSession(page);
  const kept = [];
  const names = new Map();
  cdp.on('Tracing.dataCollected', ({ value }) => {
    for (const e of value) {
      if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
      else if (e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.dur > KEEP_US)
        kept.push({ thread: `${e.pid}:${e.tid}`, wall: e.dur / 1000, cpu: (e.tdur ?? NaN) / 1000 });
    }
  });
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'toplevel,__metadata', transferMode: 'ReportEvents' });
  return {
    /** the longest main-thread task by wall and by CPU time (ms), and how many were over `gate` ms each way */
    async stop(gate) {
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      const main = kept.filter((t) => names.get(t.thread) === 'CrRendererMain');
      const round = (v) => Math.round(v * 10) / 10;
      return {
        longestWallMs: round(Math.max(0, ...main.map((t) => t.wall))),
        longestCpuMs: round(Math.max(0, ...main.map((t) => t.cpu))),
        overGateWall: main.filter((t) => t.wall > gate).length,
        overGateCpu: main.filter((t) => t.cpu > gate).length,
        cpuMeasured: main.every((t) => Number.isFinite(t.cpu)),
      };
    },
  };
}
