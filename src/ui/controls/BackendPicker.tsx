import { useId } from 'react';
import { BACKENDS, type BackendRequest, type EngineRequest } from '../../worker/protocol';
import { useStore } from '../shell/store';

const BACKEND_HELP =
  'Where the tensors are computed: WebGPU (GPU), wasm (CPU, SIMD) or plain JavaScript cpu (the fallback where WebAssembly is unavailable: tfjs kernels only); auto times them on this network and trains on the fastest. Switching continues the same run (θ, baselines, step).';

const ENGINE_HELP =
  "How a meta-step is computed: auto uses the fastest (the family's fused meta-step, one WebAssembly call or a few WGSL programs per step, where it runs on the backend); fused asks for it; tfjs runs the step as tfjs kernels, e.g. to compare. Switching continues the same run.";

const ENGINES: { value: EngineRequest; label: string }[] = [
  { value: 'auto', label: 'auto (fastest)' },
  { value: 'fused', label: 'fused meta-step' },
  { value: 'tfjs', label: 'tfjs kernels' },
];

/** The compute backend and engine menus, the same for every family (the link records forced ones). */
export function BackendPicker() {
  const backendRequest = useStore((s) => s.backendRequest);
  const setBackendRequest = useStore((s) => s.setBackendRequest);
  const engineRequest = useStore((s) => s.engineRequest);
  const setEngineRequest = useStore((s) => s.setEngineRequest);
  const id = useId();
  return (
    <>
      <div className="field" title={BACKEND_HELP}>
        <div className="field-head">
          <label htmlFor={id}>compute backend</label>
        </div>
        <select
          id={id}
          value={backendRequest}
          title={BACKEND_HELP}
          onChange={(e) => setBackendRequest(e.currentTarget.value as BackendRequest)}
        >
          <option value="auto">auto (best available)</option>
          {BACKENDS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </div>
      <div className="field" title={ENGINE_HELP}>
        <div className="field-head">
          <label htmlFor={`${id}-engine`}>engine</label>
        </div>
        <select
          id={`${id}-engine`}
          value={engineRequest}
          title={ENGINE_HELP}
          data-testid="engine-picker"
          onChange={(e) => setEngineRequest(e.currentTarget.value as EngineRequest)}
        >
          {ENGINES.map((e) => (
            <option key={e.value} value={e.value}>
              {e.label}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}
