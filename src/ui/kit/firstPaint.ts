/**
 * The page's first frame with its own content (the family's header and intro), so that the
 * training worker, a script of about half a megabyte compressed with the wasm binaries after it,
 * is fetched after that frame instead of competing with it: on a slow connection the page's text
 * shows first. A tab opened in the background paints no frames, so the wait ends after a second
 * anyway.
 */
let painted: () => void = () => {};
const firstPaint = new Promise<void>((resolve) => {
  painted = resolve;
  setTimeout(resolve, 1000);
});

/** Called by the page once its first render is on screen (an effect after the first commit). */
export function markRendered(): void {
  // the frame that shows the commit, then the task after it
  requestAnimationFrame(() => setTimeout(painted, 0));
}

export function pagePainted(): Promise<void> {
  return firstPaint;
}
