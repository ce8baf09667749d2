import { defaultsFor, type TaskName } from '../../core/experiment';
import { FAMILY_SCHEMAS } from '../../core/families/schemas';
import { useStore } from '../shell/store';
import { pageQuery } from '../shell/url';

/** The families the page shows (a family may run in the CLI only: FamilySchema.inPage). */
const PAGE_SCHEMAS = FAMILY_SCHEMAS.filter((f) => f.inPage !== false);

/**
 * The task family, part of the share link (`task=`): switching opens the page for the other
 * family with its defaults (same seed and backend).
 */
export function TaskFamilySwitch({ task }: { task: TaskName }) {
  const seed = useStore((s) => s.config.seed);
  const backend = useStore((s) => s.backendRequest);
  const engine = useStore((s) => s.engineRequest);
  return (
    <label
      className="family-switch"
      title={`Task family: what MAML meta-learns over. ${PAGE_SCHEMAS.map((f) => f.blurb).join(' ')}`}
    >
      Task family{' '}
      <select
        value={task}
        aria-label="Task family"
        onChange={(e) => {
          const next = e.target.value as TaskName;
          if (next === task) return;
          const url = new URL(window.location.href);
          url.search = `?${pageQuery({ ...defaultsFor(next), seed }, backend, engine)}`;
          url.hash = '';
          window.location.assign(url.toString());
        }}
      >
        {PAGE_SCHEMAS.map((f) => (
          <option key={f.name} value={f.name}>
            {f.label}
          </option>
        ))}
      </select>
    </label>
  );
}
