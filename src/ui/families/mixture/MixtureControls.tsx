import { FIELDS } from '../../../core/experiment';
import { COMPONENTS, type Component } from '../../../core/families/mixture/schema';
import type { FamilyControlsProps } from '../regression/regressionFamily';

const LABELS: Record<Component, string> = {
  sine: 'sine',
  line: 'line',
  quadratic: 'quadratic',
  abs: '|x| curve',
};

/**
 * Which kinds of function the tasks are drawn from. At least one stays ticked; a change is a new
 * task distribution, so meta-training restarts from step 0.
 */
export function MixtureControls({ config, setConfig }: FamilyControlsProps) {
  const mix = config.mix ?? [...COMPONENTS];
  const toggle = (kind: Component, on: boolean) => {
    const next = COMPONENTS.filter((c) => (c === kind ? on : mix.includes(c)));
    if (next.length > 0) setConfig({ mix: next });
  };
  return (
    <fieldset className="field mixture-kinds" title={`${FIELDS.mix.help} Changing it restarts from step 0.`}>
      <legend>task mixture</legend>
      {COMPONENTS.map((kind) => (
        <label key={kind} className="check">
          <input
            type="checkbox"
            checked={mix.includes(kind)}
            disabled={mix.length === 1 && mix.includes(kind)}
            aria-label={`include ${LABELS[kind]} tasks`}
            onChange={(e) => toggle(kind, e.currentTarget.checked)}
          />{' '}
          {LABELS[kind]}
        </label>
      ))}
    </fieldset>
  );
}
