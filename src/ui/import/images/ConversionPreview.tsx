import { useEffect, useRef, useState } from 'react';
import type { ConversionSample } from '../../../core/data/images/preview';
import type { GroupCount } from '../../../core/data/images/summary';
import type { ImportedImages } from './imageMessages';

const SHOWN_GROUPS = 6;

/** A 28×28 ink image drawn as the network sees it (ink 1 black on white), twice its size. */
function InkCanvas({ pixels, label }: { pixels: Float32Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(28, 28);
    const rgba = img.data;
    for (let i = 0; i < pixels.length; i++) {
      const g = Math.round(255 * (1 - Math.min(1, Math.max(0, pixels[i] as number))));
      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = g;
      rgba[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [pixels]);
  return <canvas ref={ref} width={28} height={28} className="import-ink" aria-label={label} />;
}

/** One original (the PNG as given) beside its conversion. */
function Sample({ sample }: { sample: ConversionSample }) {
  const ref = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([sample.png as BlobPart], { type: 'image/png' }));
    if (ref.current) ref.current.src = u;
    return () => URL.revokeObjectURL(u);
  }, [sample.png]);
  const name = sample.path.split('/').slice(-2).join('/');
  return (
    <figure className="import-sample" title={sample.path}>
      <img ref={ref} alt={`original ${name}`} className="import-original" />
      <InkCanvas pixels={sample.pixels} label={`${name} as 28×28`} />
      <figcaption>{name}</figcaption>
    </figure>
  );
}

/**
 * How many of `count` parts are shown: one more each task after the last was committed, so the
 * parts' renders and effects (an image's object URL, a canvas filled) are short tasks of their own.
 */
function useOneByOne(count: number): number {
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (shown >= count) return;
    const t = setTimeout(() => setShown((n) => n + 1), 0);
    return () => clearTimeout(t);
  }, [shown, count]);
  return Math.min(shown, count);
}

/** A few originals with the 28×28 images the network is given, drawn one a task. */
export function ConversionPreview({ samples }: { samples: readonly ConversionSample[] }) {
  const shown = useOneByOne(samples.length);
  return (
    <div className="import-conversion" aria-label="images and their 28×28 conversions">
      {samples.slice(0, shown).map((s) => (
        <Sample key={s.path} sample={s} />
      ))}
    </div>
  );
}

function Side({ title, groups }: { title: string; groups: readonly GroupCount[] }) {
  const classes = groups.reduce((s, g) => s + g.classes, 0);
  const images = groups.reduce((s, g) => s + g.images, 0);
  const named = groups.filter((g) => g.group !== null);
  return (
    <div className="import-side">
      <strong>
        {title}: {classes} classes, {images} images
        {named.length > 0 ? ` in ${named.length} groups` : ''}
      </strong>
      {named.length > 0 && (
        <ul>
          {named.slice(0, SHOWN_GROUPS).map((g) => (
            <li key={g.group}>
              {g.group}: {g.classes} classes
            </li>
          ))}
          {named.length > SHOWN_GROUPS && <li>… and {named.length - SHOWN_GROUPS} more groups</li>}
        </ul>
      )}
    </div>
  );
}

/** The split: which groups (or classes) meta-train and which are held out, with their counts. */
export function SplitView({ result }: { result: ImportedImages }) {
  return (
    <div className="import-split" aria-label="meta-training and held-out classes">
      <Side title="meta-training" groups={result.groups.train} />
      <Side title="held out" groups={result.groups.test} />
    </div>
  );
}
