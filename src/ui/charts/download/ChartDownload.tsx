/**
 * "Download ▾": a chart's menu of files, PNG (at twice the CSS size), standalone SVG and CSV of
 * its data. A menu button (aria-haspopup, aria-expanded): Enter, Space or ↓ opens it on the first
 * item, ↑/↓/Home/End move, Enter or Space picks, Escape or Tab closes. It finds its chart from where
 * it sits: the section around it, whose heading is the figure's title.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useStore } from '../../shell/store';
import type { ChartExport } from './charts';
import { toCsv } from '../../kit/csv';
import { chartFileName, composeFigure, downloadBlob, serializeSvg, svgToPng } from '../../kit/svgExport';
import './download.css';

/** device pixels per CSS pixel in the PNG */
export const PNG_SCALE = 2;

const FORMATS = [
  { ext: 'png', label: 'PNG image', help: 'The chart as a picture, at twice its size on screen.' },
  {
    ext: 'svg',
    label: 'SVG (vector)',
    help: 'The chart as a standalone vector drawing, with its title, on white.',
  },
  {
    ext: 'csv',
    label: 'CSV data',
    help: 'The numbers the chart draws, one row each, with a header naming the columns.',
  },
] as const;
type Format = (typeof FORMATS)[number]['ext'];

async function exportChart(spec: ChartExport, format: Format, anchor: HTMLElement): Promise<void> {
  const s = useStore.getState();
  const name = chartFileName(spec.slug, s.step, format);
  if (format === 'csv') {
    downloadBlob(new Blob([toCsv(spec.rows(s))], { type: 'text/csv;charset=utf-8' }), name);
    return;
  }
  const section = anchor.closest('section') ?? document.body;
  const title = section.querySelector('h2')?.textContent?.trim() ?? spec.slug;
  const svg = composeFigure(section, `${title} · meta-step ${s.step}`, spec);
  const blob =
    format === 'svg'
      ? new Blob([serializeSvg(svg)], { type: 'image/svg+xml' })
      : await svgToPng(svg, PNG_SCALE);
  downloadBlob(blob, name);
}

/** the page's space bar plays and pauses; in this menu it opens and picks, as menus do */
function ownSpace(e: React.KeyboardEvent): boolean {
  if (e.key !== ' ') return false;
  e.stopPropagation();
  e.preventDefault();
  return e.type === 'keydown';
}

/**
 * The menu's open state, its button and list, and its items; the first item takes the focus when
 * the menu opens, and a click elsewhere closes it.
 */
function useMenu() {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const items = () => Array.from(menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? []);

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const away = (e: PointerEvent) => {
      if (!button.current?.parentElement?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return { open, setOpen, button, menu, items, close };
}

/** ↑/↓/Home/End move through the items, Space picks, Escape closes (focus back on the button), Tab leaves. */
function menuKeys(items: () => HTMLElement[], close: () => void, setOpen: (open: boolean) => void) {
  return (e: React.KeyboardEvent<HTMLUListElement>) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const move = (i: number) => list[(i + list.length) % list.length]?.focus();
    if (ownSpace(e)) (document.activeElement as HTMLElement | null)?.click();
    else if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(list.length - 1);
    else if (e.key === 'Escape') close();
    else if (e.key === 'Tab') setOpen(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };
}

/** The menu's items, one per format. */
function FormatItems({ pick }: { pick: (format: Format) => void }) {
  return FORMATS.map((f) => (
    <li key={f.ext} role="none">
      <button
        type="button"
        role="menuitem"
        tabIndex={-1}
        data-format={f.ext}
        title={f.help}
        onClick={() => pick(f.ext)}
      >
        {f.label}
      </button>
    </li>
  ));
}

export function ChartDownload({ chart }: { chart: ChartExport }) {
  const { open, setOpen, button, menu, items, close } = useMenu();
  const menuId = useId();

  const pick = (format: Format) => {
    close();
    if (!button.current) return;
    void exportChart(chart, format, button.current).catch((e: unknown) =>
      useStore
        .getState()
        .notify('error', `Could not export the chart as ${format.toUpperCase()}`, [
          e instanceof Error ? e.message : String(e),
        ]),
    );
  };
  const onButtonKey = (e: React.KeyboardEvent<HTMLButtonElement>) => {
    if (ownSpace(e) || e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
    }
  };

  return (
    <div className="chart-download">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title="Download this chart: PNG, SVG or its data as CSV."
        onClick={() => setOpen((o) => !o)}
        onKeyDown={onButtonKey}
        onKeyUp={(e) => ownSpace(e)}
      >
        Download ▾
      </button>
      {open ? (
        <ul
          ref={menu}
          id={menuId}
          role="menu"
          aria-label="Download this chart as"
          onKeyDown={menuKeys(items, close, setOpen)}
          onKeyUp={(e) => ownSpace(e)}
        >
          <FormatItems pick={pick} />
        </ul>
      ) : null}
    </div>
  );
}
