import { describe, expect, it } from 'vitest';
import { describeTasks, describeWindow, sampleTimes } from '../scripts/mainThreadDetail.mjs';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });

/** a task of 10 ms wall, 9 ms CPU: a 5 ms script call and 2 ms of layout inside it */
const events = [
  { name: 'ThreadControllerImpl::RunTask', ts: 0, dur: 10_000, tdur: 9000 },
  {
    name: 'FunctionCall',
    ts: 1000,
    dur: 5000,
    tdur: 5000,
    args: { data: { functionName: 'f', url: 'http://x/assets/a.js' } },
  },
  { name: 'Layout', ts: 7000, dur: 2000, tdur: 2000 },
];

/** samples at 1, 3, 5 and 7 ms: f, g called by f twice, and idle */
const profile = {
  startTime: 0,
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [3, 5] },
    { id: 3, callFrame: frame('f', 'http://x/assets/a.js', 9), children: [4] },
    { id: 4, callFrame: frame('g', 'http://x/assets/a.js', 10) },
    { id: 5, callFrame: frame('(idle)') },
  ],
  samples: [3, 4, 4, 5],
  timeDeltas: [1000, 2000, 2000, 2000],
};

describe('the main-thread trace details (scripts/mainThreadDetail.mjs)', () => {
  it('labels each sample by its function and callers, and drops idle samples', () => {
    expect(sampleTimes(profile)).toEqual([
      { t: 1000, dt: 1000, fn: 'f@a.js:10' },
      { t: 3000, dt: 2000, fn: 'g@a.js:11 < f@a.js:10' },
      { t: 5000, dt: 2000, fn: 'g@a.js:11 < f@a.js:10' },
    ]);
    expect(sampleTimes(null)).toEqual([]);
  });

  it("splits a task's CPU into its events' self times and its samples' share", () => {
    const [task, ...rest] = describeTasks([{ ts: 0, wall: 10, cpu: 9 }], events, sampleTimes(profile));
    expect(rest).toEqual([]);
    expect(task).toEqual({
      wallMs: 10,
      cpuMs: 9,
      parts: ['5 ms FunctionCall f@a.js', '2 ms ThreadControllerImpl::RunTask', '2 ms Layout'],
      js: ['6 ms g@a.js:11 < f@a.js:10', '3 ms f@a.js:10'],
    });
  });

  it('keeps the costliest tasks first, and sums the whole window', () => {
    const tasks = [
      { ts: 20_000, wall: 1, cpu: 1 },
      { ts: 0, wall: 10, cpu: 9 },
    ];
    expect(describeTasks(tasks, events, []).map((t) => t.cpuMs)).toEqual([9, 1]);
    expect(describeWindow(events, sampleTimes(profile))).toEqual({
      parts: ['5 ms FunctionCall f@a.js', '2 ms ThreadControllerImpl::RunTask', '2 ms Layout'],
      js: ['4 ms g@a.js:11 < f@a.js:10', '1 ms f@a.js:10'],
    });
  });
});
