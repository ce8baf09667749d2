import { memo, useState } from 'react';
import { tooFewClassesLine } from '../../../core/data/images/summary';
import type { ImportedImages } from '../../import/images/imageMessages';
import { ImportImages } from '../../import/images/ImportImages';
import { GlyphExperiment } from '../glyphs/GlyphControls';
import { useLabStore } from '../glyphs/labStore';

interface Trained {
  name: string;
  classes: number;
  images: number;
}

/** the experiment's settings, not rendered again when the imported classes change */
const Experiment = memo(GlyphExperiment);

/** the classes this page trains on (null: the example), kept while the page lives */
let trained: Trained | null = null;

/**
 * The import panel above the glyph experiment's settings: imported classes the config can draw
 * its tasks from become the run's (the training worker gets the archive); until then the run
 * trains on the generated glyph classes.
 */
export default function ImageClassesControls() {
  const config = useLabStore((s) => s.config);
  const [data, setData] = useState(trained);
  const use = (result: ImportedImages, name: string) => {
    const why = tooFewClassesLine(result.counts, config.ways, config.k + config.query);
    if (why) throw new Error(why);
    trained = { name, classes: result.classes, images: result.images };
    setData(trained);
  };
  return (
    <>
      <section className="panel" aria-label="Your image classes">
        <h2>Your classes</h2>
        {data ? (
          <p className="import-trained">
            Training on {data.name}: {data.classes} classes, {data.images} images.
          </p>
        ) : (
          <p className="import-note">
            Training on the example (the generated Hershey glyphs) until you import images.
          </p>
        )}
        <ImportImages task={config.task} onImages={use} restore={data === null} />
      </section>
      <Experiment />
    </>
  );
}
