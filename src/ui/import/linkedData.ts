/**
 * Which imported data the page's run trains on, and which a link asked for, by content hash. The
 * share link carries the first (its `data=`); the import panel checks files against the second.
 * One page has one link and one run, so these are per page; a hash is a file's full SHA-256 (the
 * link's value is a prefix of it, src/core/data/dataLink.ts).
 */
import { dataLinkValue } from '../../core/data/dataLink';

let trained: { task: string; hash: string } | null = null;
let asked: { task: string; hash: string } | null = null;

/** The page's run of `task` trains on the file with this hash (null: on built-in tasks). */
export function setTrainedData(task: string, hash: string | null): void {
  trained = hash === null ? null : { task, hash };
}

/** The `data=` value of a share link for the run of `task`, or null when it trains on no imported file. */
export function linkData(task: string): string | null {
  return trained && trained.task === task ? dataLinkValue(trained.hash) : null;
}

/** The link the page opened names this data for a run of `task` (null: none). */
export function askForData(task: string, hash: string | null): void {
  asked = hash === null ? null : { task, hash };
}

/** The data hash the opened link names for `task`, or null. */
export function askedData(task: string): string | null {
  return asked && asked.task === task ? asked.hash : null;
}
