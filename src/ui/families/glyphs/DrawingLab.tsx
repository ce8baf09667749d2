import { useMemo } from 'react';
import { rasterizeDrawing } from '../../../core/families/glyphs/data/rasterize';
import { DrawingPad } from './DrawingPad';
import { METHOD_COLORS } from '../../kit/palette';
import { GlyphImage } from './GlyphImage';
import { useShallow } from 'zustand/react/shallow';
import { useLabStore as useStore, type LabStore } from './labStore';
import { drawingsComplete, MAX_PAD_SHOTS, MAX_PAD_WAYS, type Drawing } from './labSlice';

function Preview({ drawing, label }: { drawing: Drawing; label: string }) {
  const image = useMemo(() => (drawing.length > 0 ? rasterizeDrawing(drawing) : null), [drawing]);
  if (!image) return <span className="preview-empty" title="The 28×28 image appears here once you draw." />;
  return (
    <GlyphImage
      data={image}
      size={42}
      label={`${label} as the network sees it (28×28)`}
      className="preview"
    />
  );
}

function argMax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] ?? 0) > (a[best] ?? 0)) best = i;
  return best;
}

const SYMBOL_NAMES = ['A', 'B', 'C', 'D', 'E'];

/** What the lab shows, and nothing else: training progress does not re-render it. */
function selectLab(x: LabStore) {
  return {
    phase: x.phase,
    padWays: x.padWays,
    padShots: x.padShots,
    drawings: x.drawings,
    adaptSteps: x.adaptSteps,
    adapted: x.adapted,
    adaptStale: x.adaptStale,
    adaptBusy: x.adaptBusy,
    testDrawing: x.testDrawing,
    classified: x.classified,
    setPadSize: x.setPadSize,
    setDrawing: x.setDrawing,
    setAdaptSteps: x.setAdaptSteps,
    adapt: x.adapt,
    setTestDrawing: x.setTestDrawing,
  };
}
type LabView = ReturnType<typeof selectLab>;

/** The pad's size and the adaptation steps, in the panel's header. */
function PadSizeTools({ s, maxWays }: { s: LabView; maxWays: number }) {
  return (
    <div className="chart-tools">
      <label
        className="inline-field"
        title="N: how many symbols of your own the network must tell apart (at most the network's N-way outputs)."
      >
        symbols
        <select value={s.padWays} onChange={(e) => s.setPadSize(Number(e.target.value), s.padShots)}>
          {Array.from({ length: maxWays - 1 }, (_, i) => i + 2).map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
      <label className="inline-field" title="K: drawings per symbol (the support set the network adapts on).">
        drawings each
        <select value={s.padShots} onChange={(e) => s.setPadSize(s.padWays, Number(e.target.value))}>
          {Array.from({ length: MAX_PAD_SHOTS }, (_, i) => i + 1).map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
      <label
        className="inline-field"
        title="Inner steps: SGD steps with rate α on your drawings, from the MAML θ and from the random θ alike."
      >
        adapt steps
        <select value={s.adaptSteps} onChange={(e) => s.setAdaptSteps(Number(e.target.value))}>
          {[1, 2, 3, 5, 10].map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** One row of drawing pads per symbol, each pad with its 28×28 preview. */
function PadGrid({ s }: { s: LabView }) {
  return (
    <div className="pad-grid">
      {s.drawings.map((row, c) => (
        <div className="pad-row" key={c}>
          <span className="class-tag big">{SYMBOL_NAMES[c]}</span>
          {row.map((d, i) => (
            <div className="pad-cell" key={i}>
              <DrawingPad
                drawing={d}
                size={96}
                label={`Symbol ${SYMBOL_NAMES[c]} drawing ${i + 1}`}
                testId={`pad-${c}-${i}`}
                onChange={(next) => s.setDrawing(c, i, next)}
              />
              <Preview drawing={d} label={`Symbol ${SYMBOL_NAMES[c]} drawing ${i + 1}`} />
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/** The Adapt button and what the last adaptation did. */
function AdaptBar({ s, complete }: { s: LabView; complete: boolean }) {
  return (
    <div className="adapt-bar">
      <button
        type="button"
        className="primary"
        disabled={!complete || s.adaptBusy || s.phase !== 'ready'}
        onClick={s.adapt}
        title="Adapt: take the inner-loop SGD steps on your drawings from the meta-learned θ (and, for comparison, from a random θ)."
      >
        {s.adaptBusy ? 'Adapting…' : 'Adapt'}
      </button>
      <span className="note" data-testid="adapt-status">
        {!complete
          ? 'Draw every example first.'
          : s.adapted
            ? `${s.adaptStale ? 'Drawings or steps changed since the last adaptation; press Adapt again. ' : ''}Adapted ${s.adapted.ways} symbols in ${s.adapted.steps} steps: fits your drawings ${(s.adapted.supportAccuracy.maml * 100).toFixed(0)}% (MAML θ) vs ${(s.adapted.supportAccuracy.random * 100).toFixed(0)}% (random θ).`
            : 'Ready to adapt.'}
      </span>
    </div>
  );
}

/** One method's prediction for the test drawing, with every class's probability. */
function TestMethod({ m, p, pred }: { m: 'maml' | 'random'; p: ArrayLike<number>; pred: number }) {
  return (
    <div className="test-method" data-method={m}>
      <h4 style={{ color: METHOD_COLORS[m] }}>
        {m === 'maml' ? 'From MAML θ' : 'From random θ'}:{' '}
        <span data-testid={`prediction-${m}`}>{SYMBOL_NAMES[pred]}</span> ({((p[pred] ?? 0) * 100).toFixed(0)}
        %)
      </h4>
      <ul className="prob-list">
        {Array.from(p, (v, c) => (
          <li key={c} data-testid={`prob-${m}-${c}`}>
            <span className="class-tag">{SYMBOL_NAMES[c]}</span>
            <span className="prob-track">
              <span style={{ width: `${v * 100}%`, background: METHOD_COLORS[m] }} />
            </span>
            <span className="prob-value">{(v * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The adapted networks' classification of the test drawing (or what to do first). */
function TestResult({ s }: { s: LabView }) {
  const classified = s.classified;
  const testPred = classified
    ? { maml: argMax(classified.probs.maml), random: argMax(classified.probs.random) }
    : null;
  return (
    <div className="test-result" data-testid="test-result">
      {!s.adapted ? (
        <p className="note">Adapt first; then every stroke here is classified live.</p>
      ) : !classified || s.testDrawing.length === 0 ? (
        <p className="note">Draw one of your symbols here.</p>
      ) : (
        (['maml', 'random'] as const).map((m) => (
          <TestMethod key={m} m={m} p={classified.probs[m]} pred={testPred?.[m] ?? 0} />
        ))
      )}
    </div>
  );
}

/** "Teach it your own symbols": draw K examples of N symbols, adapt, then classify new drawings. */
export function DrawingLab() {
  const s = useStore(useShallow(selectLab));
  const ways = useStore((x) => x.config.ways);
  const complete = drawingsComplete(s);
  const maxWays = Math.min(MAX_PAD_WAYS, ways);

  return (
    <section className="panel drawing-lab" aria-label="Teach it your own symbols">
      <div className="chart-head">
        <h2>Teach it your own symbols</h2>
        <PadSizeTools s={s} maxWays={maxWays} />
      </div>
      <p className="chart-sub">
        Draw {s.padShots} example{s.padShots === 1 ? '' : 's'} of each of {s.padWays} symbols of your own
        (anything: letters, shapes, doodles), press Adapt, then draw a new one below. Each drawing is centred,
        scaled and re-drawn with an even pen into 28×28 pixels, the same preprocessing as the training glyphs
        (small previews).
      </p>
      <PadGrid s={s} />
      <AdaptBar s={s} complete={complete} />
      <div className="test-area">
        <div>
          <h3 title="A new drawing, never used for adaptation: the adapted networks classify it after each stroke (in one batch with your drawings above, since the conv net's batch norm uses batch statistics).">
            Draw a new one
          </h3>
          <DrawingPad
            drawing={s.testDrawing}
            size={140}
            label="Test drawing"
            testId="pad-test"
            onChange={s.setTestDrawing}
          />
          <Preview drawing={s.testDrawing} label="Test drawing" />
        </div>
        <TestResult s={s} />
      </div>
    </section>
  );
}
