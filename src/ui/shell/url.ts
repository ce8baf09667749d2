/**
 * The page's URL: the experiment in the query string (the core's canonical names and order), plus
 * the page's own `backend` (when forced) and `engine` (when asked for) and, in share links only, `step` with `#theta=` (the
 * trained weights, for a family whose links carry θ) or `from=` (where the run started, for a
 * family that names its starts) and `data=` (the content hash of imported data the run trained on,
 * src/core/data/dataLink.ts). Reading never throws: every value that had to change becomes a
 * line of the notice the page shows.
 */
import type { LinkRules } from './family';
import { linkRules } from './families';
import { parseExperiment, parseNumber, serializeExperiment, type Experiment } from '../../core/experiment';
import { readDataLink } from '../../core/data/dataLink';
import { askedData, linkData } from '../import/linkedData';
import { parseSweepLink, type SweepSpec } from '../../core/sweep/spec';
import { BACKENDS, ENGINE_REQUESTS, type BackendRequest, type EngineRequest } from '../../worker/protocol';

/** the link keys the page reads beside the experiment (no experiment field may share one) */
export const PAGE_KEYS = [
  'step',
  'backend',
  'engine',
  'from',
  'walk',
  'phase',
  'sweep',
  'sweepsteps',
  'data',
] as const;

/** phases a link can open the walk-through at (the fifth, the update, takes a step: not from a link) */
export const LINK_WALK_PHASES = 4;

export interface PageLink {
  config: Experiment;
  backend: BackendRequest;
  /** the engine asked for (`engine=`: auto, fused or tfjs) */
  engine: EngineRequest;
  /** share links: the step to meta-train to */
  step: number | null;
  /** share links: the encoded weights from `#theta=` */
  weights: string | null;
  /** share links: where the run started, one of the family's starts (null: the page's default) */
  from: string | null;
  /** share links into the walk-through (`walk=1&phase=N`): the phase to open it at, 1-based */
  walkPhase: number | null;
  /** a sensitivity map's axes (`sweep=` and `sweepsteps=`): the link opens its panel */
  sweep: SweepSpec | null;
  /** share links of a run on imported data (`data=`): the data's content hash, never the data */
  data: string | null;
  /** what was changed or ignored, one readable line each */
  warnings: string[];
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Read a link; `families`: what each family's links may say (the installed families'). */
export function readLink(
  search: string,
  hash: string,
  families: Readonly<Record<string, LinkRules>> = linkRules(),
): PageLink {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const { config, warnings } = parseExperiment(params, { ignore: PAGE_KEYS, tasks: Object.keys(families) });
  const link = families[config.task];
  if (!link) throw new Error(`the page has no views for "${config.task}" tasks`);
  const lines = warnings.map((w) => w.message);

  let backend: BackendRequest = 'auto';
  const b = params.get('backend');
  if (b !== null) {
    const v = b.trim().toLowerCase();
    if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) backend = v as BackendRequest;
    else lines.push(`backend=${shorten(b)} is not one of ${BACKENDS.join(', ')}, auto; using auto`);
  }
  const engine = readEngine(params, lines);

  let from: string | null = null;
  const f = params.get('from');
  if (f !== null && link.starts.length > 0) {
    const v = f.trim().toLowerCase();
    if (link.starts.includes(v)) from = v;
    else lines.push(`from=${shorten(f)} is not ${link.starts.join(' or ')}; using the page's default`);
  }

  const maxStep = link.maxReplaySteps;
  let step: number | null = null;
  const s = params.get('step');
  if (s !== null) {
    const x = parseNumber(s);
    if (x === null) {
      lines.push(`step=${shorten(s)} is not a number; starting from step 0`);
    } else {
      let v = Math.round(x);
      if (v !== x) lines.push(`step=${shorten(s)} must be a whole number; rounded to ${v}`);
      if (v < 0 || v > maxStep) {
        const c = Math.min(maxStep, Math.max(0, v));
        lines.push(`step=${shorten(s)} is outside [0, ${maxStep}]; clamped to ${c}`);
        v = c;
      }
      step = v > 0 ? v : null;
    }
  }

  let weights: string | null = null;
  const frag = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const w = frag.get('theta');
  if (w !== null && w !== '') weights = w;

  const walkPhase = readWalk(params, lines);
  const sweep = readSweep(params, config.task, lines);
  const data = readDataLink(params.get('data'));
  if (data.warning) lines.push(data.warning);
  return { config, backend, engine, step, weights, from, walkPhase, sweep, data: data.hash, warnings: lines };
}

/** `sweep=` (with `sweepsteps=`): the map's axes, each changed value a line, a refused map one line. */
function readSweep(params: URLSearchParams, task: string, lines: string[]): SweepSpec | null {
  const v = params.get('sweep');
  if (v === null) {
    if (params.get('sweepsteps') !== null) lines.push('sweepsteps needs sweep=; ignored it');
    return null;
  }
  const parsed = parseSweepLink(v, params.get('sweepsteps') ?? undefined, task);
  lines.push(...parsed.warnings.map((w) => w.message));
  if (parsed.refused) lines.push(parsed.refused);
  return parsed.spec;
}

/** `engine=`: auto (the default), fused or tfjs; anything else is a line of the notice. */
function readEngine(params: URLSearchParams, lines: string[]): EngineRequest {
  const e = params.get('engine');
  if (e === null) return 'auto';
  const v = e.trim().toLowerCase();
  if ((ENGINE_REQUESTS as readonly string[]).includes(v)) return v as EngineRequest;
  lines.push(`engine=${shorten(e)} is not one of ${ENGINE_REQUESTS.join(', ')}; using auto`);
  return 'auto';
}

/** `walk=1&phase=N`: the walk-through phase a link opens at (1..4), or null. */
function readWalk(params: URLSearchParams, lines: string[]): number | null {
  const w = params.get('walk');
  const p = params.get('phase');
  if (w === null) {
    if (p !== null) lines.push(`phase=${shorten(p)} needs walk=1; ignored it`);
    return null;
  }
  if (w.trim() !== '1' && w.trim().toLowerCase() !== 'true') {
    if (w.trim() !== '0') lines.push(`walk=${shorten(w)} is not 1; not opening the walk-through`);
    return null;
  }
  if (p === null) return 1;
  const x = parseNumber(p);
  if (x === null) {
    lines.push(`phase=${shorten(p)} is not a number; opening the walk-through at phase 1`);
    return 1;
  }
  const v = Math.min(LINK_WALK_PHASES, Math.max(1, Math.round(x)));
  if (v !== x) {
    lines.push(
      x > LINK_WALK_PHASES
        ? `phase=${shorten(p)}: a link opens the walk-through at phases 1-${LINK_WALK_PHASES} (the update takes a step); opening at phase ${v}`
        : `phase=${shorten(p)} is not a phase from 1 to ${LINK_WALK_PHASES}; opening at phase ${v}`,
    );
  }
  return v;
}

/**
 * The query string the address bar shows: the experiment, plus the backend when one is forced and
 * the engine when one is asked for.
 */
export function pageQuery(
  config: Experiment,
  backend: BackendRequest,
  engine: EngineRequest = 'auto',
): string {
  const q = serializeExperiment(config);
  return `${q}${backend === 'auto' ? '' : `&backend=${backend}`}${engine === 'auto' ? '' : `&engine=${engine}`}`;
}

export function shareUrl(
  base: string,
  config: Experiment,
  backend: BackendRequest,
  step: number,
  weights: string | null,
  from: string | null = null,
  walkPhase: number | null = null,
  engine: EngineRequest = 'auto',
  data: string | null = null,
): string {
  const url = new URL(base);
  const walk = walkPhase !== null ? `&walk=1&phase=${walkPhase}` : '';
  const dataHash = data ? `&data=${data}` : '';
  url.search = `?${pageQuery(config, backend, engine)}${step > 0 ? `&step=${step}` : ''}${from ? `&from=${from}` : ''}${walk}${dataHash}`;
  url.hash = weights ? `theta=${weights}` : '';
  return url.toString();
}

let lastWrite = 0;
let trailing: ReturnType<typeof setTimeout> | null = null;

/**
 * Keep the address bar in step with the experiment without adding history entries. Dragging a
 * slider fires many changes: write at most every 200 ms, always ending with the latest. It keeps
 * `data=` (the imported data the run trains on, else the data the opened link asked for), so a
 * reload asks for the same data.
 */
export function writeAddressBar(
  config: Experiment,
  backend: BackendRequest,
  engine: EngineRequest = 'auto',
): void {
  if (trailing !== null) clearTimeout(trailing);
  trailing = null;
  const wait = lastWrite + 200 - Date.now();
  if (wait > 0) {
    trailing = setTimeout(() => writeAddressBar(config, backend, engine), wait);
    return;
  }
  lastWrite = Date.now();
  const url = new URL(window.location.href);
  const data = linkData(config.task) ?? askedData(config.task);
  const next = `?${pageQuery(config, backend, engine)}${data ? `&data=${data}` : ''}`;
  if (url.search === next && url.hash === '') return;
  url.search = next;
  url.hash = '';
  window.history.replaceState(null, '', url.toString());
}
