import { defaultsFor, type TaskName } from '../../core/experiment';
import { useStore } from '../store';
import { pageQuery } from '../url';

const LABELS: Record<TaskName, string> = {
  sinusoid: 'sinusoid regression',
  glyphs: 'glyph classification',
};

/**
 * The task family, part of the share link (`task=`): switching opens the page for the other
 * family with its defaults (same seed and backend), since the two run in different workers.
 */
export function TaskFamilySwitch({ task }: { task: TaskName }) {
  const seed = useStore((s) => s.config.seed);
  const backend = useStore((s) => s.backendRequest);
  return (
    <label
      className="family-switch"
      title="Task family: what MAML meta-learns over. Sinusoid regression (the paper's toy problem) or few-shot glyph classification (its Omniglot experiment)."
    >
      Task family{' '}
      <select
        value={task}
        aria-label="Task family"
        onChange={(e) => {
          const next = e.target.value as TaskName;
          if (next === task) return;
          const url = new URL(window.location.href);
          url.search = `?${pageQuery({ ...defaultsFor(next), seed }, backend)}`;
          url.hash = '';
          window.location.assign(url.toString());
        }}
      >
        {(Object.keys(LABELS) as TaskName[]).map((t) => (
          <option key={t} value={t}>
            {LABELS[t]}
          </option>
        ))}
      </select>
    </label>
  );
}
