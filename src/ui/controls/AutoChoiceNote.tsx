import type { BackendName } from '../../worker/protocol';

/** What auto mode measured and chose, e.g. "auto: wasm · 55 steps/s — WebGPU measured 0.4". */
export function AutoChoiceNote({
  choice,
  rates,
}: {
  choice: { winner: BackendName; bounded: BackendName[] };
  rates: Partial<Record<BackendName, number>>;
}) {
  const others = (Object.entries(rates) as [BackendName, number][]).filter(([b]) => b !== choice.winner);
  const label = (b: BackendName) => (b === 'webgpu' ? 'WebGPU' : b);
  return (
    <p
      className="note"
      data-testid="backend-choice"
      data-winner={choice.winner}
      data-webgpu-steps-per-second={rates.webgpu}
      data-wasm-steps-per-second={rates.wasm}
      title="auto times every available backend on this network and meta-batch, and trains on the fastest."
    >
      auto: <strong>{choice.winner}</strong> · {formatRate(rates[choice.winner] ?? 0)} steps/s
      {others.map(([b, r]) => (
        <span key={b}>
          {' '}
          — {label(b)} measured {choice.bounded.includes(b) ? 'under ' : ''}
          {formatRate(r)}
        </span>
      ))}
    </p>
  );
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}
