import { glyphThetaFile } from '../../../core/export/glyphTheta';
import { downloadBlob } from '../../kit/svgExport';
import type { ThetaDownloadUi } from '../../shell/family';
import { session } from '../../session/session';
import { useStore } from '../../shell/store';

/** The glyph lab's θ (with Meta-SGD's or MAML++'s learned rates) as one self-describing file (src/core/export/glyphTheta.ts). */
async function downloadGlyphTheta(): Promise<void> {
  const snap = await session.snapshot();
  const { config } = useStore.getState();
  const file = glyphThetaFile(config, snap.step, snap.theta, snap.alpha, snap.rates ?? null);
  downloadBlob(
    new Blob([JSON.stringify(file, null, 1)], { type: 'application/json' }),
    `maml-${config.task}-theta-step-${snap.step}.json`,
  );
}

export const glyphThetaDownload: ThetaDownloadUi = {
  testId: 'glyph-theta-download',
  label: 'Download θ',
  title:
    "Download θ, the meta-learned initialisation, as one file maml-glyphs-theta-step-N.json: the network's layers, its tensors' names and shapes, and θ (base64 float32). Its batch norm uses each batch's own statistics, which a TensorFlow.js layers model cannot do: the README's section “The glyph lab's θ file” runs it with a few tfjs ops.",
  download: downloadGlyphTheta,
};
