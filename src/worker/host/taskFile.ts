import type { Experiment } from '../../core/experiment';
import { familyOf } from '../../core/families/registry';
import type { ToWorker } from '../protocol';
import type { Post } from './runKeeper';

/**
 * A task file the page sent: the family reads and keeps its tasks, then `restart` starts the run
 * again on them; a notice says what was read, or why the file was not used (the run then keeps
 * its tasks).
 */
export async function readTaskFile(
  msg: Extract<ToWorker, { kind: 'taskFile' }>,
  config: Experiment | null,
  post: Post,
  restart: () => void,
): Promise<void> {
  const load = familyOf(msg.task).loadTaskFile;
  if (!config || !load) return;
  try {
    const { lines } = await load(new Uint8Array(msg.bytes), config);
    post({ kind: 'notice', level: 'info', message: `${msg.source}: ${lines[0] ?? ''}` });
    restart();
  } catch (e) {
    post({
      kind: 'notice',
      level: 'warning',
      message: `${msg.source}: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}
