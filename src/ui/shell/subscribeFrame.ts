import { cancelDraw, requestDraw } from '../kit/frameScheduler';
import { useStore, type Store } from './store';

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * Subscribe without React: ask for `draw` in an animation frame now and whenever any of the values
 * `pick` returns changes (the latest state wins), at most once every `minIntervalMs`. With `onScreen`,
 * a chart scrolled out of view is not drawn while training; it catches up when it comes back into
 * view or training pauses.
 */
export function subscribeFrame(
  pick: (s: Store) => readonly unknown[],
  draw: () => void,
  minIntervalMs = 0,
  onScreen?: Element,
): () => void {
  let last = pick(useStore.getState());
  let lastDraw = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let visible = true;
  let missed = false;
  const drawNow = () => {
    // while training, a chart out of view waits; paused, everything is drawn
    if (!visible && useStore.getState().running) {
      missed = true;
      return;
    }
    lastDraw = performance.now();
    draw();
  };
  const watcher =
    onScreen && typeof IntersectionObserver !== 'undefined'
      ? new IntersectionObserver((entries) => {
          visible = entries.some((e) => e.isIntersecting);
          if (visible && missed) {
            missed = false;
            requestDraw(drawNow);
          }
        })
      : null;
  if (watcher && onScreen) watcher.observe(onScreen);
  // the first draw too goes through the frame scheduler: a page opening with every chart at once
  // spreads their first draws over frames instead of one long task
  requestDraw(drawNow);
  const unsub = useStore.subscribe((s) => {
    if (missed && !s.running) {
      missed = false;
      requestDraw(drawNow);
    }
    const v = pick(s);
    if (sameItems(v, last)) return;
    last = v;
    if (timer !== null) return;
    const wait = lastDraw + minIntervalMs - performance.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        requestDraw(drawNow);
      }, wait);
    } else {
      requestDraw(drawNow);
    }
  });
  return () => {
    unsub();
    watcher?.disconnect();
    if (timer !== null) clearTimeout(timer);
    cancelDraw(drawNow);
  };
}
