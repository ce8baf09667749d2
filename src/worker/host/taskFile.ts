import { defaultsFor, type Experiment } from '../../core/experiment';
import { familyOf } from '../../core/families/registry';
import type { ToWorker } from '../protocol';
import { holdData } from './runData';
import type { Post } from './loopState';

/** What reading a task file needs of the worker host. */
export interface TaskFileHost {
  config(): Experiment | null;
  post: Post;
  /** whether the loop is playing */
  playing(): boolean;
  handle(msg: ToWorker): void;
}

/**
 * A task file the page sent: the family reads and keeps its tasks (or adopts what the page's
 * import worker already read of it, `read`) while the run goes on, then the run starts again on
 * them, still playing if it was (when the worker has a config by then; else its first run trains
 * on them). A notice says what was read, or why the file was not used (the
 * run then keeps its tasks).
 */
export async function readTaskFile(
  msg: Extract<ToWorker, { kind: 'taskFile' }>,
  host: TaskFileHost,
): Promise<void> {
  const family = familyOf(msg.task);
  const load = family.loadTaskFile;
  if (!load) return;
  try {
    const config = host.config() ?? msg.config ?? defaultsFor(msg.task);
    const bytes = new Uint8Array(await msg.file.arrayBuffer());
    const adopt = msg.read !== undefined ? family.adoptTaskData : undefined;
    const { lines } = adopt ? await adopt(msg.read, config) : await load(bytes, config, msg.reading);
    holdData(msg.task, msg.source, bytes, msg.reading);
    host.post({ kind: 'notice', level: 'info', message: `${msg.source}: ${lines[0] ?? ''}` });
    if (!host.config()) return;
    const playing = host.playing();
    host.handle({ kind: 'reset' });
    if (playing) host.handle({ kind: 'play' });
  } catch (e) {
    host.post({
      kind: 'notice',
      level: 'warning',
      message: `${msg.source}: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}
