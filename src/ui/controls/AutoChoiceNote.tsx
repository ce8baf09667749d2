import { formatRate, raceLabel } from '../../core/wording/rates';
import type { AutoChoice } from '../../worker/protocol';

/**
 * What auto mode measured and chose, e.g. "auto: wasm · fused · 1800 steps/s — wasm tfjs measured
 * 95 — WebGPU tfjs measured under 0.2" (under: a step did not finish within the race's deadline).
 * A winner chosen without timing (the one contender left after the device probe) shows the rate
 * training measures (`trainingRate`) once it has one.
 */
export function AutoChoiceNote({ choice, trainingRate }: { choice: AutoChoice; trainingRate: number }) {
  const w = choice.winner;
  const others = choice.entries.filter((e) => e !== w && !(e.backend === w.backend && e.engine === w.engine));
  const rate = (b: string, engine: string) =>
    choice.entries.find((e) => e.backend === b && e.engine === engine)?.rate;
  return (
    <p
      className="note"
      data-testid="backend-choice"
      data-winner={w.backend}
      data-engine={w.engine}
      data-webgpu-steps-per-second={rate('webgpu', 'tfjs')}
      data-wasm-steps-per-second={rate('wasm', 'tfjs')}
      data-fused-steps-per-second={rate('wasm', 'fused')}
      data-webgpu-fused-steps-per-second={rate('webgpu', 'fused')}
      data-probe-wasm-steps-per-second={choice.probe?.wasm}
      data-probe-webgpu-steps-per-second={choice.probe?.webgpu}
      title={
        choice.probe
          ? 'auto first times a probe of this device (a small fused MLP meta-step on wasm and on WebGPU); it times the engines on wasm on this network and meta-batch, and tfjs on WebGPU where the probe puts it within reach, and trains on the fastest.'
          : 'auto times every engine and backend available here on this network and meta-batch, and trains on the fastest.'
      }
    >
      auto: <strong>{w.backend}</strong> · {w.engine} ·{' '}
      {!w.untimed
        ? `${formatRate(w.rate)} steps/s`
        : trainingRate > 0
          ? `${formatRate(trainingRate)} steps/s in training`
          : 'the one contender left (not timed)'}
      {others.map((e) => (
        <span key={`${e.backend}-${e.engine}`}>
          {' '}
          — {raceLabel(e)} measured {e.bounded ? 'under ' : ''}
          {formatRate(e.rate)}
        </span>
      ))}
      {(choice.skipped ?? []).map((e) => (
        <span key={`${e.backend}-${e.engine}-skipped`}>
          {' '}
          — {raceLabel(e)} not timed: {e.reason}
        </span>
      ))}
    </p>
  );
}
