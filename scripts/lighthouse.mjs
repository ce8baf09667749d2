/**
 * Start-up performance as Lighthouse measures it (default mobile emulation and simulated
 * throttling), against the built site:
 *   npm run lighthouse -- [--json out.json] [--runs 3] [--path '?task=glyphs'] [--port 4177]
 * Uses the system Chromium (CHROMIUM_PATH or /usr/bin/chromium). Prints the performance score and
 * the metrics behind it for each run, and their medians (also per kind of visit: a first one, or a
 * returning one, which finds the site's IndexedDB from an earlier run: in the glyph lab, the run it
 * autosaved, which the page resumes). Not part of `npm test`.
 */
import { writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';

const { option, count } = scriptFlags(
  ['json', 'runs', 'path', 'port'],
  "npm run lighthouse -- [--json out.json] [--runs 3] [--path '?task=glyphs'] [--port 4177]",
);
const runs = count('runs', 3);
const json = option('json', null);
const path = option('path', '');

const METRICS = {
  'first-contentful-paint': 'FCP ms',
  'largest-contentful-paint': 'LCP ms',
  'total-blocking-time': 'TBT ms',
  'cumulative-layout-shift': 'CLS',
  'speed-index': 'SI ms',
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const preview = startPreview(Number(option('port', '4177')));
let chrome;
try {
  await preview.ready();
  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-background-networking'],
  });
  const results = [];
  for (let r = 0; r < runs; r++) {
    const { lhr } = await lighthouse(preview.base + path, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance'],
    });
    const row = { score: Math.round((lhr.categories.performance.score ?? 0) * 100) };
    for (const [id, name] of Object.entries(METRICS))
      row[name] = Number(
        (lhr.audits[id]?.numericValue ?? NaN).toFixed(id === 'cumulative-layout-shift' ? 3 : 0),
      );
    row['DOM nodes'] = lhr.audits['dom-size']?.numericValue ?? null;
    // Lighthouse clears caches and service workers between runs, not IndexedDB (it warns): after
    // the first run, a returning visitor's page (the glyph lab resumes the run it autosaved)
    row.visit = (lhr.runWarnings ?? []).some((w) => w.includes('IndexedDB')) ? 'returning' : 'first';
    results.push(row);
    process.stderr.write(`run ${r + 1}: ${JSON.stringify(row)}\n`);
  }
  const medians = (rows) =>
    Object.fromEntries(
      Object.keys(rows[0])
        .filter((k) => k !== 'visit')
        .map((k) => [k, median(rows.map((x) => x[k]))]),
    );
  const summary = medians(results);
  for (const visit of ['first', 'returning']) {
    const rows = results.filter((x) => x.visit === visit);
    if (rows.length > 0 && rows.length < results.length) summary[visit] = medians(rows);
  }
  const out = {
    date: new Date().toISOString(),
    lighthouse: '12.2.3',
    url: path || '/',
    emulation: 'mobile (default)',
    median: summary,
    runs: results,
  };
  process.stderr.write(`median: ${JSON.stringify(summary)}\n`);
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (json) writeFileSync(json, text);
  else process.stdout.write(text);
} catch (e) {
  process.stderr.write(`lighthouse failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await chrome?.kill();
  preview.stop();
}
