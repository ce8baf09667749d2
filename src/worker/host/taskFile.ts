import { defaultsFor, type Experiment } from '../../core/experiment';
import { familyOf } from '../../core/families/registry';
import type { ToWorker } from '../protocol';
import type { Post } from './runKeeper';

/**
 * A task file the page sent: the family reads and keeps its tasks, then `restart` starts the run
 * again on them (when the worker has a config by then; else its first run will train on them); a
 * notice says what was read, or why the file was not used (the run then keeps its tasks).
 */
export async function readTaskFile(
  msg: Extract<ToWorker, { kind: 'taskFile' }>,
  config: () => Experiment | null,
  post: Post,
  restart: () => void,
): Promise<void> {
  const load = familyOf(msg.task).loadTaskFile;
  if (!load) return;
  try {
    const { lines } = await load(
      new Uint8Array(await msg.file.arrayBuffer()),
      config() ?? defaultsFor(msg.task),
    );
    post({ kind: 'notice', level: 'info', message: `${msg.source}: ${lines[0] ?? ''}` });
    if (config()) restart();
  } catch (e) {
    post({
      kind: 'notice',
      level: 'warning',
      message: `${msg.source}: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}
