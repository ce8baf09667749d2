import type { FusedLimits } from '../core/engines/webgpu/layout';
import type { BenchConfig, Rate } from './bench';
import type { FallbackResult } from './fused';
import type { RunCheck } from './runChecks';

/** The check page's results: shown as tables and left on window.__engineCheck as JSON. */
export interface Row {
  name: string;
  algo: string;
  detail: string;
  errTheta: number;
  errAlpha: number | null;
  errPretrained: number | null;
  errLoss: number;
  /** ‖FOMAML − MAML‖ / ‖MAML‖ in the reference (MAML rows): what dropping the Hessian term costs */
  hessianShare: number | null;
  pass: boolean;
}

export interface CheckReport {
  done: boolean;
  tolerance: number;
  adapter: Record<string, string> | null;
  limits: FusedLimits | null;
  rows: Row[];
  dispatches: { name: string; counted: number; declared: number }[];
  leak: { before: number; after: number; created: number; disposed: number } | null;
  fallbacks: FallbackResult[];
  /** the engine inside a whole regression run (resume, live changes, fallback) */
  runs: RunCheck[];
  rates: Rate[];
  benchConfig: BenchConfig | null;
  error: string | null;
}

const fmt = (x: number | null) => (x === null ? '—' : `<span class="num">${x.toExponential(2)}</span>`);

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function escape(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

const verdictCell = (pass: boolean) =>
  pass ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>';

/** The fused engine against tfjs, case by case. */
function comparisonSection(r: CheckReport): string[] {
  if (r.rows.length === 0) return [];
  const passed = r.rows.filter((x) => x.pass).length;
  const verdict = passed === r.rows.length ? 'pass' : 'fail';
  const head = [
    'case',
    'algorithm',
    'configuration',
    '∂θ / Δθ',
    '∂α / Δα',
    'pretrained Δθ',
    'loss',
    'result',
    'FOMAML off by',
  ];
  return [
    `<h2>Fused vs tfjs (‖a − b‖ / ‖b‖, pass ≤ ${r.tolerance})</h2>`,
    `<p class="${verdict}">${passed} of ${r.rows.length} cases pass</p>`,
    table(
      head,
      r.rows.map((x) => [
        escape(x.name),
        x.algo,
        x.detail,
        fmt(x.errTheta),
        fmt(x.errAlpha),
        fmt(x.errPretrained),
        fmt(x.errLoss),
        verdictCell(x.pass),
        fmt(x.hessianShare),
      ]),
    ),
  ];
}

/** Dispatch counts, tensor counts, fallbacks and whole runs: the engine's bookkeeping. */
function bookkeepingSections(r: CheckReport): string[] {
  const parts: string[] = [];
  if (r.dispatches.length > 0) {
    parts.push('<h2>Dispatches per meta-step</h2>');
    parts.push(
      table(
        ['case', 'counted', 'declared'],
        r.dispatches.map((d) => [escape(d.name), d.counted, d.declared]),
      ),
    );
  }
  if (r.leak) {
    const l = r.leak;
    parts.push(
      `<h2>Tensors</h2><p>before 20 steps ${l.before}, after ${l.after}; before the engine ${l.created}, after dispose ${l.disposed}</p>`,
    );
  }
  if (r.fallbacks.length > 0) {
    parts.push('<h2>Fallbacks</h2>');
    parts.push(
      table(
        ['check', 'fell back', 'reason'],
        r.fallbacks.map((f) => [escape(f.name), String(f.fellBack), escape(f.reason)]),
      ),
    );
  }
  if (r.runs.length > 0) {
    parts.push('<h2>Whole runs on the fused WebGPU engine</h2>');
    parts.push(
      table(
        ['check', 'result', 'detail'],
        r.runs.map((x) => [escape(x.name), verdictCell(x.pass), escape(x.detail)]),
      ),
    );
  }
  return parts;
}

/** Meta-steps per second of each engine on the bench configuration. */
function ratesSection(r: CheckReport): string[] {
  if (r.rates.length === 0) return [];
  const c = r.benchConfig;
  const what = c
    ? `${c.algo}, ${c.sizes.join('-')}, T ${c.tasks}, K ${c.support}, Q ${c.query}, inner ${c.inner}`
    : '';
  return [
    `<h2>Meta-steps per second (${what})</h2>`,
    table(
      ['engine', 'backend', 'steps', 'seconds', 'steps/s'],
      r.rates.map((x) => [x.engine, x.backend, x.steps, x.seconds.toFixed(2), x.stepsPerSecond.toFixed(2)]),
    ),
  ];
}

export function render(r: CheckReport): void {
  const out = document.getElementById('report');
  if (!out) return;
  const parts: string[] = [];
  if (r.error) parts.push(`<p class="fail">Error: <pre>${escape(r.error)}</pre></p>`);
  if (r.adapter)
    parts.push(`<h2>Adapter</h2>${table(Object.keys(r.adapter), [Object.values(r.adapter).map(escape)])}`);
  parts.push(...comparisonSection(r), ...bookkeepingSections(r), ...ratesSection(r));
  if (r.limits)
    parts.push(
      `<details><summary>Device limits</summary><pre>${JSON.stringify(r.limits, null, 2)}</pre></details>`,
    );
  out.innerHTML = parts.join('\n');
  document.body.dataset.done = String(r.done);
}
