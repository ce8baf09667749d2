import { useId } from 'react';
import {
  familySchema,
  FIELDS,
  parseExperiment,
  serializeExperiment,
  type Experiment,
} from '../../../core/experiment';
import { CommitInput } from '../../controls/CommitInput';
import { useStore } from '../../shell/store';
import type { FamilyControlsProps } from './regressionFamily';

/** A family's range fields in link order: the meta-training ones with their test twins. */
function rangePairs(task: string): { train: string; test: string | null }[] {
  const fields = familySchema(task).fields;
  const keys = Object.keys(fields).filter((k) => fields[k]?.field.kind === 'range');
  return keys
    .filter((k) => fields[k]?.follows === undefined)
    .map((train) => ({ train, test: keys.find((k) => fields[k]?.follows === train) ?? null }));
}

/** What a range field holds, as it is typed ("lo,hi"); a left-out field shows what it means. */
function rangeText(config: Experiment, key: string): string {
  const record = config as unknown as Record<string, number[] | undefined>;
  const spec = familySchema(config.task).fields[key];
  const v = record[key] ?? (spec?.follows ? record[spec.follows] : undefined) ?? (spec?.default as number[]);
  return v.join(',');
}

/** Every field of a config, with the left-out ones named as undefined (a patch that replaces the whole config). */
function wholePatch(prev: Experiment, next: Experiment): Partial<Experiment> {
  const patch: Record<string, unknown> = Object.fromEntries(Object.keys(prev).map((k) => [k, undefined]));
  return { ...patch, ...next } as Partial<Experiment>;
}

/** The family's presets as a menu: choosing one opens its settings (the seed kept). */
function PresetMenu({ config, setConfig }: FamilyControlsProps) {
  const presets = familySchema(config.task).presets ?? [];
  const id = useId();
  if (presets.length === 0) return null;
  return (
    <div
      className="field"
      title="Settings from the literature (each preset is a share link; see docs/benchmarks.md)."
    >
      <div className="field-head">
        <label htmlFor={id}>preset</label>
      </div>
      <select
        id={id}
        value=""
        onChange={(e) => {
          const name = e.currentTarget.value;
          if (name)
            setConfig(wholePatch(config, parseExperiment(`preset=${name}&seed=${config.seed}`).config));
        }}
      >
        <option value="">choose a preset…</option>
        {presets.map((p) => (
          <option key={p.name} value={p.name} title={p.source}>
            {p.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The task distributions: each range for meta-training and for testing ("lo,hi"; a test range
 * left as meta-training's follows it). A change applies from the next meta-step, θ kept; faults
 * are fixed and explained as in a link.
 */
export function DistributionControls({ config, setConfig }: FamilyControlsProps) {
  const notify = useStore((s) => s.notify);
  const commit = (key: string, text: string) => {
    const params = new URLSearchParams(serializeExperiment(config));
    params.set(key, text);
    const { config: next, warnings } = parseExperiment(params);
    if (warnings.length > 0)
      notify(
        'warning',
        `${key} was corrected`,
        warnings.map((w) => w.message),
      );
    setConfig(wholePatch(config, next));
  };
  const box = (key: string, label: string) => (
    <CommitInput
      key={key}
      label={label}
      help={FIELDS[key as keyof Experiment].help}
      value={rangeText(config, key)}
      width="6.5em"
      onCommit={(t) => commit(key, t)}
    />
  );
  return (
    <>
      <PresetMenu config={config} setConfig={setConfig} />
      <fieldset className="field" title="The ranges tasks are drawn from, for meta-training and for testing.">
        <legend>task distribution (training · test)</legend>
        {rangePairs(config.task).map(({ train, test }) => (
          <div key={train} className="field-row">
            {box(train, train)}
            {test ? box(test, 'test') : null}
          </div>
        ))}
      </fieldset>
    </>
  );
}
