/** The runs this browser saved, as the page shows them and as IndexedDB holds them. */
import { expect, type Page } from '@playwright/test';
import { trainTo, waitReady } from './helpers';

/** The meta-step of the page's latest save, from its autosave readout (NaN: none yet). */
export const savedStep = async (page: Page): Promise<number> => {
  const text = (await page.getByTestId('autosave-status').textContent()) ?? '';
  return Number(/meta-step ([\d,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);
};

/** Train a paused page to at least `steps`, pause, and wait for that step's save; returns the step. */
export async function trainSaved(page: Page, steps: number): Promise<number> {
  const n = await trainTo(page, steps);
  await expect.poll(() => savedStep(page), { timeout: 30_000 }).toBe(n);
  return n;
}

/** Open an experiment that trains on wasm, then as trainSaved. */
export async function openTrained(page: Page, url: string, steps: number): Promise<number> {
  await page.goto(url);
  await waitReady(page, /wasm/);
  return trainSaved(page, steps);
}

export const shelf = (page: Page) => page.getByRole('region', { name: 'Runs' });
export const entries = (page: Page) => shelf(page).getByTestId('shelf-entry');

/** Name the newest run on the shelf. */
export async function renameNewest(page: Page, name: string): Promise<void> {
  const entry = entries(page).first();
  await entry.getByRole('button', { name: /^Rename/ }).click();
  await entry.getByRole('textbox', { name: 'Run name' }).fill(name);
  await entry.getByRole('button', { name: 'Save name' }).click();
}

export type Stored = {
  id: string;
  key: string;
  name?: string;
  text: string;
  step: number;
  savedAt: string;
  damaged?: string;
};

/** The saved records of this browser as IndexedDB holds them. */
export function records(page: Page): Promise<Stored[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('maml-playground');
        open.onerror = () => reject(new Error('no database'));
        open.onsuccess = () => {
          const all = open.result.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () => {
            open.result.close();
            resolve(all.result as Stored[]);
          };
        };
      }),
  );
}

/** Write a record into IndexedDB as it is given (the page is not told). */
export function putRecord(page: Page, record: Record<string, unknown>): Promise<void> {
  return page.evaluate(
    (r) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('maml-playground');
        open.onerror = () => reject(new Error('no database'));
        open.onsuccess = () => {
          const tx = open.result.transaction('runs', 'readwrite');
          tx.objectStore('runs').put(r);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(new Error('not written'));
        };
      }),
    record,
  );
}
