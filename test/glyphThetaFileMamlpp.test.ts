import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { glyphThetaFile, readGlyphThetaFile, type GlyphThetaFile } from '../src/core/export/glyphTheta';
import { GLYPH_NORM_SETS } from '../src/core/export/glyphThetaSets';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { isStepNorm, NORM_SETS } from '../src/core/families/glyphs/stepNorm';
import { metaClassifierFor } from '../src/core/families/glyphs/metaNet';
import { LSLR_STEPS } from '../src/core/meta/mamlppSchedule';
import { float32ToBase64 } from '../src/core/runs/base64';
import { glyphThetaModel } from '../src/worker/families/glyphTheta';
import { copySnapshot, runFromSnapshot, takeSnapshot } from '../src/worker/runState';
import { copy, startBackend, train } from './helpers';

/**
 * The glyph θ file of a MAML++ run: its batch-norm sets as named tensors and its LSLR rates; older
 * files still read; a file whose sets do not fit its network is refused. And a MAML++ glyph run's
 * snapshot keeps its rates through runFromSnapshot.
 */

const config = (extra = '') =>
  parseExperiment(`task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2${extra}`).config;

/** A trained MAML++ glyph run's θ and rates (tfjs). */
async function trained(): Promise<{ theta: Float32Array; rates: Float32Array }> {
  await startBackend('cpu');
  const run = new GlyphRun(config(), { pretrained: false });
  await train(run, 2);
  const theta = await copy(run.learner.theta);
  const rates = await copy(run.learner.rates!);
  run.dispose();
  return { theta, rates };
}

const reparse = (f: GlyphThetaFile) => JSON.parse(JSON.stringify(f)) as GlyphThetaFile;

describe('the glyph θ file of a MAML++ run', () => {
  it('lists the MAML++ net’s own tensors and rate columns', () => {
    expect(GLYPH_NORM_SETS).toBe(NORM_SETS);
    for (const q of ['', '&net=fc']) {
      const c = config(q);
      const model = metaClassifierFor(c);
      if (!isStepNorm(model)) throw new Error('not a MAML++ net');
      const rates = new Float32Array(LSLR_STEPS * model.rateSizes.length);
      const file = glyphThetaFile(c, 0, new Float32Array(model.numParams), null, rates);
      expect(file.tensors.map(({ name, shape }) => ({ name, shape }))).toEqual(model.layout.specs);
      expect(file.network.normSets).toBe(NORM_SETS);
      expect(file.adaptation.rates?.shape).toEqual([LSLR_STEPS, model.rateSizes.length]);
      expect(file.adaptation.rates?.columns).toHaveLength(model.rateSizes.length);
    }
  });

  it('round trip: θ with its sets and the rates, bit for bit', async () => {
    const { theta, rates } = await trained();
    const file = glyphThetaFile(config(), 2, theta, null, rates);
    const read = readGlyphThetaFile(JSON.stringify(file));
    expect(Array.from(read.theta)).toEqual(Array.from(theta));
    expect(Array.from(read.rates!)).toEqual(Array.from(rates));
    expect(read.file.step).toBe(2);
  });

  it('an older file (no set count, no rates field) still reads', () => {
    const c = { ...config(), algo: 'maml' as const };
    const n = metaClassifierFor(c).numParams;
    const f = reparse(
      glyphThetaFile(
        c,
        4,
        Float32Array.from({ length: n }, (_, i) => i / n),
      ),
    );
    delete f.network.normSets;
    delete f.adaptation.rates;
    const read = readGlyphThetaFile(JSON.stringify(f));
    expect(read.theta).toHaveLength(n);
    expect(read.rates).toBeNull();
  });

  it('refuses a hostile file in one line: a wrong set count, rates of the wrong shape', () => {
    const c = config();
    const model = metaClassifierFor(c);
    if (!isStepNorm(model)) throw new Error('not a MAML++ net');
    const rates = new Float32Array(LSLR_STEPS * model.rateSizes.length).fill(0.1);
    const good = glyphThetaFile(c, 1, new Float32Array(model.numParams).fill(0.5), null, rates);
    // the last set dropped, θ and size trimmed to match: the tensors still tile θ
    const short = reparse(good);
    short.tensors = short.tensors.filter((t) => !t.name.startsWith(`set${NORM_SETS - 1}.`));
    short.size = model.numParams - model.setSize;
    short.theta = float32ToBase64(new Float32Array(short.size));
    short.network.normSets = NORM_SETS - 1;
    const error = (f: GlyphThetaFile) => {
      try {
        readGlyphThetaFile(JSON.stringify(f));
      } catch (e) {
        return (e as Error).message;
      }
      return 'read';
    };
    const message = error(short);
    expect(message).toBe(
      `This glyph θ file has ${NORM_SETS - 1} batch-norm sets; algo=mamlpp on its network has ${NORM_SETS}`,
    );
    expect(message).not.toContain('\n');
    const says = reparse(good);
    says.network.normSets = 3;
    expect(error(says)).toMatch(/has 11 batch-norm sets \(it says 3\)/);
    const wrongRates = reparse(good);
    wrongRates.adaptation.rates!.shape = [LSLR_STEPS, 2];
    expect(error(wrongRates)).toMatch(/MAML\+\+ rates have shape \[10, 2\]; its network needs/);
    const plain = reparse(good);
    plain.experiment = plain.experiment.replace('algo=mamlpp', 'algo=maml');
    expect(error(plain)).toMatch(/has 11 batch-norm sets; algo=maml on its network has 1/);
    expect(() => glyphThetaFile(c, 1, new Float32Array(model.numParams), null, new Float32Array(3))).toThrow(
      /rates have 3 numbers/,
    );
  });
});

describe('a MAML++ glyph run’s snapshot', () => {
  it('keeps θ and the rates through runFromSnapshot, and the θ view reads the rates', async () => {
    await startBackend('cpu');
    const c = config();
    const run = new GlyphRun(c, { pretrained: false });
    await train(run, 2);
    expect(glyphThetaModel(run).tensors().rates).toBe(run.learner.rates);
    const snap = await takeSnapshot(run);
    run.dispose();
    expect(snap.rates).toBeTruthy();
    const back = runFromSnapshot(c, copySnapshot(snap), 'tfjs');
    expect(Array.from(await copy(back.learner.theta))).toEqual(Array.from(snap.theta));
    expect(Array.from(await copy(back.learner.rates!))).toEqual(Array.from(snap.rates!));
    expect(back.stepCount).toBe(2);
    back.dispose();
  });
});
