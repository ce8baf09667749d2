/**
 * What the page asks of a task family. Shared code (the store, the session, the link, the charts,
 * the walk-through, the runs shelf) never names a family: it looks the family up by the config's
 * `task` (families.ts: installFamilies) and asks it. A family is a folder under families/ plus one
 * line in families/registry.ts; every member below has a doc comment saying when the page uses it.
 */
import type { ComponentType, ReactNode } from 'react';
import type { Experiment } from '../../core/experiment';
import type {
  FamilyReply,
  FamilyRequest,
  FromWorker,
  LandscapeReport,
  ThetaReport,
  ThetaSubject,
} from '../../worker/protocol';
import type { WalkReport } from '../../worker/families/metaStepMessages';
import type { EvalSource } from './evalView';
import type { Metric } from '../kit/metric';
import type { PageLink } from './url';
import type { SliceHooks, Store } from './store';
import type { Preloadable } from '../kit/preloadable';

/** What a family adds to the session (its `session`). */
export interface SessionPart {
  /** the family's part of the worker's init: its first view request, the live evaluation's size */
  init(s: Store): { view: FamilyRequest | null; evalTasks: number };
  /** the page is opening with this config: the family's part of the store before the first render */
  opening?(config: Experiment): void;
  /** the page opened with this link and the worker was started */
  opened?(link: PageLink): void;
  ready?(msg: Extract<FromWorker, { kind: 'ready' }>): void;
  progress?(msg: Extract<FromWorker, { kind: 'progress' }>): void;
  /** a share link's replay arrived at its step */
  replayDone?(): void;
  /** 'quiet': the page loaded this θ itself as it opened, and its own panel says so (no notice) */
  thetaLoaded?(): 'quiet' | void;
  reply(reply: FamilyReply): void;
  /** the run went back to `step`: drop what the family keeps of later steps (`fresh`: of every step) */
  rewind?(step: number, fresh: boolean): void;
  /** the worker reported an error: nothing it was doing for the family will answer */
  error?(): void;
}

/** How the parameter-space view speaks of a family's tasks and losses. */
export interface ThetaUi {
  /** whose θ the view can follow */
  readonly subjects: readonly ThetaSubject[];
  /** the paths' loss in the task legend ("MSE 0.8 → 0.1") */
  readonly pathLoss: string;
  /** the same as a CSV quantity, and the landscape's quantity */
  readonly csvPathLoss: string;
  readonly landscapeLoss: string;
  /** the grid the landscape button promises (the worker may compute a coarser one) */
  readonly landscapeResolution: number;
  /** one displayed task in words */
  describeTask(report: ThetaReport, i: number, config: Experiment): string;
  /** what the landscape's losses average over, e.g. "10 fixed tasks with K = 10" */
  landscapeTasks(land: LandscapeReport, config: Experiment): string;
  /** the two landscapes' one-line explanations */
  readonly landscapeHelp: { pre: string; post: string };
  /** the caption under the view; `numbers` is how many numbers θ has, in words */
  caption(numbers: string): ReactNode;
}

/** How the walk-through shows one meta-step of the family's tasks. */
export interface WalkUi {
  /** the family's words for its losses and its examples ("cross-entropy", "images") */
  readonly loss: string;
  readonly points: string;
  /** how a query set scores θ′ᵢ, after "Score each θ′ᵢ" (e.g. " by its cross-entropy") */
  readonly scoredBy: string;
  /** the first phase's line: which tasks are drawn, and what each one holds */
  sampleLine(w: WalkReport | null): string;
  /** rows the query-loss phase adds to its numbers (e.g. how many query images came out right) */
  queryRows(report: WalkReport): [string, string][];
  /** the shown tasks of the walk's report */
  readonly Tasks: ComponentType<{ report: WalkReport; phase: number }>;
}

/** What reading a link of the family checks (plain data: the link reader runs without the page). */
export interface LinkRules {
  /** the longest replay a link asks for */
  readonly maxReplaySteps: number;
  /** the `from=` values a link may give (where the run started), empty when it takes none */
  readonly starts: readonly string[];
}

/** What a share link of the family carries, and what the share panel says of it. */
export interface LinkUi extends LinkRules {
  /** θ's length when a link may carry θ itself (`#theta=`), or null: links replay instead */
  thetaLength(config: Experiment): number | null;
  /** the notice's line when a link carries θ the family does not read */
  readonly thetaIgnored?: string;
  /** where this run started, for the link (null: nothing to say) */
  startOf(s: Store): string | null;
  /** the family's session part starts a link's replay itself (once it is ready for it) */
  readonly replaysItself: boolean;
  /** the share panel's words: a replay beyond `maxReplaySteps`, a replay that would differ */
  tooLong(max: number, step: number): string;
  replayDiffers(reason: string): string;
  /** how the opened link gets to its step, after "It opens at meta-step N" */
  replayedFrom(s: Store): string;
}

/** The share panel's θ download for the family. */
export interface ThetaDownloadUi {
  readonly testId: string;
  readonly label: string;
  readonly title: string;
  download(): Promise<void>;
}

/** The live readouts under the transport. */
export interface ReadoutUi {
  /** the held-out evaluation's headline */
  evaluation(s: Store): { label: string; text: string | null; help: string };
  /** θ's size (null: not known yet) */
  parameters(s: Store): number | null;
}

export interface UiFamily {
  readonly name: string;
  /** the paragraph under the page title, and the line at the foot of the page */
  readonly intro: ReactNode;
  readonly footer: ReactNode;
  /** code that loads on demand: the page body renders once all of it has arrived */
  readonly code: readonly Preloadable<object>[];
  /** the sidebar panels under the shared transport */
  readonly Sidebar: ComponentType<object>;
  /** the chart column */
  readonly Views: ComponentType<object>;
  /** the family's part of the page's store (state and actions), merged in when it is installed */
  slice(): object;
  /** how that part takes part in the shared actions */
  readonly hooks: SliceHooks;
  /** the family's part of the page session */
  readonly session: SessionPart;
  /** its held-out evaluations as the shared evaluation charts show them */
  readonly evaluation: EvalSource;
  /** what its evaluations measure (the runs shelf ranks saved runs by it) */
  readonly metric: Metric;
  readonly readouts: ReadoutUi;
  /** the θ view's description (null: the family has no θ view) */
  readonly theta: ThetaUi | null;
  readonly walk: WalkUi;
  readonly link: LinkUi;
  readonly thetaDownload: ThetaDownloadUi;
  /** the network in the runs shelf's settings line, e.g. "net 1-40-40-1" */
  network(config: Experiment): string;
  /** how often the first- vs second-order comparison is computed, in words */
  readonly ordersCadence: string;
  /**
   * The sensitivity map's starting size for a family whose cells cost much: values per axis and
   * meta-steps per cell (absent: 4 values per axis, 2,000 meta-steps)
   */
  readonly mapDefaults?: MapDefaults;
}

export interface MapDefaults {
  readonly count: number;
  readonly steps: number;
}
