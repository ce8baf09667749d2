/**
 * The page's main-thread tasks from Chromium's trace (the `toplevel` category over CDP): each
 * task's wall time and the CPU time its thread spent in it. On a loaded machine a task's wall time
 * includes the time the OS gave the core to other processes; its CPU time is the page's own work.
 * With `{ detail: true }` it also records the timeline events inside the tasks (script, style,
 * layout, paint, GC, ...) and samples the main thread's JavaScript, so the costliest tasks come
 * back with where their CPU went (mainThreadDetail.mjs). With `{ listMs }` it also lists every
 * main-thread task over that many ms of wall or CPU time, each placed on the page's clock
 * (performance.now(), through a performance mark made when tracing starts), so a bench can match
 * it with the page's own long-animation-frame entries.
 */
import { DETAIL_CATEGORIES, describeTasks, describeWindow, sampleTimes } from './mainThreadDetail.mjs';

/** Tasks of the renderer's main thread longer than this (wall) are kept. */
const KEEP_US = 20_000;
/** Tasks with more CPU time than this are kept too (a loaded machine's wall time hides none). */
const KEEP_CPU_US = 10_000;
/** The performance mark that puts the trace's clock on the page's. */
const CLOCK_MARK = 'main-thread-trace-clock';

/** Starts tracing `page`; `stop()` ends it and gives the main thread's longest tasks. */
export async function traceMainThread(page, { detail = false, listMs = null } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const kept = [];
  let clockTs = null;
  const names = new Map();
  const events = [];
  let cpuSum = 0;
  let tasks = 0;
  cdp.on('Tracing.dataCollected', ({ value }) => {
    for (const e of value) {
      if (e.name === CLOCK_MARK) clockTs ??= e.ts;
      if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
      else if (e.ph !== 'X') continue;
      else if (e.name === 'ThreadControllerImpl::RunTask') {
        const thread = `${e.pid}:${e.tid}`;
        if (e.dur > KEEP_US || e.tdur > KEEP_CPU_US || (detail && e.tdur > 1000))
          kept.push({ thread, ts: e.ts, wall: e.dur / 1000, cpu: (e.tdur ?? NaN) / 1000 });
        if (detail) events.push(e);
      } else if (detail) events.push(e);
    }
  });
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  const base = listMs === null ? 'toplevel,__metadata' : 'toplevel,__metadata,blink.user_timing';
  const categories = detail ? `${base},${DETAIL_CATEGORIES}` : base;
  if (detail) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await cdp.send('Tracing.start', { categories, transferMode: 'ReportEvents' });
  const clockPage =
    listMs === null ? null : await page.evaluate((name) => performance.mark(name).startTime, CLOCK_MARK);
  return {
    /**
     * The longest main-thread task by wall and by CPU time (ms), how many were over `gate` ms each
     * way, and with `detail` the costliest tasks by CPU with their parts (`costliest`), the parts
     * over the whole window (`window`) and the main thread's CPU summed over its tasks of over 1 ms
     * of CPU (`mainCpuMs`, `mainTasks`); with `listMs` every task over it (`tasks`: `atMs` on the
     * page's clock, null when the clock mark was not traced, `wallMs`, `cpuMs`).
     */
    async stop(gate) {
      await cdp.send('Tracing.end');
      await complete;
      const profile = detail ? (await cdp.send('Profiler.stop')).profile : null;
      await cdp.detach();
      const isMain = (key) => names.get(key) === 'CrRendererMain';
      const main = kept.filter((t) => isMain(t.thread));
      const round = (v) => Math.round(v * 10) / 10;
      const long = main.filter((t) => t.wall * 1000 > KEEP_US);
      const out = {
        longestWallMs: round(Math.max(0, ...long.map((t) => t.wall))),
        longestCpuMs: round(Math.max(0, ...main.map((t) => t.cpu))),
        overGateWall: long.filter((t) => t.wall > gate).length,
        overGateCpu: main.filter((t) => t.cpu > gate).length,
        cpuMeasured: main.every((t) => Number.isFinite(t.cpu)),
      };
      if (listMs !== null) out.tasks = listed(main, listMs, clockTs, clockPage);
      if (!detail) return out;
      for (const t of main) {
        cpuSum += t.cpu;
        tasks += 1;
      }
      const mainEvents = events.filter((e) => isMain(`${e.pid}:${e.tid}`));
      const samples = sampleTimes(profile);
      return {
        ...out,
        mainCpuMs: Math.round(cpuSum),
        mainTasks: tasks,
        costliest: describeTasks(main, mainEvents, samples),
        window: describeWindow(mainEvents, samples),
      };
    },
  };
}

/** The tasks over `ms` of wall or CPU time, in time order, placed on the page's clock. */
function listed(main, ms, clockTs, clockPage) {
  const round = (v) => Math.round(v * 10) / 10;
  const at = (ts) =>
    clockTs === null || clockPage === null ? null : round(clockPage + (ts - clockTs) / 1000);
  return main
    .filter((t) => t.wall > ms || t.cpu > ms)
    .sort((a, b) => a.ts - b.ts)
    .map((t) => ({ atMs: at(t.ts), wallMs: round(t.wall), cpuMs: round(t.cpu) }));
}
