/**
 * The regression families' part of the page session: the task view's task goes with the worker's
 * init, the live evaluation runs beside training, and the worker's regression replies (the task
 * view's fans, the evaluations) become store updates.
 */
import type { FamilyReply, FromWorker } from '../../../worker/protocol';
import type { SessionPart } from '../../session';
import { useStore } from '../../store';
import { parameterCount } from '../../viewTask';
import { LIVE_EVAL_TASKS, MAX_ORDER_POINTS, viewTaskRequest } from './viewSlice';

const store = useStore;

export const regressionSession: SessionPart = {
  init(s) {
    return { view: viewTaskRequest(s.task, s.fanSteps), evalTasks: LIVE_EVAL_TASKS };
  },

  ready(msg: Extract<FromWorker, { kind: 'ready' }>) {
    // the page counts parameters itself (to validate θ in links): it must agree with the core
    const s = store.getState();
    // a new worker or a new run: a walk shown was another run's next step (a run moved to another
    // backend or engine is the same run: its walk goes on)
    if (!msg.resumed) s.closeWalk();
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
    if (reply.kind === 'walk' || reply.kind === 'walkFailed' || reply.kind === 'walkUpdated') {
      s.walkReply(reply);
      return;
    }
    if (reply.kind === 'orders') {
      const c = reply.comparison;
      let orders = s.orders.filter((p) => p.step < reply.step);
      if (orders.length >= MAX_ORDER_POINTS) orders = orders.filter((_, i) => i % 2 === 1);
      orders.push({
        step: reply.step,
        cos: c.cosG2G1,
        angle: c.angleG2G1Deg,
        ratio: c.normRatio,
        cosReptile: c.cosG2Reptile,
      });
      store.setState({
        orders,
        orderReading: { step: reply.step, reading: reply.reading, reptile: reply.reptile },
      });
      return;
    }
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
    s.closeWalk();
    store.setState({
      evalHistory: s.evalHistory.filter((p) => p.step <= step),
      orders: s.orders.filter((p) => p.step <= step),
      ...(step === 0 ? { evaluation: null, orderReading: null } : {}),
    });
  },
};
