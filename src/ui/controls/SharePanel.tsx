import { useId, useState } from 'react';
import { ShareLinkField } from './ShareLinkField';
import { ThetaModelDownload } from './ThetaModelDownload';
import { makeShareLink } from './shareLink';
import { familyOf } from '../shell/families';
import { useStore } from '../shell/store';

/** "Copy share link": the experiment, the step and (optionally) θ itself, shown in a read-only field. */
export function SharePanel() {
  const share = useStore((s) => s.share);
  const includeWeights = useStore((s) => s.includeWeights);
  const phase = useStore((s) => s.phase);
  const backend = useStore((s) => s.backend);
  const set = useStore((s) => s.set);
  const family = useStore((s) => familyOf(s.config.task));
  // a family whose θ is too large for a link: its links say where the run started and replay
  const thetaInLinks = useStore((s) => family.link.thetaLength(s.config) !== null);
  const replayedFrom = useStore((s) => family.link.replayedFrom(s));
  const [busy, setBusy] = useState(false);
  const weightsId = useId();

  return (
    <section className="panel share" aria-labelledby="share-title">
      <h2 id="share-title">Share this run</h2>
      <div className="field-row">
        <button
          type="button"
          disabled={busy || phase !== 'ready'}
          title="Copy share link: a URL with these settings and the current meta-step; opening it meta-trains to the same θ (or loads θ from the link)."
          onClick={() => {
            setBusy(true);
            void makeShareLink().finally(() => setBusy(false));
          }}
        >
          Copy share link
        </button>
        {!thetaInLinks ? null : (
          <span
            className="inline-field"
            title="Put the trained weights θ in the link's #fragment, so the recipient sees this model at once instead of replaying the training."
          >
            <input
              id={weightsId}
              type="checkbox"
              checked={includeWeights}
              onChange={(e) => set('includeWeights', e.currentTarget.checked)}
            />
            <label htmlFor={weightsId}>include θ in the link</label>
          </span>
        )}
      </div>
      <ShareLinkField
        link={share}
        testId="share-summary"
        summary={
          share ? (
            <>
              It opens at meta-step {share.step}
              {share.withWeights
                ? ' with θ carried in the link.'
                : `${replayedFrom} the training deterministically (bit-identical on the same backend; this run used ${backend ?? 'no backend yet'}).`}
            </>
          ) : null
        }
      />
      <ThetaModelDownload download={family.thetaDownload} />
    </section>
  );
}
