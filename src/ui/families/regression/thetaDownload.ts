import { layerSizes } from '../../../core/experiment';
import { thetaToLayersModel } from '../../../core/export/layersModel';
import { downloadBlob } from '../../kit/svgExport';
import type { ThetaDownloadUi } from '../../shell/family';
import { session } from '../../session/session';
import { useStore } from '../../shell/store';

/**
 * θ, fresh from the worker (the snapshot share links use), as a TensorFlow.js layers model: two
 * files, `<name>.json` and the `<name>.weights.bin` it names, downloaded one after the other.
 */
async function downloadThetaModel(): Promise<void> {
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

/** The MLP families' θ download: a TensorFlow.js layers model. */
export const layersModelDownload: ThetaDownloadUi = {
  testId: 'theta-model-download',
  label: 'Download θ as TensorFlow.js model',
  title:
    "Download θ as a TensorFlow.js layers model: two files, maml-…-theta-step-N.json and maml-…-theta-step-N.weights.bin (the .json names the .bin: keep both in one folder; your browser may ask to allow two downloads). Load it with tf.loadLayersModel('…/maml-…-theta-step-N.json'): a Sequential of Dense layers with ReLU, the meta-learned initialisation before any adaptation.",
  download: downloadThetaModel,
};
