import { useState } from 'react';
import { ALGO_LABELS, ALGOS, type Algo } from '../../core/experiment';
import { BACKENDS, type BackendRequest } from '../../worker/protocol';
import { ShareLinkField } from '../controls/ShareLinkField';
import { useGlyphStore } from './glyphStore';
import { AutoChoiceNote } from '../controls/AutoChoiceNote';

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

/** "Copy share link": the settings, where the run started and its meta-step; opening it replays. */
function GlyphShare() {
  const s = useGlyphStore();
  const [busy, setBusy] = useState(false);
  return (
    <section className="panel share" aria-labelledby="glyph-share-title">
      <h2 id="glyph-share-title">Share this run</h2>
      <button
        type="button"
        disabled={busy || s.phase !== 'ready'}
        title="Copy share link: a URL with these settings, where θ started (shipped or random) and the current meta-step; opening it meta-trains to the same step deterministically."
        onClick={() => {
          setBusy(true);
          void s.copyShareLink().finally(() => setBusy(false));
        }}
      >
        Copy share link
      </button>
      <ShareLinkField
        link={s.share}
        testId="glyph-share-summary"
        summary={
          s.share ? (
            <>
              It opens at meta-step {s.share.step}, starting from{' '}
              {s.start === 'shipped' ? 'the shipped θ' : 'the random θ'} and replaying the training
              deterministically (identical on the same backend).
            </>
          ) : null
        }
      />
    </section>
  );
}

/** Play/Pause, Step, Reset, the shipped θ, the run's readouts and the glyph experiment's settings. */
export function GlyphControls() {
  const s = useGlyphStore();
  const c = s.config;
  const status =
    s.phase === 'failed'
      ? 'failed'
      : s.phase === 'starting'
        ? 'starting…'
        : `step ${s.step} · ${s.backend ?? '?'} · ${s.msPerStep !== null ? `${(s.msPerStep / 1000).toFixed(2)} s/step` : '– s/step'} · ${s.replayTo !== null ? `replaying the link to step ${s.replayTo}` : s.running ? 'training' : 'paused'}`;
  const shipped = s.shipped;
  const speed = s.backend === 'webgpu' ? s.speed : null;
  const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s/step`;
  return (
    <>
      <section className="panel transport" aria-label="Meta-training">
        <div className="buttons">
          <button
            type="button"
            className="primary"
            onClick={s.toggle}
            disabled={s.phase !== 'ready'}
            title="Play/Pause: run second-order MAML meta-steps continuously in the worker (space bar toggles)."
          >
            {s.running ? 'Pause' : 'Play'}
          </button>
          <button
            type="button"
            onClick={s.stepOnce}
            disabled={s.running || s.phase !== 'ready'}
            title="Step: one meta-step (inner SGD on each task's support set, then Adam on θ from the query loss)."
          >
            Step
          </button>
          <button
            type="button"
            onClick={s.reset}
            disabled={s.phase !== 'ready'}
            title="Reset: start again from a random θ (meta-step 0)."
          >
            Reset
          </button>
        </div>
        <p className="status-line" role="status">
          {status}
        </p>
        {s.replayTo !== null ? (
          <progress
            className="glyph-replay"
            max={s.replayTo}
            value={s.step}
            aria-label={`replaying the shared run: step ${s.step} of ${s.replayTo}`}
          />
        ) : null}
        <p className="note">
          One glyph meta-step differentiates through the inner SGD step of a conv net (second order): it takes
          about a second on wasm, so training is slow but runs in a worker; the page stays responsive.
        </p>
        <dl className="readouts">
          <div>
            <dt>θ from</dt>
            <dd data-testid="theta-source">{s.thetaSource || '…'}</dd>
          </div>
          <div>
            <dt>parameters</dt>
            <dd>{s.numParams ?? '…'}</dd>
          </div>
          <div>
            <dt>last loss</dt>
            <dd data-testid="glyph-last-loss">
              {s.losses.length > 0 ? (s.losses[s.losses.length - 1]?.loss ?? NaN).toFixed(4) : '–'}
            </dd>
          </div>
        </dl>
        {s.backendNote ? (
          <p className="note" data-testid="glyph-backend-note">
            {s.backendNote}
          </p>
        ) : null}
        {s.autoChoice ? (
          <AutoChoiceNote choice={s.autoChoice} />
        ) : speed && speed.wasm !== null ? (
          <p
            className={speed.wasm < speed.webgpu ? 'note warn' : 'note'}
            data-testid="glyph-backend-speed"
            data-webgpu-ms-per-step={speed.webgpu}
            data-wasm-ms-per-step={speed.wasm}
          >
            {speed.wasm < speed.webgpu ? (
              <>
                WebGPU is slower than wasm for this network: {secs(speed.webgpu)} vs {secs(speed.wasm)},
                measured on the first meta-steps (a software WebGPU adapter, or a small GPU).{' '}
                <button
                  type="button"
                  onClick={() => s.setBackendRequest('wasm')}
                  disabled={s.phase !== 'ready'}
                  title="Continue this run (θ, baselines, step) on wasm."
                >
                  Switch to wasm
                </button>
              </>
            ) : (
              <>
                WebGPU measured faster than wasm here: {secs(speed.webgpu)} vs {secs(speed.wasm)}.
              </>
            )}
          </p>
        ) : s.backend === 'webgpu' && !s.speed ? (
          <p className="note" data-testid="glyph-backend-speed">
            Timing WebGPU against wasm on the first meta-steps…
          </p>
        ) : null}
        <div className="shipped">
          <button
            type="button"
            onClick={s.loadShipped}
            disabled={shipped.state !== 'available' || s.phase !== 'ready'}
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
      </section>
      <GlyphShare />
      <section className="panel" aria-label="Glyph experiment">
        <h2>Experiment</h2>
        <Select
          label="N-way"
          title="N-way: classes per task. Changing it changes the network's output layer, so meta-training restarts."
          value={c.ways}
          options={[2, 3, 5, 10, 20]}
          onChange={(ways) => s.setConfig({ ways })}
        />
        <Select
          label="K-shot"
          title="K-shot: labelled support images per class that the inner loop adapts on."
          value={c.k}
          options={[1, 2, 3, 5, 10]}
          onChange={(k) => s.setConfig({ k })}
        />
        <Select
          label="inner rate α"
          title="α: the inner-loop SGD learning rate used to adapt θ to each task (the paper uses 0.4 for Omniglot)."
          value={c.alpha}
          options={Array.from(new Set([0.05, 0.1, 0.2, 0.4, 0.8, c.alpha])).sort((a, b) => a - b)}
          onChange={(alpha) => s.setConfig({ alpha })}
        />
        <Select
          label="meta-batch"
          title="Meta-batch: tasks per meta-step; more tasks give a smoother meta-gradient but a slower step."
          value={c.batch}
          options={Array.from(new Set([1, 2, 4, 8, 16, c.batch])).sort((a, b) => a - b)}
          onChange={(batch) => s.setConfig({ batch })}
        />
        <Select<BackendRequest>
          label="compute backend"
          title="Compute backend: where tfjs runs the worker's maths (WebGPU on the graphics card, WebAssembly or plain JavaScript on the CPU). Switching continues the same run."
          value={s.backendRequest}
          options={['auto', ...BACKENDS]}
          format={(b) => (b === 'auto' ? 'auto (best available)' : b)}
          onChange={(b) => s.setBackendRequest(b)}
        />
        <Select<Algo>
          label="algorithm"
          title="Algorithm: second-order MAML, first-order MAML (drops the Hessian term), Meta-SGD (learns α per parameter) or Reptile."
          value={c.algo}
          options={ALGOS}
          format={(a) => ALGO_LABELS[a]}
          onChange={(algo) => s.setConfig({ algo })}
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
