import { useEffect, useRef } from 'react';
import { IMAGE_SIZE } from '../../../core/families/glyphs/data/rasterize';

const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** A 28×28 grey image (1 = ink, drawn dark on white), scaled up without smoothing. */
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
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(IMAGE_SIZE, IMAGE_SIZE);
    for (let i = 0; i < PIXELS; i++) {
      const v = Math.round(255 * (1 - Math.min(1, Math.max(0, data[index * PIXELS + i] ?? 0))));
      img.data[4 * i] = v;
      img.data[4 * i + 1] = v;
      img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
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
