/**
 * Where the main thread's costliest tasks spent their CPU (mainThreadTrace.mjs's `detail`):
 *  - `DETAIL_CATEGORIES`: the trace categories of the timeline events (script calls, event
 *    dispatch, style, layout, paint, GC, ...);
 *  - `sampleTimes(profile)`: a CDP `Profiler` profile as samples (time in µs on the trace's clock,
 *    the µs since the sample before, the sampled function and its two callers);
 *  - `describeTasks(tasks, events, samples)`: the costliest tasks by CPU, each with its events'
 *    self CPU time by name and its sampled JavaScript by function;
 *  - `describeWindow(events, samples)`: the same over the whole window (every task together).
 */

export const DETAIL_CATEGORIES =
  'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,disabled-by-default-v8.compile';

/** How many tasks, parts and functions a description keeps. */
const TOP_TASKS = 8;
const TOP_PARTS = 6;
const TOP_WINDOW = 12;

const fileOf = (url) => (url ?? '').split('/').pop()?.split('?')[0] ?? '';

function frameName(node) {
  const f = node.callFrame;
  return f.url ? `${f.functionName || '(anonymous)'}@${fileOf(f.url)}:${f.lineNumber + 1}` : f.functionName;
}

/** Each sample of `profile` (null: none): its time (µs) and `leaf < caller < caller's caller`. */
export function sampleTimes(profile) {
  if (!profile) return [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id) => {
    const chain = [];
    for (let at = id; at !== undefined && chain.length < 3; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n || n.callFrame.functionName === '(root)') break;
      chain.push(frameName(n));
    }
    return chain.join(' < ');
  };
  const out = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const id = profile.samples[i];
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    out.push({ t, dt: profile.timeDeltas[i] ?? 0, fn: label(id) });
  }
  return out;
}

/** A timeline event's name for the breakdown (script calls keep their file, events their type). */
function eventName(e) {
  const d = e.args?.data ?? {};
  if (e.name === 'FunctionCall') return `FunctionCall ${d.functionName || ''}@${fileOf(d.url)}`;
  if (e.name === 'EventDispatch') return `EventDispatch ${d.type ?? ''}`;
  return e.name;
}

/** Self CPU (ms) by event name of the events inside [from, to] µs (children's time taken out). */
function selfTimes(events, from, to) {
  const inside = events
    .filter((e) => e.ts >= from && e.ts + e.dur <= to)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const stack = [];
  const self = new Map();
  for (const e of inside) {
    while (stack.length > 0 && stack[stack.length - 1].end <= e.ts) stack.pop();
    const cpu = (e.tdur ?? e.dur) / 1000;
    const top = stack[stack.length - 1];
    if (top) self.set(top.name, (self.get(top.name) ?? 0) - cpu);
    const name = eventName(e);
    self.set(name, (self.get(name) ?? 0) + cpu);
    stack.push({ end: e.ts + e.dur, name });
  }
  return self;
}

const topOf = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => `${Math.round(ms * 10) / 10} ms ${name}`);

/** The TOP_TASKS costliest `tasks` (by CPU), each with its parts and sampled functions. */
export function describeTasks(tasks, events, samples) {
  return [...tasks]
    .sort((a, b) => b.cpu - a.cpu)
    .slice(0, TOP_TASKS)
    .map((t) => {
      const from = t.ts;
      const to = t.ts + t.wall * 1000;
      const fns = new Map();
      const inTask = samples.filter((s) => s.t >= from && s.t <= to);
      for (const s of inTask) fns.set(s.fn, (fns.get(s.fn) ?? 0) + 1);
      const share = inTask.length > 0 ? t.cpu / inTask.length : 0;
      for (const [k, v] of fns) fns.set(k, v * share);
      return {
        wallMs: Math.round(t.wall * 10) / 10,
        cpuMs: Math.round(t.cpu * 10) / 10,
        parts: topOf(selfTimes(events, from, to), TOP_PARTS),
        js: topOf(fns, TOP_PARTS),
      };
    });
}

/** Self CPU by event name, and sampled JavaScript by function, over every event and sample. */
export function describeWindow(events, samples) {
  const fns = new Map();
  for (const s of samples) fns.set(s.fn, (fns.get(s.fn) ?? 0) + s.dt / 1000);
  return {
    parts: topOf(selfTimes(events, -Infinity, Infinity), TOP_WINDOW),
    js: topOf(fns, TOP_WINDOW),
  };
}
