import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App, familyCode } from './page/App';
import { UI_FAMILIES } from './families/registry';
import { familyOf, installFamilies } from './shell/families';
import { registerOffline } from './session/offline';
import { openPage } from './session/openPage';
import { session } from './session/session';
import { useStore } from './shell/store';
import { useSweep } from './sweep/sweepStore';
import type { GpuFault } from '../worker/protocol';
// the stylesheets in cascade order: on equal specificity a later file's rule wins
import './styles/page.css';
import './styles/controls.css';
import './styles/notices.css';
import './styles/charts.css';
import './styles/parameterSpace.css';
import './styles/walk.css';

// the page receives its families (their store slices join the store) before anything reads them
installFamilies(UI_FAMILIES);
// the link's settings reach the store synchronously (before the first render), then the worker starts
void openPage();
// a family's code that loads on demand: fetched now, beside the first render
const opening = familyOf(useStore.getState().config.task);
if (opening.code.length > 0) void familyCode(opening);

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

// the offline service worker (built site only), once the page has loaded and the browser is idle
registerOffline();

// a small handle for the browser tests and for curious visitors' consoles
Object.assign(window, {
  maml: {
    store: useStore,
    sweep: useSweep,
    crashWorker: () => session.crashWorker(),
    gpuFault: (fault: GpuFault) => session.gpuFault(fault),
  },
});
