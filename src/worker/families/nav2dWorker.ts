/**
 * The navigation family's worker part: the arena's adaptation to the page's goal, for every
 * initialisation, and the held-out returns after 0..n inner steps. Each runs one initialisation
 * per turn of side work, so training chunks come between them; every read is awaited (no
 * synchronous read-back), and the θ view between them. The shared walk-through's requests are
 * answered with the reason it has none (the page shows the phases itself).
 */
import type * as tf from '@tensorflow/tfjs';
import { adaptOnGoal, type ArenaPaths } from '../../core/families/nav2d/arena';
import { HORIZON, sampleGoals } from '../../core/families/nav2d/env';
import { adaptationReturns, evalTrajs } from '../../core/families/nav2d/iteration';
import { readAsync } from '../../core/families/nav2d/reads';
import { pgSettings } from '../../core/families/nav2d/run';
import { meanCi } from '../../core/meta/statistics';
import { Rng } from '../../core/random';
import type { FamilyRun } from '../../core/families/family';
import type { ProbeBudget } from '../host/backendPlan';
import { SharePacer } from '../host/sideBudget';
import type { FamilyRequest, MethodName } from '../protocol';
import type { FamilyWorker, HostServices } from './familyWorker';
import { isMetaStepRequest } from './metaStepMessages';
import type { ArenaMethodData, ArenaPathsData, Nav2dReply, ReturnCurveData } from './nav2dMessages';
import { Nav2dThetaPart } from './nav2dTheta';
import type { ThetaSubject } from '../theta/messages';

/** A policy step takes seconds on tfjs: the backend comparisons time only a step or two. */
export const POLICY_BUDGET: ProbeBudget = {
  wasm: { budgetMs: 1000, warmup: 1, group: 1, maxSteps: 2 },
  webgpuSkip: 1,
  webgpuDeadlineMs: 20000,
  sideWasm: false,
};

/** the held-out evaluation's share of the worker's time while training */
const EVAL_SHARE = 0.15;
/** inner steps of an evaluation the page did not size (the paper's table: 0-3) */
const EVAL_STEPS = 3;

interface Job<R> {
  id: number;
  step: number;
  todo: MethodName[];
  done: Partial<Record<MethodName, R>>;
}

const toData = (p: ArenaPaths): ArenaPathsData => ({
  points: p.points,
  lengths: p.lengths,
  averageReturn: p.averageReturn,
});

export class Nav2dWorker implements FamilyWorker {
  private arena: (Job<ArenaMethodData> & { goal: [number, number] }) | null = null;
  private evaluation: (Job<ReturnCurveData> & { tasks: number; steps: number }) | null = null;
  private readonly evalPacer = new SharePacer(EVAL_SHARE);
  private readonly theta: Nav2dThetaPart;

  constructor(private readonly host: HostServices) {
    this.theta = new Nav2dThetaPart(host);
  }

  get busy(): boolean {
    return this.arena !== null || this.evaluation !== null || this.theta.busy;
  }

  /** a goal the page placed is answered whatever the side-work budget */
  get urgent(): boolean {
    return this.arena !== null;
  }

  get opening(): boolean {
    return this.arena !== null;
  }

  request(req: FamilyRequest): void {
    if (isMetaStepRequest(req)) {
      if (req.kind === 'walk') {
        const reason =
          'the navigation page shows a meta-step’s phases in its own walk-through, under the arena';
        this.post({ kind: 'walkFailed', id: req.id, reason });
      }
      return;
    }
    if (req.kind === 'navArena') {
      this.arena = { id: req.id, goal: req.goal, step: -1, todo: this.methods(), done: {} };
    }
  }

  evaluate(tasks: number, steps: number | undefined, id: number | null): Promise<void> {
    const s = steps ?? EVAL_STEPS;
    this.evaluation = { id: id ?? 0, tasks, steps: s, step: -1, todo: this.methods(), done: {} };
    return Promise.resolve();
  }

  /** One turn of side work: the page's goal first, then a piece of the evaluation, then the θ view. */
  async work(): Promise<void> {
    if (this.arena) await this.arenaPiece();
    else if (this.evaluation && this.evalPacer.ready(this.host.running())) {
      await this.evalPacer.run(() => this.evaluationPiece(), this.host.running());
    } else await this.theta.work();
  }

  private post(reply: Nav2dReply): void {
    this.host.post({ kind: 'family', reply });
  }

  /** the initialisations this run has (the pretrained baseline only when it trains one) */
  private methods(): MethodName[] {
    const run = this.host.run();
    return run.pretrainer ? ['maml', 'pretrained', 'random'] : ['maml', 'random'];
  }

  private thetaOf(m: MethodName): tf.Tensor1D {
    const run = this.host.run();
    if (m === 'maml') return run.learner.theta as tf.Tensor1D;
    if (m === 'pretrained' && run.pretrainer) return run.pretrainer.theta as tf.Tensor1D;
    return run.randomTheta;
  }

  /** One initialisation's adaptation to the arena's goal; the reply once every one is done. */
  private async arenaPiece(): Promise<void> {
    const job = this.arena;
    const m = job?.todo[0];
    if (!job || !m) return;
    const run = this.host.run();
    const config = this.host.config();
    if (job.step < 0) job.step = run.stepCount;
    const s = pgSettings(config);
    // the same action noise for every initialisation: their trajectories differ by the policy only
    const rng = Rng.stream(config.seed, `nav2d-arena-${job.id}`);
    const got = await this.host.inference(() =>
      readAsync(adaptOnGoal(this.thetaOf(m), s.hidden, job.goal, s.trajs, s.alpha, rng)),
    );
    if (this.arena !== job) return;
    job.done[m] = { pre: toData(got.pre), post: toData(got.post) };
    job.todo.shift();
    if (job.todo.length > 0) return;
    this.arena = null;
    this.post({
      kind: 'navArena',
      id: job.id,
      step: job.step,
      goal: job.goal,
      trajs: s.trajs,
      horizon: HORIZON,
      alpha: s.alpha,
      methods: job.done,
    });
  }

  /** One initialisation's held-out returns (the CLI's goals and noise); the reply when all are in. */
  private async evaluationPiece(): Promise<void> {
    const job = this.evaluation;
    const m = job?.todo[0];
    if (!job || !m) return;
    const run = this.host.run();
    const config = this.host.config();
    if (job.step < 0) job.step = run.stepCount;
    const goals = sampleGoals(Rng.stream(config.seed, 'nav2d-eval-goals'), job.tasks);
    const rng = Rng.stream(config.seed, 'nav2d-eval-noise');
    const s = pgSettings(config);
    const raw = await this.host.inference(() =>
      readAsync(adaptationReturns(this.thetaOf(m), goals, job.steps, s, rng)),
    );
    if (this.evaluation !== job) return;
    const { mean, ci95 } = meanCi(raw, job.tasks, job.steps + 1);
    job.done[m] = { values: mean, ci95 };
    job.todo.shift();
    if (job.todo.length > 0) return;
    this.evaluation = null;
    const curves = job.done;
    this.post({
      kind: 'navReturns',
      id: job.id,
      step: job.step,
      tasks: job.tasks,
      trajs: evalTrajs(s.trajs),
      curves,
    });
  }

  captureStep(run: FamilyRun): void {
    this.theta.capture(run);
  }

  flushCaptures(stepsPerSecond: number): Promise<void> {
    return this.theta.flush(stepsPerSecond);
  }

  discardCaptures(): void {
    this.theta.discardCaptures();
  }

  markDirty(): void {
    this.theta.markDirty();
  }

  /** a new run: what was under way belongs to the old one (the page asks again on `ready`) */
  runReplaced(): void {
    this.arena = null;
    this.evaluation = null;
    this.theta.clear();
  }

  setThetaView(subject: ThetaSubject, random: boolean): void {
    this.theta.setView(subject, random);
  }

  requestLandscape(id: number, resolution: number): void {
    this.theta.requestLandscape(id, resolution);
  }
}
