import { useCallback, useEffect, useRef } from 'react';
import type { Point } from '../../../core/families/glyphs/data/strokes';
import type { Drawing } from './labSlice';

/** Clears the canvas and strokes each polyline with a round pen scaled to the pad. */
function paintStrokes(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  strokes: Drawing,
  size: number,
) {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = Math.max(3, size / 28);
  ctx.strokeStyle = '#111827';
  for (const s of strokes) {
    const first = s[0];
    if (!first) continue;
    ctx.beginPath();
    ctx.moveTo(first.x, first.y);
    if (s.length === 1) ctx.lineTo(first.x + 0.1, first.y);
    for (const p of s) ctx.lineTo(p.x, p.y);
    ctx.stroke();
  }
}

/** Undo the last stroke, or clear the drawing. */
function PadTools({
  drawing,
  onChange,
  label,
}: {
  drawing: Drawing;
  onChange: (d: Drawing) => void;
  label: string;
}) {
  return (
    <div className="pad-tools">
      <button
        type="button"
        disabled={drawing.length === 0}
        onClick={() => onChange(drawing.slice(0, -1))}
        aria-label={`Undo last stroke of ${label}`}
        title="Undo: remove the last stroke of this drawing"
      >
        Undo
      </button>
      <button
        type="button"
        disabled={drawing.length === 0}
        onClick={() => onChange([])}
        aria-label={`Clear ${label}`}
        title="Clear: erase this drawing to redraw it"
      >
        Clear
      </button>
    </div>
  );
}

/**
 * A canvas to draw one symbol with the mouse, pen or finger (pointer events). Each stroke is a
 * polyline in canvas pixels; the page turns the strokes into a 28×28 image with the data set's
 * own preprocessing (centre, scale, average pen).
 */
export function DrawingPad({
  drawing,
  onChange,
  size = 120,
  label,
  testId,
}: {
  drawing: Drawing;
  onChange: (d: Drawing) => void;
  size?: number;
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const current = useRef<Point[] | null>(null);

  const paint = useCallback(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    paintStrokes(ctx, canvas, current.current ? [...drawing, current.current] : drawing, size);
  }, [drawing, size]);

  useEffect(paint, [paint]);

  const at = (e: React.PointerEvent<HTMLCanvasElement>): Point => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * size, y: ((e.clientY - r.top) / r.height) * size };
  };

  return (
    <div className="drawing-pad">
      <canvas
        ref={ref}
        width={size}
        height={size}
        style={{ width: size, height: size }}
        aria-label={label}
        title={`${label}: draw with the mouse, pen or finger`}
        data-testid={testId}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          current.current = [at(e)];
          paint();
        }}
        onPointerMove={(e) => {
          if (!current.current) return;
          current.current.push(at(e));
          paint();
        }}
        onPointerUp={() => {
          const s = current.current;
          current.current = null;
          if (s && s.length > 0) onChange([...drawing, s]);
        }}
        onPointerCancel={() => {
          current.current = null;
          paint();
        }}
      />
      <PadTools drawing={drawing} onChange={onChange} label={label} />
    </div>
  );
}
