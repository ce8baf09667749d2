/**
 * Imports image classes off the main thread: a zip read and checked by the core's zip reader, or
 * a dropped folder's files read one at a time (caps checked before any is read), then every image
 * decoded and converted with progress messages (at most one every PROGRESS_MS). The page gets
 * what it shows; the decoded classes stay here until the page hands this worker a port to the
 * training worker, which they are sent over (portHandOver.ts), after which the worker ends. The
 * page cancels, or drops an import it will not train on, by ending the worker.
 */
import { filesOfZip, importImageClasses } from '../../../core/data/images/importer';
import { isHiddenPath } from '../../../core/data/images/layout';
import { ImportError, IMPORT_LIMITS } from '../../../core/data/images/limits';
import { archiveOf, conversionSamples } from '../../../core/data/images/preview';
import { describeClasses, splitCounts, splitGroups } from '../../../core/data/images/summary';
import type { ArchiveFile } from '../../../core/data/images/zip';
import {
  packedClassSet,
  refuseClassSet,
  sendClassSet,
  type PackedClassSet,
} from '../../../core/data/images/portHandOver';
import type {
  DecodedImages,
  FolderFile,
  ImageHandOverRequest,
  ImageImportReply,
  ImageImportRequest,
} from './imageMessages';

const PROGRESS_MS = 250;
const reply = (m: ImageImportReply, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

let lastProgress = 0;
function progress(phase: 'reading' | 'decoding', done: number, total: number): void {
  const t = performance.now();
  if (done < total && t - lastProgress < PROGRESS_MS) return;
  lastProgress = t;
  reply({ kind: 'progress', phase, done, total });
}

/** A folder's files, hidden ones left out, refused from their count and sizes before reading. */
async function readFolder(given: readonly FolderFile[]): Promise<ArchiveFile[]> {
  const files = given.filter((f) => !isHiddenPath(f.path));
  if (files.length > IMPORT_LIMITS.files)
    throw new ImportError(`${files.length} files; at most ${IMPORT_LIMITS.files} are read`);
  const bytes = files.reduce((s, f) => s + f.file.size, 0);
  if (bytes > IMPORT_LIMITS.totalBytes)
    throw new ImportError(
      `the folder holds ${Math.round(bytes / 2 ** 20)} MiB, over the ${IMPORT_LIMITS.totalBytes / 2 ** 20} MiB cap`,
    );
  const out: ArchiveFile[] = [];
  for (const f of files) {
    out.push({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()) });
    progress('reading', out.length, files.length);
  }
  return out;
}

async function importRequest(req: ImageImportRequest): Promise<DecodedImages> {
  const files =
    req.kind === 'zip'
      ? filesOfZip(new Uint8Array(await req.file.arrayBuffer()))
      : await readFolder(req.files);
  const set = await importImageClasses(files, (done, total) => progress('decoding', done, total));
  const archive =
    req.kind === 'zip' ? req.file : new Blob([archiveOf(files) as BlobPart], { type: 'application/zip' });
  return {
    archive,
    hash: set.hash,
    classes: set.classes.length,
    images: set.images,
    protocol: set.split.protocol,
    rotations: set.split.rotations,
    lines: describeClasses(set),
    groups: splitGroups(set),
    counts: splitCounts(set),
    samples: conversionSamples(files),
    decoded: set,
  };
}

/** the decoded classes of the import, packed for sending, until they are handed over */
let decoded: PackedClassSet | null = null;

/**
 * The import to the page, all but the decoded classes, which are kept, packed now so that the
 * hand-over only moves buffers.
 */
function send(result: DecodedImages): void {
  const { decoded: set, ...shown } = result;
  decoded = packedClassSet(set);
  reply(
    { kind: 'done', result: shown },
    shown.samples.map((s) => s.pixels.buffer as ArrayBuffer),
  );
}

/** The decoded classes to the training worker over `port`; the worker ends once they are there. */
function handOver(port: MessagePort): void {
  const set = decoded;
  decoded = null;
  if (set === null) return refuseClassSet(port, 'the image import has no decoded classes to hand over');
  void sendClassSet(set, port).then(() => self.close());
}

self.onmessage = (e: MessageEvent<ImageImportRequest | ImageHandOverRequest>) => {
  const m = e.data;
  if (m.kind === 'handOver') return handOver(m.port);
  importRequest(m).then(send, (err: unknown) =>
    reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
};
