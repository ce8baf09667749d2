import { useState } from 'react';
import { layerSizes } from '../../core/experiment';
import { glyphThetaFile } from '../../core/export/glyphTheta';
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

/** The glyph lab's θ (and Meta-SGD's rates) as one self-describing file (src/core/export/glyphTheta.ts). */
export async function downloadGlyphTheta(): Promise<void> {
  const snap = await session.snapshot();
  const { config } = useStore.getState();
  const file = glyphThetaFile(config, snap.step, snap.theta, snap.alpha);
  downloadBlob(
    new Blob([JSON.stringify(file, null, 1)], { type: 'application/json' }),
    `maml-${config.task}-theta-step-${snap.step}.json`,
  );
}

const MLP_TITLE =
  "Download θ as a TensorFlow.js layers model: two files, maml-…-theta-step-N.json and maml-…-theta-step-N.weights.bin (the .json names the .bin: keep both in one folder; your browser may ask to allow two downloads). Load it with tf.loadLayersModel('…/maml-…-theta-step-N.json'): a Sequential of Dense layers with ReLU, the meta-learned initialisation before any adaptation.";
const GLYPH_TITLE =
  "Download θ, the meta-learned initialisation, as one file maml-glyphs-theta-step-N.json: the network's layers, its tensors' names and shapes, and θ (base64 float32). Its batch norm uses each batch's own statistics, which a TensorFlow.js layers model cannot do: the README's section “The glyph lab's θ file” runs it with a few tfjs ops.";

/**
 * The share panel's θ download: for the regression families a TensorFlow.js layers model, for the
 * glyph lab (`glyph`) its θ file.
 */
export function ThetaModelDownload({ glyph = false }: { glyph?: boolean }) {
  const phase = useStore((s) => s.phase);
  const [busy, setBusy] = useState(false);
  return (
    <div className="field-row">
      <button
        type="button"
        data-testid={glyph ? 'glyph-theta-download' : 'theta-model-download'}
        disabled={busy || phase !== 'ready'}
        title={glyph ? GLYPH_TITLE : MLP_TITLE}
        onClick={() => {
          setBusy(true);
          void (glyph ? downloadGlyphTheta() : downloadThetaModel())
            .catch((e: unknown) =>
              useStore
                .getState()
                .notify('error', 'Could not export θ', [e instanceof Error ? e.message : String(e)]),
            )
            .finally(() => setBusy(false));
        }}
      >
        {glyph ? 'Download θ' : 'Download θ as TensorFlow.js model'}
      </button>
    </div>
  );
}
