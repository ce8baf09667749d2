/**
 * Offline: the Workbox service worker that `npm run build` generates (vite-plugin-pwa, configured
 * in vite.config.ts; `npm run dev` has none) precaches the app, its workers, the wasm binaries and
 * a family's shipped θ, so after one visit the page loads and trains with no network.
 *
 * It is registered from the app's own code (no inline script under the strict CSP) once the page
 * has loaded, the main thread is idle and training is paused (or after a minute of training), so
 * the first paint and training never wait for it. A new version installs in the background and
 * then waits: the page says "A new version is ready — reload", and only this tab's Reload swaps
 * it in (pausing a training run and letting its autosave land first); another tab's Reload never
 * reloads a tab that is training.
 */
import { useStore } from '../shell/store';

export const UPDATE_TITLE = 'A new version is ready — reload';
/** how long Reload waits for the autosave of a paused run before reloading anyway */
const SAVE_WAIT_MS = 2000;

/** while training, registration (and its 4.7 MB precache) waits for a pause, at most this long */
const TRAINING_DEFER_MS = 60_000;

/** Register now, or once training pauses: precaching competes with training on a small machine. */
function registerWhenNotTraining(): void {
  if (!useStore.getState().running) {
    void register();
    return;
  }
  const timer = setTimeout(go, TRAINING_DEFER_MS);
  const unsubscribe = useStore.subscribe((s) => {
    if (!s.running) go();
  });
  function go() {
    clearTimeout(timer);
    unsubscribe();
    void register();
  }
}

/**
 * Register the service worker after load, when the browser is idle and the page is not training
 * (built site only).
 */
export function registerOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const whenIdle = () => {
    if ('requestIdleCallback' in window) requestIdleCallback(registerWhenNotTraining, { timeout: 5000 });
    else setTimeout(registerWhenNotTraining, 1000);
  };
  if (document.readyState === 'complete') whenIdle();
  else window.addEventListener('load', whenIdle, { once: true });
}

async function register(): Promise<void> {
  const { registerSW } = await import('virtual:pwa-register');
  /** this tab's visitor pressed Reload */
  let requested = false;
  /** the new version already controls this tab (another tab's Reload activated it) */
  let swapped = false;
  const reload = async () => {
    requested = true;
    await pauseAndSave();
    if (swapped) window.location.reload();
    // the waiting worker takes over; its `controlling` event calls onNeedReload below
    else await updateSW(true);
  };
  const updateSW = registerSW({
    onNeedRefresh: () => announceUpdate(() => void reload()),
    onNeedReload: () => {
      if (requested) window.location.reload();
      else swapped = true;
    },
    onRegisterError: (e: unknown) => console.warn('The offline service worker could not be registered', e),
  });
}

/** The notice with its Reload button (it stays until pressed or dismissed). */
function announceUpdate(reload: () => void): void {
  useStore
    .getState()
    .notify('info', UPDATE_TITLE, ['The page works offline; the update takes effect when it reloads.'], {
      label: 'Reload',
      run: reload,
      keep: true,
    });
}

/** Pause a training run and give its autosave a moment to write the paused state. */
async function pauseAndSave(): Promise<void> {
  const s = useStore.getState();
  if (!s.running) return;
  s.pause();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, SAVE_WAIT_MS);
    const unsubscribe = useStore.subscribe((now) => {
      if (!now.running && now.saved && now.saved.step >= now.step) done();
    });
    function done() {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    }
  });
}
