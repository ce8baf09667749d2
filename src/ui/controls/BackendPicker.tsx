import { useId } from 'react';
import { BACKENDS, type BackendRequest } from '../../worker/protocol';
import { useStore } from '../shell/store';

const BACKEND_HELP =
  'Where the tensors are computed: WebGPU (GPU), wasm (CPU, SIMD) or plain JavaScript cpu; auto times them on this network and trains on the fastest. Switching continues the same run (θ, baselines, step).';

/** The compute backend menu, the same for every family (the link records a forced one). */
export function BackendPicker() {
  const backendRequest = useStore((s) => s.backendRequest);
  const setBackendRequest = useStore((s) => s.setBackendRequest);
  const id = useId();
  return (
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
  );
}
