import { ALGO_LABELS, ALGOS, type Algo } from '../../../core/experiment';
import { BackendPicker } from '../../controls/BackendPicker';
import { useLabStore as useStore } from './labStore';
import './glyphs.css';

function Select<T extends string | number>({
  label,
  title,
  value,
  options,
  onChange,
  format = String,
}: {
  label: string;
  title: string;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
  format?: (v: T) => string;
}) {
  return (
    <label className="glyph-field" title={title}>
      <span>{label}</span>
      <select
        value={String(value)}
        onChange={(e) => {
          const hit = options.find((o) => String(o) === e.target.value);
          if (hit !== undefined) onChange(hit);
        }}
      >
        {options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {format(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The meta-trained θ shipped with the page: load it, and where the current θ came from. */
function ShippedThetaPanel() {
  const shipped = useStore((s) => s.shipped);
  const phase = useStore((s) => s.phase);
  const thetaSource = useStore((s) => s.thetaSource);
  const start = useStore((s) => s.start);
  const loadShipped = useStore((s) => s.loadShipped);
  return (
    <section className="panel" aria-label="Meta-trained θ">
      <h2>Meta-trained θ</h2>
      <p className="note">
        One glyph meta-step differentiates through the inner SGD step of a conv net (second order). It runs in
        a worker, on the fused WebAssembly engine where auto picks it (tens of steps a second), so the page
        stays responsive. The page ships a θ meta-trained with the documented CLI command.
      </p>
      <div className="shipped">
        <button
          type="button"
          onClick={loadShipped}
          disabled={shipped.state !== 'available' || phase !== 'ready'}
          title="Load the meta-trained θ shipped with the page (made by the documented CLI command), instead of meta-training from scratch."
        >
          Load meta-trained θ
        </button>
        <span className="note" data-testid="shipped-status">
          {shipped.state === 'checking'
            ? 'looking for the shipped θ…'
            : shipped.state === 'missing'
              ? `No shipped θ here (${shipped.why}): press Play to meta-train from scratch.`
              : `shipped θ: meta-step ${shipped.step}`}
        </span>
      </div>
      <p className="note">
        θ from: <span data-testid="theta-source">{thetaSource || '…'}</span>
        {start === 'shipped' ? '. Reset meta-trains from scratch.' : null}
      </p>
    </section>
  );
}

/** The glyph experiment's settings (N-way, K-shot, α, meta-batch, backend, algorithm). */
export function GlyphExperiment() {
  const c = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  return (
    <>
      <section className="panel" aria-label="Glyph experiment">
        <h2>Experiment</h2>
        <Select
          label="N-way"
          title="N-way: classes per task. Changing it changes the network's output layer, so meta-training restarts."
          value={c.ways}
          options={[2, 3, 5, 10, 20]}
          onChange={(ways) => setConfig({ ways })}
        />
        <Select
          label="K-shot"
          title="K-shot: labelled support images per class that the inner loop adapts on."
          value={c.k}
          options={[1, 2, 3, 5, 10]}
          onChange={(k) => setConfig({ k })}
        />
        <Select
          label="inner rate α"
          title="α: the inner-loop SGD learning rate used to adapt θ to each task (the paper uses 0.4 for Omniglot)."
          value={c.alpha}
          options={Array.from(new Set([0.05, 0.1, 0.2, 0.4, 0.8, c.alpha])).sort((a, b) => a - b)}
          onChange={(alpha) => setConfig({ alpha })}
        />
        <Select
          label="meta-batch"
          title="Meta-batch: tasks per meta-step; more tasks give a smoother meta-gradient but a slower step."
          value={c.batch}
          options={Array.from(new Set([1, 2, 4, 8, 16, c.batch])).sort((a, b) => a - b)}
          onChange={(batch) => setConfig({ batch })}
        />
        <BackendPicker />
        <Select<Algo>
          label="algorithm"
          title="Algorithm: second-order MAML, first-order MAML (drops the Hessian term), Meta-SGD (learns α per parameter) or Reptile."
          value={c.algo}
          options={ALGOS}
          format={(a) => ALGO_LABELS[a]}
          onChange={(algo) => setConfig({ algo })}
        />
        <p className="note">
          Network: {c.net === 'conv' ? `4 conv blocks × ${c.filters} filters` : 'fully connected'}, {c.ways}
          -way head · meta-step {c.inner} inner step{c.inner === 1 ? '' : 's'}, β = {c.beta}, {c.query} query
          images per class · seed {c.seed}.
        </p>
      </section>
    </>
  );
}

/** The glyph lab's own sidebar panels, under the shared transport. */
export default function GlyphControls() {
  return (
    <>
      <ShippedThetaPanel />
      <GlyphExperiment />
    </>
  );
}
