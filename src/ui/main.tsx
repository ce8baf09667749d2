import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { openPage, session } from './session';
import { useStore } from './store';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// a small handle for the browser tests and for curious visitors' consoles
Object.assign(window, {
  maml: {
    store: useStore,
    crashWorker: () => session.crashWorker(),
  },
});

void openPage();
