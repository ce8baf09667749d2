/**
 * Opening the page: the link's settings (every changed value explained), θ from a link or the run
 * this browser saved for the experiment, then the worker.
 */
import { familyOf, pageTasks } from '../shell/families';
import { experimentKey } from '../runs/autosave';
import { loadSavedRun, OPEN_RUN_KEY, type SavedRun } from '../runs/autosaveDb';
import { entryOfRecord } from '../runs/shelfEntry';
import { shelfRecord } from '../runs/shelfRecord';
import { pagePainted } from '../kit/firstPaint';
import { partOf, session } from './session';
import { useStore } from '../shell/store';
import type { Snapshot } from '../../worker/protocol';
import { decodeWeights } from '../shell/thetaCodec';
import { readLink, writeAddressBar, type PageLink } from '../shell/url';
import type { UiFamily } from '../shell/family';
import { installPort } from '../shell/port';
import { openMapFromLink } from '../sweep/sweepRun';
import { askForData } from '../import/linkedData';

const store = useStore;
/** θ carried in a link may come from a long run: any step up to this is accepted */
const MAX_SHARED_STEP = 1_000_000_000;

/** The saved run the runs shelf asked this page to continue (another family's page opened it). */
function takeOpenRequest(): string | null {
  try {
    const id = sessionStorage.getItem(OPEN_RUN_KEY);
    sessionStorage.removeItem(OPEN_RUN_KEY);
    return id;
  } catch {
    return null;
  }
}

/**
 * Why a saved run's file cannot be read, or null (the worker checks the rest when it opens it).
 * The summary read here is the runs shelf's entry too: a large run's file (a megabyte) is parsed
 * once on the main thread, not again when the shelf lists it.
 */
function damaged(saved: SavedRun): string | null {
  // the training worker refused it on an earlier visit
  if (typeof saved.damaged === 'string') return saved.damaged;
  const record = shelfRecord({ ok: true, run: saved }, pageTasks());
  entryOfRecord(record);
  return record.unreadable;
}

/**
 * θ carried in the link, when the family reads θ in links: the run to resume from, with the coarse
 * learning curve and the last meta-loss the link carries (the curve goes into the store's series).
 * What could not be used becomes a line of `warnings`.
 */
async function linkTheta(
  link: PageLink,
  family: UiFamily,
  warnings: string[],
): Promise<{ resume: Snapshot | null; lastLoss: number | null }> {
  const none = { resume: null, lastLoss: null };
  if (!link.weights) return none;
  const thetaLength = family.link.thetaLength(link.config);
  if (thetaLength === null) {
    warnings.push(family.link.thetaIgnored ?? 'θ in a link is not read for this family; ignored it');
    return none;
  }
  try {
    const w = await decodeWeights(link.weights, { params: thetaLength, maxStep: MAX_SHARED_STEP });
    const s = store.getState();
    for (let i = 0; i < w.historySteps.length; i++) {
      s.meta.push(w.historySteps[i] as number, w.historyLosses[i] as number);
    }
    if (link.step !== null && link.step !== w.step) {
      warnings.push(`step=${link.step} differs from the step stored with the weights; using ${w.step}`);
    }
    return {
      resume: {
        step: w.step,
        theta: w.theta,
        pretrained: w.pretrained,
        alpha: w.alpha,
        rates: w.rates ?? null,
      },
      lastLoss: Number.isFinite(w.lastLoss) ? w.lastLoss : null,
    };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    warnings.push(
      `${why}; ignored them${link.step ? `, replaying training to step ${link.step} instead` : ''}`,
    );
    return none;
  }
}

/** Open the page: apply the link (notice for anything changed), then start training. */
export async function openPage(): Promise<void> {
  const link = readLink(window.location.search, window.location.hash);
  const family = familyOf(link.config.task);
  // the link's family and settings are in the store before the first render and the first await
  store.setState({ config: link.config, backendRequest: link.backend, engineRequest: link.engine });
  family.session.opening?.(link.config);
  askForData(link.config.task, link.data);
  const warnings = [...link.warnings];
  const s = store.getState();
  s.meta.clear();
  s.pretrained.clear();
  const { resume, lastLoss } = await linkTheta(link, family, warnings);
  const replayStep = resume ? null : link.step;
  // a plain link to an experiment continues the run this browser saved for it, if any
  const wanted = takeOpenRequest();
  const found =
    !link.weights && replayStep === null ? await loadSavedRun(experimentKey(link.config), wanted) : null;
  // a saved run that cannot be read is left on the runs shelf (as damaged); training starts fresh
  const unreadable = found ? damaged(found) : null;
  const saved = unreadable === null ? found : null;
  if (unreadable !== null) {
    s.notify('warning', 'The run saved in this browser for these settings could not be read', [
      unreadable,
      'A fresh run starts instead; the saved one is listed as damaged under Runs, where it can be deleted.',
    ]);
  }
  // a family may start the replay itself, once it is ready for it (its session part)
  const replayTo = family.link.replaysItself ? null : replayStep;
  store.setState({
    running: replayTo !== null,
    step: resume?.step ?? 0,
    lastLoss,
    seriesVersion: s.seriesVersion + 1,
    replayBreak: resume ? `it continues from θ loaded from a link at step ${resume.step}` : null,
  });
  if (warnings.length > 0) {
    s.notify(
      'warning',
      'This link had values that could not be used as given. The page changed them as follows:',
      warnings,
    );
  }
  if (resume) {
    s.notify('info', `Loaded the trained θ from the link: meta-step ${resume.step}, no replay needed.`);
  } else if (replayStep !== null) {
    s.notify(
      'info',
      `Replaying the shared run: meta-training deterministically to step ${replayStep}, then pausing.`,
    );
  }
  writeAddressBar(link.config, link.backend, link.engine);
  await pagePainted();
  installPort(session);
  if (saved) store.setState({ resuming: true });
  session.start({ backend: link.backend, resume, replayTo });
  if (saved) session.openRun(saved.text, wanted !== null ? 'the saved run' : 'the run', saved.id);
  partOf(store.getState()).opened?.(link);
  session.autosave.start();
  if (link.walkPhase !== null) openWalkWhenSettled(link.walkPhase);
  if (link.sweep) openMapFromLink(link.sweep, link.config.task);
}

/** A link into the walk-through opens it once θ is in place: loaded, or the replay arrived. */
function openWalkWhenSettled(phase: number): void {
  const settled = () => {
    const s = store.getState();
    return s.phase === 'ready' && !s.running && s.replay === null && !s.resuming;
  };
  // opened after the message that settled it is fully handled (a new worker's "ready" closes walks)
  const open = () => setTimeout(() => store.getState().openWalk(phase - 1));
  if (settled()) {
    open();
    return;
  }
  const stop = store.subscribe(() => {
    const s = store.getState();
    if (s.phase === 'failed') stop();
    else if (settled()) {
      stop();
      open();
    }
  });
}
