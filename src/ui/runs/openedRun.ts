/**
 * A run file was opened in the worker (a reload's autosave, an imported file, a crash restart):
 * the page takes its curves and settings, says where the run continues from, and offers to start
 * fresh instead.
 */
import type { FromWorker } from '../../worker/protocol';
import { formatCount, formatDateTime } from '../kit/format';
import { hooksOf, useStore } from '../shell/store';
import { writeAddressBar } from '../shell/url';
import type { Autosave } from './autosave';

const store = useStore;

/**
 * Its curves, its settings in the address bar, and how to start fresh. A restart of this page's
 * own run (`restart`: after a crash) keeps the curves the page holds, up to the file's step, and
 * says nothing more than the crash notice did.
 */
export function showOpenedRun(
  msg: Extract<FromWorker, { kind: 'runOpened' }>,
  autosave: Autosave,
  savedId: string | null,
  restart = false,
): void {
  const s = store.getState();
  if (restart) {
    s.meta.truncateAfter(msg.step);
    s.pretrained.truncateAfter(msg.step);
  } else {
    s.meta.clear();
    s.pretrained.clear();
  }
  for (const c of restart ? [] : msg.curves) {
    const series = c.name === 'meta-loss' ? s.meta : c.name === 'pretrained-loss' ? s.pretrained : null;
    if (!series) continue;
    for (let i = 0; i < c.steps.length; i++) {
      const step = c.steps[i] as number;
      if (step <= msg.step) series.push(step, c.values[i] as number);
    }
  }
  store.setState({
    config: msg.config,
    resuming: false,
    step: msg.step,
    lastLoss: s.meta.last(),
    seriesVersion: s.seriesVersion + 1,
    replayBreak: s.replayBreak ?? `it continues a saved run from meta-step ${msg.step}`,
  });
  writeAddressBar(msg.config, s.backendRequest, s.engineRequest);
  // the family's views follow the file's settings (the task view's task, the drawing pad's size)
  hooksOf(msg.config).configChanged?.(s.config, msg.config);
  autosave.continued(msg, savedId);
  if (restart) return;
  s.notify(
    'info',
    `Resumed ${msg.source} from meta-step ${formatCount(msg.step)}, saved ${formatDateTime(msg.savedAt)}.`,
    ['θ, Adam’s moments, the baselines and the task stream continue exactly where it stopped.'],
    {
      label: 'Start fresh',
      run: () => {
        void autosave.discard();
        store.getState().reset();
      },
    },
  );
}
