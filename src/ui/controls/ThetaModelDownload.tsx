import { useState } from 'react';
import { layerSizes } from '../../core/experiment';
import { thetaToLayersModel } from '../../core/export/layersModel';
import { downloadBlob } from '../charts/download/svgExport';
import { session } from '../session';
import { useStore } from '../store';

/**
 * θ, fresh from the worker (the snapshot share links use), as a TensorFlow.js layers model: two
 * files, `<name>.json` and the `<name>.weights.bin` it names, downloaded one after the other.
 */
export async function downloadThetaModel(): Promise<void> {
  const snap = await session.snapshot();
  const { config } = useStore.getState();
  const base = `maml-${config.task}-theta-step-${snap.step}`;
  const files = thetaToLayersModel(snap.theta, layerSizes(config), `${base}.weights.bin`);
  downloadBlob(
    new Blob([JSON.stringify(files.modelJson, null, 1)], { type: 'application/json' }),
    `${base}.json`,
  );
  downloadBlob(new Blob([files.weights], { type: 'application/octet-stream' }), `${base}.weights.bin`);
}

/** The regression families' "Download θ as TensorFlow.js model" (the glyph conv net has none). */
export function ThetaModelDownload() {
  const phase = useStore((s) => s.phase);
  const [busy, setBusy] = useState(false);
  return (
    <div className="field-row">
      <button
        type="button"
        data-testid="theta-model-download"
        disabled={busy || phase !== 'ready'}
        title="Download θ as a TensorFlow.js layers model: two files, maml-…-theta-step-N.json and maml-…-theta-step-N.weights.bin (the .json names the .bin: keep both in one folder; your browser may ask to allow two downloads). Load it with tf.loadLayersModel('…/maml-…-theta-step-N.json'): a Sequential of Dense layers with ReLU, the meta-learned initialisation before any adaptation."
        onClick={() => {
          setBusy(true);
          void downloadThetaModel()
            .catch((e: unknown) =>
              useStore
                .getState()
                .notify('error', 'Could not export θ', [e instanceof Error ? e.message : String(e)]),
            )
            .finally(() => setBusy(false));
        }}
      >
        Download θ as TensorFlow.js model
      </button>
    </div>
  );
}
