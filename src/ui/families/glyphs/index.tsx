import { SPLIT_SUMMARY } from '../../../core/families/glyphs/data/splitSummary';
import { ACCURACY } from '../../kit/metric';
import { Suspense } from 'react';
import type { LinkUi, UiFamily } from '../../shell/family';
import { preloadable } from '../../kit/preloadable';
import { glyphEvalSource } from './evalView';
import { glyphWalk } from './GlyphWalkTasks';
import { labSession } from './labSession';
import { glyphHooks, glyphLabSlice } from './labSlice';
import { GLYPH_LINK_RULES } from './linkRules';
import { labState } from './labStore';
import { labReadouts } from './readouts';
import { glyphThetaDownload } from './thetaDownload';
import { glyphThetaUi } from './thetaUi';

/** The conv net's θ is far too large for a link: links replay from where the run started. */
const link: LinkUi = {
  ...GLYPH_LINK_RULES,
  thetaLength: () => null,
  thetaIgnored: 'θ in a link is read for the regression families only; ignored it',
  startOf: (s) => labState(s).start,
  // the lab replays once its shipped θ was looked for (its session part starts the replay)
  replaysItself: true,
  tooLong: (max) => `A glyph replay stops at meta-step ${max}.`,
  replayDiffers: (reason) => `Replaying from the start will not give this θ exactly: ${reason}.`,
  replayedFrom: (s) =>
    `, starting from ${labState(s).start === 'shipped' ? 'the shipped θ' : 'the random θ'} and replaying`,
};

const Controls = preloadable(() => import('./GlyphControls'));
const Views = preloadable(() => import('./GlyphViews'));

function Sidebar() {
  return (
    <Suspense fallback={null}>
      <Controls />
    </Suspense>
  );
}

function LabViews() {
  return (
    <Suspense fallback={<p className="note">Loading the glyphs views…</p>}>
      <Views />
    </Suspense>
  );
}

/**
 * Glyph classification: the shared transport and share panel, plus the lab's own panels (the
 * shipped θ, its settings) and views (support images, accuracy, the drawing pad). The lab's code
 * loads only when a glyph page opens.
 */
export const glyphsUi: UiFamily = {
  name: 'glyphs',
  intro: (
    <>
      Few-shot classification of hand-drawn glyphs, the MAML paper&apos;s Omniglot experiment in miniature.
      Each task is N never-before-seen characters with K drawings each; MAML meta-learns a conv net&apos;s
      initial weights θ so that a few SGD steps on those K examples classify new drawings. Test tasks come
      from alphabets held out of meta-training. Then teach it symbols of your own.
    </>
  ),
  footer: (
    <>
      Glyphs are rendered from the Hershey stroke fonts with a random &quot;hand&quot; per drawing;
      meta-training uses {SPLIT_SUMMARY.train.alphabets} alphabets ({SPLIT_SUMMARY.train.characters}{' '}
      characters), the tasks shown and evaluated come from the {SPLIT_SUMMARY.test.alphabets} held-out ones (
      {SPLIT_SUMMARY.test.characters} characters). Training runs in a Web Worker with TensorFlow.js; the
      settings are in the address bar, so the link reproduces the experiment.
    </>
  ),
  code: [Controls, Views],
  Sidebar,
  Views: LabViews,
  slice: glyphLabSlice,
  hooks: glyphHooks,
  session: labSession,
  evaluation: glyphEvalSource,
  metric: ACCURACY,
  readouts: labReadouts,
  theta: glyphThetaUi,
  walk: glyphWalk,
  link,
  thetaDownload: glyphThetaDownload,
  network: (c) => `${c.ways}-way · ${c.net === 'conv' ? `conv ${c.filters} filters` : 'fc'}`,
  ordersCadence: 'now and then (a glyph meta-gradient is costly)',
  // a glyph meta-step costs tens of times a sinusoid's: a 3×3 map of short cells to start from
  mapDefaults: { count: 3, steps: 100 },
};
