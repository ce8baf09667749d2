/**
 * "Walk through one meta-step": the next meta-step of the real run, phase by phase (sample tasks,
 * inner loop, query loss, meta-gradient, update), with the algorithm beside the views and its
 * current line marked. Keyboard: W opens, ← / → move through the phases, Esc leaves. Each phase is
 * announced in a polite live region.
 */
import { useEffect, useRef } from 'react';
import { useStore } from '../shell/store';
import { algorithmLines, num, PHASE_TITLES, phaseAnnouncement, supportBeforeAfter } from './algorithmLines';
import { WALK_PHASE_COUNT } from '../shell/walkSlice';
import { WalkPlaneChart } from './WalkPlaneChart';
import type { WalkReport } from '../../worker/families/metaStepMessages';
import type { WalkUi } from '../shell/family';
import { familyOf } from '../shell/families';

const ALGO_NAMES = {
  maml: 'MAML (second order)',
  fomaml: 'first-order MAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
  mamlpp: 'MAML++',
} as const;

/** The numbers of the current phase, as a small table. */
function PhaseNumbers({ report, phase, words }: { report: WalkReport; phase: number; words: WalkUi }) {
  const [before, after] = supportBeforeAfter(report);
  const { loss } = words;
  const rows: [string, string][] = [];
  if (phase === 0)
    rows.push(['tasks in the meta-batch', `${report.batch}`], ['shown here', `${report.tasks.length}`]);
  if (phase === 1)
    rows.push(
      ['inner steps', `${report.inner}`],
      [report.algo === 'metasgd' ? 'mean learned α' : 'α', num(report.alphaMean)],
      [`mean support ${loss} before`, num(before)],
      [`mean support ${loss} after`, num(after)],
    );
  if (phase === 2) {
    rows.push([`meta-loss (mean query ${loss})`, num(report.metaLoss)]);
    rows.push(...words.queryRows(report));
    report.queryLoss.slice(0, 8).forEach((l, i) => rows.push([`task ${i + 1}`, num(l)]));
    if (report.queryLoss.length > 8) rows.push(['…', `${report.queryLoss.length - 8} more`]);
  }
  if (phase === 3) {
    rows.push([report.algo === 'reptile' ? '|θ − mean θ′|' : '|g|', num(report.norms.gradient)]);
    if (report.norms.firstOrder !== null) rows.push(['|g₁| first order', num(report.norms.firstOrder)]);
    if (report.norms.correction !== null) rows.push(['|g − g₁| correction', num(report.norms.correction)]);
    if (report.angleDeg !== null) rows.push(['angle between g and g₁', `${report.angleDeg.toFixed(2)}°`]);
    if (report.norms.alphaGradient !== null) rows.push(['|g_α|', num(report.norms.alphaGradient)]);
  }
  if (rows.length === 0) return null;
  return (
    <table className="walk-numbers" data-testid="walk-numbers">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One button per phase; the update's only from the phase before it (it takes the step). */
function PhaseTabs({ phase, ready }: { phase: number; ready: boolean }) {
  const { walkTo } = useStore.getState();
  const last = WALK_PHASE_COUNT - 1;
  return (
    <nav aria-label="Phases of the meta-step" className="walk-phases">
      {PHASE_TITLES.map((t, i) => (
        <button
          key={t}
          type="button"
          aria-pressed={i === phase}
          className={i === phase ? 'current' : i < phase ? 'past' : ''}
          onClick={() => walkTo(i)}
          disabled={!ready || (i === last && phase !== last && phase !== last - 1)}
          title={i === last ? 'The update takes the step (the same as pressing Step).' : undefined}
        >
          {i + 1}. {t}
        </button>
      ))}
    </nav>
  );
}

/** Back, and Next (or Apply the update, or Walk the next step once the update is done). */
function WalkNav({ phase, done, blocked }: { phase: number; done: boolean; blocked: boolean }) {
  const { walkTo, openWalk } = useStore.getState();
  const last = WALK_PHASE_COUNT - 1;
  return (
    <div className="walk-nav">
      <button
        type="button"
        onClick={() => walkTo(phase - 1)}
        disabled={phase === 0}
        title="Previous phase (←)"
      >
        ← Back
      </button>
      {done ? (
        <button
          type="button"
          className="primary"
          onClick={() => openWalk(0)}
          title="Walk through the following meta-step"
        >
          Walk the next step
        </button>
      ) : (
        <button
          type="button"
          className="primary"
          onClick={() => walkTo(phase + 1)}
          disabled={blocked}
          title={
            phase === last - 1
              ? 'Apply the update: θ moves, the step counter advances by one (→)'
              : 'Next phase (→)'
          }
        >
          {phase === last - 1 ? 'Apply the update →' : 'Next →'}
        </button>
      )}
    </div>
  );
}

/** The walk-through panel: header, phases, the live announcement, the algorithm and the views. */
export function WalkThrough() {
  const walk = useStore((s) => s.walk);
  const algo = useStore((s) => s.config.algo);
  const words = useStore((s) => familyOf(s.config.task).walk);
  const step = useStore((s) => s.step);
  const { closeWalk } = useStore.getState();
  const heading = useRef<HTMLHeadingElement>(null);
  const open = walk !== null;
  useEffect(() => {
    if (open) heading.current?.focus();
  }, [open]);
  if (!walk) return null;
  const { phase, report, update, updating, error } = walk;
  const lines = algorithmLines(report?.algo ?? algo, report, update, words);
  const last = WALK_PHASE_COUNT - 1;
  const done = phase === last && update !== null;
  return (
    <section className="panel walk" aria-labelledby="walk-heading" data-testid="walk" data-phase={phase + 1}>
      <header className="walk-header">
        <h2 id="walk-heading" ref={heading} tabIndex={-1}>
          Walk through meta-step {report ? report.step + 1 : step + 1}
          <span className="walk-algo"> · {ALGO_NAMES[report?.algo ?? algo]}</span>
        </h2>
        <button
          type="button"
          onClick={closeWalk}
          title="Leave the walk-through (Esc). Training stays paused."
        >
          Close
        </button>
      </header>
      <PhaseTabs phase={phase} ready={report !== null} />
      <p className="walk-live" aria-live="polite" data-testid="walk-announcement">
        {error
          ? `The walk-through could not be computed: ${error}`
          : phaseAnnouncement(phase, report, update, updating, words)}
      </p>
      <div className="walk-body">
        <ol className="walk-algorithm" aria-label="The algorithm, one line per phase">
          {lines.map((l, i) => (
            <li
              key={i}
              aria-current={i === phase ? 'step' : undefined}
              className={i === phase ? 'current' : ''}
            >
              {l}
            </li>
          ))}
        </ol>
        {report ? (
          <div className="walk-views">
            <words.Tasks report={report} phase={phase} />
            <div className="walk-side">
              <WalkPlaneChart report={report} phase={phase} update={update} />
              <PhaseNumbers report={report} phase={phase} words={words} />
            </div>
          </div>
        ) : (
          <p className="walk-wait">{error ? '' : 'Computing the next meta-step…'}</p>
        )}
      </div>
      <WalkNav phase={phase} done={done} blocked={!report || updating} />
    </section>
  );
}

/** Elements whose arrow keys and letters belong to them (text fields, sliders, menus). */
function keysBelongTo(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return target.isContentEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/** W opens the walk-through; while it is open, ← / → move through the phases and Esc leaves. */
export function useWalkKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || keysBelongTo(e.target)) return;
      const s = useStore.getState();
      if (!s.walk) {
        if (e.key === 'w' || e.key === 'W') {
          e.preventDefault();
          s.openWalk(0);
        }
        return;
      }
      const { phase, update } = s.walk;
      if (e.key === 'ArrowRight') {
        if (phase === WALK_PHASE_COUNT - 1 && update) s.openWalk(0);
        else s.walkTo(phase + 1);
      } else if (e.key === 'ArrowLeft') s.walkTo(phase - 1);
      else if (e.key === 'Escape') s.closeWalk();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
