import { useStore } from '../shell/store';

/**
 * Dismissible notices: link values that were changed, divergence, worker restarts, a resumed run.
 * They float over the bottom of the window (notices.css), so one arriving late never moves the page.
 */
export function Notices() {
  const notices = useStore((s) => s.notices);
  const dismiss = useStore((s) => s.dismiss);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`} role={n.level === 'info' ? 'note' : 'alert'}>
          <div className="notice-body">
            <p className="notice-title">{n.title}</p>
            {n.lines.length > 0 ? (
              <ul>
                {n.lines.map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
              </ul>
            ) : null}
            {n.action ? (
              <button
                type="button"
                className="notice-action"
                onClick={() => {
                  dismiss(n.id);
                  n.action?.run();
                }}
              >
                {n.action.label}
              </button>
            ) : null}
          </div>
          <button
            type="button"
            className="dismiss"
            aria-label="Dismiss notice"
            title="Dismiss"
            onClick={() => dismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
