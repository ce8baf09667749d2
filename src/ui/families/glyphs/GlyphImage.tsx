import { useEffect, useRef } from 'react';
import { IMAGE_SIZE } from '../../../core/families/glyphs/data/rasterize';
import { LITTLE_ENDIAN } from '../../../core/runs/base64';
import { cancelDraw, requestDraw } from '../../kit/frameScheduler';

const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** one pixel buffer for every glyph image: `putImageData` copies it, so it is reused */
let shared: ImageData | null = null;
let words: Uint32Array | null = null;

/** Paint image `index` of `data` (ink 1 dark on white) into the canvas. */
function paint(canvas: HTMLCanvasElement, data: Float32Array, index: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  if (!shared || !words) {
    shared = new ImageData(IMAGE_SIZE, IMAGE_SIZE);
    words = new Uint32Array(shared.data.buffer);
  }
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(255 * (1 - Math.min(1, Math.max(0, data[index * PIXELS + i] ?? 0))));
    // opaque grey: the same byte in R, G and B, 255 in A, whatever the byte order
    words[i] = LITTLE_ENDIAN
      ? (0xff000000 | (v << 16) | (v << 8) | v) >>> 0
      : ((v << 24) | (v << 16) | (v << 8) | 0xff) >>> 0;
  }
  ctx.putImageData(shared, 0, 0);
}

/**
 * A 28×28 grey image (1 = ink, drawn dark on white), scaled up without smoothing. Its pixels are
 * painted through the shared frame scheduler, so a new task's dozens of images spread over a few
 * frames instead of one long task (a canvas's first context and its pixels cost milliseconds each).
 */
export function GlyphImage({
  data,
  index = 0,
  size = 56,
  label,
  className,
}: {
  data: Float32Array;
  /** which image of a concatenated [B, 784] array */
  index?: number;
  size?: number;
  label: string;
  className?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const draw = () => {
      if (ref.current) paint(ref.current, data, index);
    };
    requestDraw(draw);
    return () => cancelDraw(draw);
  }, [data, index]);
  return (
    <canvas
      ref={ref}
      className={`glyph-image ${className ?? ''}`}
      width={IMAGE_SIZE}
      height={IMAGE_SIZE}
      style={{ width: size, height: size }}
      role="img"
      aria-label={label}
      title={label}
    />
  );
}
