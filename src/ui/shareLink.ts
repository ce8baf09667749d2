/**
 * The share link, for every family: the page's settings and step, with θ and a coarse learning
 * curve when asked and small enough (the MLP families), or where the run started (the glyph lab's
 * shipped or random θ), copied to the clipboard when the browser allows.
 */
import { copyToClipboard } from './controls/ShareLinkField';
import { binSeries } from './series';
import { session } from './session';
import { useStore } from './store';
import { encodeWeights, HISTORY_POINTS, MAX_SHARE_CHARS } from './thetaCodec';
import { uiFamilyOf } from './families/registry';
import { LINK_WALK_PHASES, MAX_GLYPH_REPLAY_STEPS, MAX_REPLAY_STEPS, shareUrl } from './url';

const store = useStore;

/** Build the share link for the current θ (fresh from the worker) and try to copy it. */
export async function makeShareLink(): Promise<void> {
  const snap = await session.snapshot();
  const s = store.getState();
  const notes: string[] = [];
  const lab = uiFamilyOf(s.config.task).page === 'lab';
  let weights: string | null = null;
  // the glyph conv net's θ is far too large for a link: it replays from where the run started
  if (s.includeWeights && !lab) {
    const b = binSeries(s.meta.steps, s.meta.values, s.meta.length, HISTORY_POINTS);
    let lastLoss = NaN;
    for (let i = s.meta.length - 1; i >= 0; i--) {
      if ((s.meta.steps[i] as number) <= snap.step) {
        lastLoss = s.meta.values[i] as number;
        break;
      }
    }
    if (s.meta.length === 0 && s.lastLoss !== null) lastLoss = s.lastLoss;
    const encoded = await encodeWeights({
      ...snap,
      lastLoss,
      historySteps: Float32Array.from(b.x),
      historyLosses: Float32Array.from(b.mean),
    });
    if (encoded.length <= MAX_SHARE_CHARS) weights = encoded;
    else notes.push('This network is too large to carry θ in the link; the link replays training instead.');
  }
  const maxReplay = lab ? MAX_GLYPH_REPLAY_STEPS : MAX_REPLAY_STEPS;
  if (!weights && snap.step > maxReplay) {
    notes.push(
      lab
        ? `A glyph replay stops at meta-step ${maxReplay}.`
        : `A replay stops at step ${maxReplay}; include θ to share step ${snap.step} exactly.`,
    );
  }
  if (s.replayBreak) {
    notes.push(
      weights
        ? `A replay could not reproduce this run (${s.replayBreak}), but θ in the link is exact.`
        : lab
          ? `Replaying from the start will not give this θ exactly: ${s.replayBreak}.`
          : `Replaying from step 0 will not reproduce this θ (${s.replayBreak}): include θ in the link to share it exactly.`,
    );
  }
  const from = lab ? s.start : null;
  // inside the walk-through, the link opens it at the same phase (before the update is applied)
  const walk = s.walk;
  const walkPhase =
    walk && !walk.update && !walk.updating ? Math.min(walk.phase + 1, LINK_WALK_PHASES) : null;
  if (walk && walkPhase !== null && walk.phase + 1 > LINK_WALK_PHASES)
    notes.push(`The link opens the walk-through at phase ${LINK_WALK_PHASES}: the update takes a step.`);
  const url = shareUrl(window.location.href, s.config, s.backendRequest, snap.step, weights, from, walkPhase);
  const copied = await copyToClipboard(url);
  store.setState({ share: { url, step: snap.step, withWeights: weights !== null, copied, notes } });
}
