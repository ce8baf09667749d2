import { useId } from 'react';

export interface RangeFieldProps {
  /** visible label; it is the slider's accessible name */
  label: string;
  /** one-line tooltip in MAML terms */
  help: string;
  value: number;
  min: number;
  max: number;
  /** slider moves in log10 space (learning rates) */
  log?: boolean;
  /** slider increment in value space (ignored for log sliders) */
  step?: number;
  format?: (v: number) => string;
  onChange: (v: number) => void;
  disabled?: boolean;
}

/** Three significant digits: 0.001, 0.0126, 0.5. */
export function roundSignificant(x: number, digits = 3): number {
  return Number(x.toPrecision(digits));
}

/** A labelled range slider whose value is shown next to it; log sliders move in powers of ten. */
export function RangeField({
  label,
  help,
  value,
  min,
  max,
  log = false,
  step = 1,
  format = String,
  onChange,
  disabled = false,
}: RangeFieldProps) {
  const id = useId();
  const position = log ? Math.log10(value) : value;
  return (
    <div className="field" title={help}>
      <div className="field-head">
        <label htmlFor={id}>{label}</label>
        <span className="value" aria-hidden="true">
          {format(value)}
        </span>
      </div>
      <input
        id={id}
        type="range"
        min={log ? Math.log10(min) : min}
        max={log ? Math.log10(max) : max}
        step={log ? 0.01 : step}
        value={position}
        disabled={disabled}
        aria-valuetext={format(value)}
        title={help}
        onChange={(e) => {
          const raw = Number(e.currentTarget.value);
          const v = log ? roundSignificant(Math.pow(10, raw)) : raw;
          onChange(Math.min(max, Math.max(min, v)));
        }}
      />
    </div>
  );
}
