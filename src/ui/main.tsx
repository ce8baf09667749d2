import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { openGlyphLab } from './glyphs/glyphSession';
import { openPage, session } from './session';
import { useStore } from './store';
import type { GpuFault } from '../worker/protocol';
import { readLink } from './url';
import { uiFamilyOf } from './families/registry';
// the stylesheets in cascade order: on equal specificity a later file's rule wins
import './styles/page.css';
import './styles/controls.css';
import './styles/notices.css';
import './styles/charts.css';
import './styles/parameterSpace.css';

// the task family picks the page: the glyph lab has its own worker and never starts the sinusoid
// one; its config is in the store before the first render, so no sinusoid view sees a glyph config
const link = readLink(window.location.search, window.location.hash);
const lab = uiFamilyOf(link.config.task).page === 'lab';
if (lab) {
  useStore.setState({ config: link.config, backendRequest: link.backend, phase: 'ready' });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// the first render as a transition: React yields to the browser every few milliseconds while it
// builds the page, instead of one long task (what Lighthouse counts as blocking time)
startTransition(() =>
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);

// a small handle for the browser tests and for curious visitors' consoles
Object.assign(window, {
  maml: {
    store: useStore,
    crashWorker: () => session.crashWorker(),
    gpuFault: (fault: GpuFault) => session.gpuFault(fault),
  },
});

if (lab) openGlyphLab(link);
else void openPage();
