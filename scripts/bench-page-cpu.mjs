/**
 * CPU time by thread, read from Linux's /proc (bench:page uses it to tell "the page's worker got
 * less of the CPU" from "the same work costs the page's worker more CPU"):
 *  - `threadCpu(rootPid)`: CPU milliseconds so far of every thread of `rootPid` and its
 *    descendant processes (Chromium: the browser, its renderers, GPU and utility processes),
 *    keyed by thread name (Chromium names its threads: `CrRendererMain` for a page's main
 *    thread, `DedicatedWorker` for a worker, `Compositor`, ...);
 *  - `cpuDelta(before, after)`: the CPU each thread name took between two reads;
 *  - `childrenCpuMs()`: CPU milliseconds of this process's finished, waited-for children (a
 *    synchronous child's whole run once it returns).
 * Elsewhere than Linux they return empty reads and 0 (the bench then reports no CPU split).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** milliseconds per clock tick of /proc's CPU times (USER_HZ, 100 on Linux) */
const TICK_MS = 10;

/** Fields of a /proc stat line after the parenthesised name: [name, fields from `state` on]. */
function statFields(text) {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return [text.slice(open + 1, close), text.slice(close + 2).split(' ')];
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** `rootPid` and every process below it. */
function processTree(rootPid) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`/proc/${name}/stat`);
    if (!text) continue;
    const [, f] = statFields(text);
    parents.set(Number(name), Number(f[1]));
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/**
 * CPU milliseconds (user + system) so far per thread, keyed `name` (summed over threads of that
 * name), of the processes under `rootPid` but those named in `skipProcesses`, and `threads`: each thread's own time keyed `pid/tid name`, so a delta can pick the
 * busiest thread of a name.
 */
export function threadCpu(rootPid, skipProcesses = []) {
  const byName = {};
  const threads = {};
  if (!rootPid || !existsSync('/proc/self/stat')) return { byName, threads };
  for (const pid of processTree(rootPid)) {
    const own = readText(`/proc/${pid}/stat`);
    if (!own || skipProcesses.includes(statFields(own)[0])) continue;
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const text = readText(`/proc/${pid}/task/${tid}/stat`);
      if (!text) continue;
      const [name, f] = statFields(text);
      const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
      byName[name] = (byName[name] ?? 0) + ms;
      threads[`${pid}/${tid} ${name}`] = ms;
    }
  }
  return { byName, threads };
}

/**
 * CPU milliseconds per thread name between two reads (names that took none left out), and the
 * busiest single thread of each name (`busiestThreadMs`), over a window of `windowMs`: shares of one core.
 */
export function cpuDelta(before, after, windowMs) {
  const busiest = {};
  for (const [key, ms] of Object.entries(after.threads)) {
    const name = key.slice(key.indexOf(' ') + 1);
    const d = ms - (before.threads[key] ?? 0);
    if (d > (busiest[name] ?? 0)) busiest[name] = d;
  }
  const parts = {};
  for (const [name, ms] of Object.entries(after.byName)) {
    const d = ms - (before.byName[name] ?? 0);
    if (d <= 0) continue;
    parts[name] = {
      ms: d,
      coreShare: Number((d / windowMs).toFixed(3)),
      busiestThreadMs: busiest[name] ?? 0,
      busiestCoreShare: Number(((busiest[name] ?? 0) / windowMs).toFixed(3)),
    };
  }
  return parts;
}

/** CPU milliseconds (user + system) of this process's waited-for children so far. */
export function childrenCpuMs() {
  const text = readText('/proc/self/stat');
  if (!text) return 0;
  const [, f] = statFields(text);
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}
