/**
 * The share link, for every family: the page's settings and step, with θ and a coarse learning
 * curve when asked and the family's links carry θ, or where the run started (when the family names
 * its starts), and the content hash of imported data the run trains on; copied to the clipboard when the browser allows.
 */
import { copyToClipboard } from './ShareLinkField';
import { binSeries } from '../kit/series';
import { session } from '../session/session';
import { useStore } from '../shell/store';
import { encodeWeights, HISTORY_POINTS, MAX_SHARE_CHARS } from '../shell/thetaCodec';
import { familyOf } from '../shell/families';
import { LINK_WALK_PHASES, shareUrl } from '../shell/url';
import { linkData } from '../import/linkedData';

const store = useStore;

/** Build the share link for the current θ (fresh from the worker) and try to copy it. */
export async function makeShareLink(): Promise<void> {
  const snap = await session.snapshot();
  const s = store.getState();
  const notes: string[] = [];
  const { link } = familyOf(s.config.task);
  let weights: string | null = null;
  // a family whose θ is too large for a link replays from where the run started
  if (s.includeWeights && link.thetaLength(s.config) !== null) {
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
  const maxReplay = link.maxReplaySteps;
  if (!weights && snap.step > maxReplay) notes.push(link.tooLong(maxReplay, snap.step));
  if (s.replayBreak) {
    notes.push(
      weights
        ? `A replay could not reproduce this run (${s.replayBreak}), but θ in the link is exact.`
        : link.replayDiffers(s.replayBreak),
    );
  }
  const from = link.startOf(s);
  // inside the walk-through, the link opens it at the same phase (before the update is applied)
  const walk = s.walk;
  const walkPhase =
    walk && !walk.update && !walk.updating ? Math.min(walk.phase + 1, LINK_WALK_PHASES) : null;
  if (walk && walkPhase !== null && walk.phase + 1 > LINK_WALK_PHASES)
    notes.push(`The link opens the walk-through at phase ${LINK_WALK_PHASES}: the update takes a step.`);
  const data = linkData(s.config.task);
  if (data)
    notes.push(
      'The link carries the content hash of your imported file, not the file: whoever opens it needs the same file.',
    );
  const url = shareUrl(
    window.location.href,
    s.config,
    s.backendRequest,
    snap.step,
    weights,
    from,
    walkPhase,
    s.engineRequest,
    data,
  );
  const copied = await copyToClipboard(url);
  store.setState({ share: { url, step: snap.step, withWeights: weights !== null, copied, notes } });
}
