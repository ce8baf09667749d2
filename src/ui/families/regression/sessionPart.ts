/**
 * The regression families' part of the page session: the task view's task goes with the worker's
 * init, the live evaluation runs beside training, and the worker's regression replies (the task
 * view's fans, the evaluations; the walk and the comparison through metaStepPart.ts) become store
 * updates.
 */
import type { FamilyReply, FromWorker } from '../../../worker/protocol';
import type { SessionPart } from '../../shell/family';
import { regressionState, useRegressionStore } from './regressionStore';
import { parameterCount, sampleViewTask } from './viewTask';
import { metaStepReady, metaStepReply, metaStepRewind } from '../../shell/metaStep';
import { LIVE_EVAL_TASKS, viewTaskRequest } from './viewSlice';

const store = useRegressionStore;

export const regressionSession: SessionPart = {
  opening(config) {
    // the task view's first task, from the link's seed and family
    store.setState({ task: sampleViewTask(config, 0) });
  },

  init(store) {
    const s = regressionState(store);
    return { view: viewTaskRequest(s.task, s.fanSteps), evalTasks: LIVE_EVAL_TASKS };
  },

  ready(msg: Extract<FromWorker, { kind: 'ready' }>) {
    // the page counts parameters itself (to validate θ in links): it must agree with the core
    const s = store.getState();
    metaStepReady(msg);
    if (msg.numParams !== parameterCount(s.config)) {
      s.notify(
        'error',
        `The network has ${msg.numParams} parameters but the page expected ${parameterCount(s.config)}.`,
      );
    }
  },

  reply(reply: FamilyReply) {
    const s = store.getState();
    if (reply.kind === 'predictions') {
      if (reply.taskId === s.task.id) store.setState({ predictions: reply });
      return;
    }
    if (metaStepReply(reply)) return;
    if (reply.kind !== 'eval') return;
    const at = (c: { mse: number[] }) => c.mse[Math.min(reply.inner, c.mse.length - 1)] ?? NaN;
    const history = s.evalHistory.filter((p) => p.step < reply.step);
    history.push({
      step: reply.step,
      inner: reply.inner,
      maml: at(reply.curves.maml),
      pretrained: at(reply.curves.pretrained),
    });
    store.setState({
      evaluation: reply,
      evalHistory: history,
      evalBusy: reply.requested === s.evalBusy ? null : s.evalBusy,
    });
  },

  rewind(step) {
    const s = store.getState();
    metaStepRewind(step);
    store.setState({
      evalHistory: s.evalHistory.filter((p) => p.step <= step),
      ...(step === 0 ? { evaluation: null } : {}),
    });
  },
};
