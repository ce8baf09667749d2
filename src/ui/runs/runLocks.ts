/**
 * Which saved runs a tab is training: each tab holds a Web Lock named after the record it saves
 * into (`Autosave.claim`) for as long as it continues that run. Another tab reads the held locks
 * to mark those runs on its shelf, and takes a run's lock for the time it deletes the record, so
 * a run that a tab goes on saving is never deleted under it (its next save would write it back).
 */
const PREFIX = 'maml-run:';

const runLockName = (runId: string): string => `${PREFIX}${runId}`;

const locks = (): LockManager | undefined => (typeof navigator !== 'undefined' ? navigator.locks : undefined);

/**
 * Hold a saved run's lock until the function it resolves to is called; null when another tab
 * holds it. Without Web Locks every tab holds it.
 */
export function holdRunLock(runId: string): Promise<(() => void) | null> {
  const manager = locks();
  if (!manager) return Promise.resolve(() => undefined);
  return new Promise((resolve) => {
    void manager.request(runLockName(runId), { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      return new Promise<void>((release) => resolve(release));
    });
  });
}

/** The saved runs some tab of this site (this one included) is continuing now. */
export async function heldRunIds(): Promise<Set<string>> {
  const manager = locks();
  if (!manager) return new Set();
  try {
    const { held = [] } = await manager.query();
    return new Set(held.flatMap((l) => (l.name?.startsWith(PREFIX) ? [l.name.slice(PREFIX.length)] : [])));
  } catch {
    return new Set();
  }
}

/**
 * Run `change` on a saved run's record while no tab continues that run (holding its lock so none
 * starts meanwhile); false, with nothing done, when a tab holds it. Without Web Locks the change
 * just runs.
 */
export async function whileNoTabHolds(runId: string, change: () => Promise<void>): Promise<boolean> {
  const manager = locks();
  if (!manager) {
    await change();
    return true;
  }
  return manager.request(runLockName(runId), { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await change();
    return true;
  });
}
