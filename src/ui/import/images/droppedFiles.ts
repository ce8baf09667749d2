/**
 * What a drop holds, read through DataTransfer items (webkitGetAsEntry): one zip file, or a folder
 * walked to its files (paths under the dropped folder's parent, '/'-separated). The walk reads
 * directories by batches (readEntries answers at most ~100 entries a call) and stops past the
 * file cap, so a huge folder is refused without listing all of it. Entries must be taken during
 * the drop event (`entriesOf`); the walk itself runs after it.
 */
import { ImportError, IMPORT_LIMITS } from '../../../core/data/images/limits';
import type { FolderFile } from './imageMessages';

/** The parts of the File and Directory Entries API the walk uses (a test can give plain objects). */
export interface DropEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(success: (f: File) => void, failure?: (e: unknown) => void): void;
  createReader?(): { readEntries(success: (e: DropEntry[]) => void, failure?: (e: unknown) => void): void };
}

/** The entries of a drop's items, taken while the drop event lasts. */
export function entriesOf(items: DataTransferItemList): DropEntry[] {
  const out: DropEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    const entry = items[i]?.webkitGetAsEntry();
    if (entry) out.push(entry as unknown as DropEntry);
  }
  return out;
}

const fileOf = (e: DropEntry) =>
  new Promise<File>((resolve, reject) => {
    if (!e.file) reject(new Error(`${e.name} cannot be read`));
    else e.file(resolve, reject);
  });

const batchOf = (reader: ReturnType<NonNullable<DropEntry['createReader']>>) =>
  new Promise<DropEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));

async function walk(entry: DropEntry, prefix: string, out: FolderFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    if (out.length >= IMPORT_LIMITS.files)
      throw new ImportError(
        `more than ${IMPORT_LIMITS.files} files; at most ${IMPORT_LIMITS.files} are read`,
      );
    out.push({ path, file: await fileOf(entry) });
    return;
  }
  if (!entry.isDirectory || !entry.createReader) return;
  const reader = entry.createReader();
  const children: DropEntry[] = [];
  for (let batch = await batchOf(reader); batch.length > 0; batch = await batchOf(reader))
    children.push(...batch);
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) await walk(child, path, out);
}

/** A drop as an import: a single file as is (a zip), else every file under the dropped folders. */
export async function droppedSource(
  entries: readonly DropEntry[],
): Promise<{ kind: 'zip'; file: File } | { kind: 'folder'; files: FolderFile[] }> {
  const only = entries[0];
  if (entries.length === 1 && only?.isFile) return { kind: 'zip', file: await fileOf(only) };
  const files: FolderFile[] = [];
  for (const e of entries) await walk(e, '', files);
  return { kind: 'folder', files };
}
