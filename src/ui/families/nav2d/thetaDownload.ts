/**
 * The navigation policy's θ as one JSON file: the settings (a share link's query), the meta-step,
 * the layer layout of the flat vector and θ itself as numbers.
 */
import { serializeExperiment } from '../../../core/experiment';
import { policySizes } from '../../../core/families/nav2d/policy';
import { downloadBlob } from '../../kit/svgExport';
import type { ThetaDownloadUi } from '../../shell/family';
import { session } from '../../session/session';
import { useStore } from '../../shell/store';

async function downloadPolicy(): Promise<void> {
  const snap = await session.snapshot();
  const { config } = useStore.getState();
  const file = {
    format: 'maml-playground policy θ',
    query: serializeExperiment(config),
    step: snap.step,
    layers: policySizes(config.hidden),
    layout:
      'each layer: W [in, out] row-major, then its bias [out]; ReLU between layers; then the 2 log standard deviations',
    theta: Array.from(snap.theta),
  };
  downloadBlob(
    new Blob([JSON.stringify(file)], { type: 'application/json' }),
    `maml-${config.task}-theta-step-${snap.step}.json`,
  );
}

export const navThetaDownload: ThetaDownloadUi = {
  testId: 'nav-theta-download',
  label: 'Download θ',
  title:
    'Download the meta-learned policy θ as one JSON file: the settings, the meta-step, the layer sizes and the flat vector (each layer’s weights row-major, its bias, then the two log standard deviations).',
  download: downloadPolicy,
};
