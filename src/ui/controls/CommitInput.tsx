import { useId, useRef, useState } from 'react';

/**
 * A text input that applies its text on Enter or when focus leaves (so typing "12" is not two new
 * runs); Escape puts the shown value back and applies nothing.
 */
export function CommitInput({
  label,
  help,
  value,
  onCommit,
  inputMode = 'text',
  width,
}: {
  label: string;
  help: string;
  value: string;
  onCommit: (text: string) => void;
  inputMode?: 'numeric' | 'text';
  width: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  // Escape blurs the input before React applies setDraft(null): the blur must not commit the draft
  const cancelled = useRef(false);
  return (
    <span className="inline-field" title={help}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode={inputMode}
        style={{ width }}
        value={draft ?? value}
        title={help}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onFocus={() => (cancelled.current = false)}
        onBlur={() => {
          if (!cancelled.current && draft !== null && draft !== value) onCommit(draft);
          cancelled.current = false;
          setDraft(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') {
            cancelled.current = true;
            setDraft(null);
            e.currentTarget.blur();
          }
        }}
      />
    </span>
  );
}
