import { lazy, type ComponentType } from 'react';

/** A component whose code loads on demand, and which the page can load before it first renders. */
export type Preloadable<P extends object> = ComponentType<P> & { preload(): Promise<unknown> };

/**
 * Like React's `lazy`, with a `preload` the page calls before its first render: once the code has
 * arrived the component renders at once, with no fallback first. (A lazy component shows its
 * fallback until its code arrives, and the panels that then take its place push the page down as
 * it opens: a layout shift a visitor sees and Lighthouse counts.)
 */
export function preloadable<P extends object>(
  load: () => Promise<{ default: ComponentType<P> }>,
): Preloadable<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const preload = () =>
    (loading ??= load().then((m) => {
      loaded = m.default;
      return m.default;
    }));
  const Lazy = lazy(async () => ({ default: await preload() }));
  function Preloaded(props: P) {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Lazy {...props} />;
  }
  return Object.assign(Preloaded, { preload });
}

const arrived = new WeakMap<object, Promise<void>>();

/**
 * One promise for the code of several parts (loaded once, kept per `key`): it settles when every
 * part has arrived or failed to load, and never rejects: a part whose code cannot be loaded shows
 * its own fallback instead.
 */
export function codeArrived(key: object, parts: readonly Preloadable<object>[]): Promise<void> {
  let p = arrived.get(key);
  if (!p) {
    p = Promise.allSettled(parts.map((part) => part.preload())).then(() => undefined);
    arrived.set(key, p);
  }
  return p;
}
