/**
 * The worker's reports that only update the store (no worker or session state of their own): a
 * divergence, θ's trajectory, a landscape and its progress, a notice, a loaded θ file.
 */
import type { FromWorker } from '../../worker/protocol';
import type { SessionPart } from '../shell/family';
import { useStore } from '../shell/store';
import { writeAddressBar } from '../shell/url';

const store = useStore;

type Report = Extract<
  FromWorker,
  { kind: 'diverged' | 'theta' | 'landscapeProgress' | 'landscape' | 'notice' }
>;

/** Training diverged: paused, and a replay from the link would no longer retrace the run. */
function diverged(msg: Extract<FromWorker, { kind: 'diverged' }>): void {
  const s = store.getState();
  store.setState({
    running: false,
    replay: null,
    replayBreak:
      msg.restoredStep > 0
        ? (s.replayBreak ?? `θ was restored at step ${msg.restoredStep} after diverging`)
        : s.replayBreak,
  });
  s.notify('warning', 'Training diverged', [msg.message]);
}

/** θ's trajectory report; the shown tasks change only when they do. */
function theta(msg: Extract<FromWorker, { kind: 'theta' }>): void {
  const shown = store.getState().shownTasks;
  const same =
    shown !== null &&
    shown.viewTaskId === msg.viewTaskId &&
    shown.params.length === msg.taskParams.length &&
    shown.params.every((v, i) => v === msg.taskParams[i]);
  store.setState({
    thetaReport: msg,
    ...(same
      ? {}
      : {
          shownTasks: {
            params: msg.taskParams,
            perTask: msg.paramsPerTask,
            count: msg.paths.tasks,
            viewTaskId: msg.viewTaskId,
          },
        }),
  });
}

/** A report that only updates the store. */
export function showReport(msg: Report): void {
  const s = store.getState();
  switch (msg.kind) {
    case 'diverged':
      diverged(msg);
      break;
    case 'theta':
      theta(msg);
      break;
    case 'landscapeProgress':
      if (s.landscapeBusy?.id === msg.id) {
        // total 0: the worker could not start it (it said why in a notice)
        store.setState({
          landscapeBusy: msg.total > 0 ? { id: msg.id, done: msg.done, total: msg.total } : null,
        });
      }
      break;
    case 'landscape':
      if (s.landscapeBusy?.id === msg.id) store.setState({ landscape: msg, landscapeBusy: null });
      break;
    case 'notice':
      if (msg.engine !== undefined) store.setState({ engine: msg.engine });
      s.notify(msg.level === 'warning' ? 'warning' : 'info', msg.message);
      break;
  }
}

/** A θ file was loaded: its settings become the page's, and a notice says what it holds. */
export function thetaLoaded(msg: Extract<FromWorker, { kind: 'thetaLoaded' }>, part: SessionPart): void {
  const s = store.getState();
  store.setState({ config: msg.config });
  writeAddressBar(msg.config, s.backendRequest, s.engineRequest);
  // (a family's own load as the page opens is told by its own panel: a notice then would push
  // the page down while it opens)
  if (part.thetaLoaded?.() === 'quiet') return;
  s.notify(
    'info',
    `Loaded ${msg.source}: meta-trained for ${msg.step} steps` +
      (msg.pretrainedSteps !== null
        ? `, with the pretrained baseline trained beside it for ${msg.pretrainedSteps} steps.`
        : '; the file has no pretrained baseline, so that one starts untrained.') +
      ' Reset meta-trains from scratch.',
  );
}
