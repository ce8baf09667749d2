import type { Algo } from '../../experiment';
import type { RowLayout } from './layout';
import { ints, type Uniforms } from './programs';

/** FlatAdam's constants; (1 − β) is computed in double precision as FlatAdam does. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
const floats = (v: number) => ({ type: 'float32' as const, data: [v] });

/** The moments program's uniforms: the task count and Adam's decay rates. */
export function momentUniforms(tasks: number): Uniforms {
  return [...ints(tasks), floats(BETA1), floats(1 - BETA1), floats(BETA2), floats(1 - BETA2)];
}

/** FlatAdam's bias corrections for update number t (learning rate β), folded into two constants. */
export function updateUniforms(beta: number, t: number, momentOffset: number): Uniforms {
  const c1 = beta / (1 - Math.pow(BETA1, t));
  const c2 = 1 / Math.sqrt(1 - Math.pow(BETA2, t));
  return [floats(c1), floats(c2), floats(EPSILON), ...ints(momentOffset)];
}

/**
 * The elementwise programs after the per-task one: the mean over tasks (fixed order, one
 * invocation per parameter), Adam's moments, the parameter update and the loss. Adam follows
 * FlatAdam's formulas operation for operation, with its constants passed as f32 uniforms:
 *   m ← m·β1 + g·(1 − β1);  v ← v·β2 + g²·(1 − β2);  p ← p − (m·c1) / (√v·c2 + ε).
 */

/** What a section of the optimizer state reduces: which rows and which column of the row. */
export interface Section {
  /** rows T..2T−1 (the pretrained baseline) instead of 0..T−1 */
  pretrainedRows: boolean;
  /** first float of the gradient inside a row */
  column: number;
}

export function sections(r: RowLayout, algo: Algo, pretrained: boolean): Section[] {
  const out: Section[] = [{ pretrainedRows: false, column: r.grad }];
  if (algo === 'metasgd') out.push({ pretrainedRows: false, column: r.gradAlpha });
  if (pretrained) out.push({ pretrainedRows: true, column: r.grad });
  return out;
}

/** `meanGrad(sec, j)`: the meta-batch gradient of parameter j of section sec. */
function meanGrad(r: RowLayout, secs: Section[]): string {
  const cases = secs.map((sec, i) => {
    const row0 = sec.pretrainedRows ? 'tasks' : '0u';
    return `  if (sec == ${i}u) {
    for (var t = 0u; t < tasks; t++) {
      acc = acc + perTask[(${row0} + t) * ${r.stride}u + ${sec.column}u + j];
    }
    return acc / f32(tasks);
  }`;
  });
  return `fn meanGrad(sec: u32, j: u32) -> f32 {
  let tasks = u32(uniforms.tasks);
  var acc = 0.0;
${cases.join('\n')}
  return 0.0;
}`;
}

/**
 * `meanRates(j)`: the meta-batch gradient of MAML++'s rate j (R rates, meta rows only), and the
 * branch of `main` that handles invocations from `first` on for them (empty without rates).
 */
function ratesTail(r: RowLayout, R: number, first: number, body: string): [string, string] {
  if (R === 0) return ['', ''];
  const fn = `fn meanRates(j: u32) -> f32 {
  let tasks = u32(uniforms.tasks);
  var acc = 0.0;
  for (var t = 0u; t < tasks; t++) {
    acc = acc + perTask[t * ${r.stride}u + ${r.gradRates}u + j];
  }
  return acc / f32(tasks);
}`;
  const branch = `if (i >= ${first}u) {
    let j = i - ${first}u;
    let g = meanRates(j);
    ${body}
    return;
  }`;
  return [fn, branch];
}

/**
 * The new Adam moments of every section: output [sections × 2P] = (m, v) per section, then
 * MAML++'s R rates' (m, v) [2R] after them.
 */
export function momentsShader(r: RowLayout, secs: Section[], R = 0): string {
  const P = r.params;
  const n = secs.length * P;
  const [fn, branch] = ratesTail(
    r,
    R,
    n,
    `let mo = ${2 * n}u + j;
    result[mo] = moments[mo] * uniforms.b1 + g * uniforms.ob1;
    result[mo + ${R}u] = moments[mo + ${R}u] * uniforms.b2 + (g * g) * uniforms.ob2;`,
  );
  return `${meanGrad(r, secs)}
${fn}
fn main(index: i32) {
  let i = u32(index);
  if (i >= ${n + R}u) { return; }
  ${branch}
  let sec = i / ${P}u;
  let j = i - sec * ${P}u;
  let g = meanGrad(sec, j);
  let mo = sec * ${2 * P}u + j;
  let m = moments[mo] * uniforms.b1 + g * uniforms.ob1;
  let v = moments[mo + ${P}u] * uniforms.b2 + (g * g) * uniforms.ob2;
  result[mo] = m;
  result[mo + ${P}u] = v;
}`;
}

/** The meta-gradient itself (tests and the check page): output [sections × P], then MAML++'s R rates. */
export function gradientShader(r: RowLayout, secs: Section[], R = 0): string {
  const P = r.params;
  const n = secs.length * P;
  const [fn, branch] = ratesTail(r, R, n, 'result[i] = g;');
  return `${meanGrad(r, secs)}
${fn}
fn main(index: i32) {
  let i = u32(index);
  if (i >= ${n + R}u) { return; }
  ${branch}
  let sec = i / ${P}u;
  result[i] = meanGrad(sec, i - sec * ${P}u);
}`;
}

/** One parameter vector's Adam step from its section of the new moments: output [P]. */
export function updateShader(params: number): string {
  return `fn main(index: i32) {
  let j = u32(index);
  if (j >= ${params}u) { return; }
  let mo = u32(uniforms.mOff) + j;
  let m = moments[mo];
  let v = moments[mo + ${params}u];
  result[j] = param[j] - (m * uniforms.c1) / (sqrt(v) * uniforms.c2 + uniforms.eps);
}`;
}

/** Mean of the rows' losses (meta rows or pretrained rows): output [1]. */
export function lossShader(r: RowLayout): string {
  return `fn main(index: i32) {
  if (index != 0) { return; }
  let tasks = u32(uniforms.tasks);
  let row0 = u32(uniforms.row0);
  var acc = 0.0;
  for (var t = 0u; t < tasks; t++) {
    acc = acc + perTask[(row0 + t) * ${r.stride}u + ${r.loss}u];
  }
  result[0] = acc / f32(tasks);
}`;
}
