// Prints the README's reproduction table from results/*.json (written by `npm run train -- --json`).
import { readdirSync, readFileSync } from 'node:fs';

const dir = new URL('../results/', import.meta.url);
const fmt = (c, i) => {
  const m = c?.mse?.[i];
  return typeof m === 'number' && Number.isFinite(m) && m < 1e6
    ? `${m.toFixed(3)} ± ${c.ci95[i].toFixed(3)}`
    : 'diverged';
};
const rows = [];
for (const f of readdirSync(dir)
  .filter((f) => f.startsWith('sinusoid-') && f.endsWith('.json'))
  .sort()) {
  const r = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
  const e = r.eval;
  const engine = r.engine ?? 'tfjs';
  rows.push(
    `| \`${r.query.replace(/^task=sinusoid&/, '')}\` | ${engine} | ${e.k} | ${[1, 5, 10].map((n) => fmt(e.maml, n)).join(' | ')} | ${fmt(e.pretrained, 1)} | ${fmt(e.random, 1)} | ${r.metaStepsPerSecond.toFixed(0)} |`,
  );
}
console.log(
  '| config | engine | K | meta-learned, 1 step | 5 steps | 10 steps | pretrained, 1 step | random, 1 step | steps/s |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
