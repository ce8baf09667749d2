import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { encodeRunFile, runFileOf } from '../src/core/runs/runFile';
import { stateSizes } from '../src/core/runs/resume';
import type { SavedRun } from '../src/ui/runs/autosaveDb';
import { entryOfRecord, shelfEntry } from '../src/ui/runs/shelfEntry';
import { shelfRecord } from '../src/ui/runs/shelfRecord';
import { UI_FAMILIES } from '../src/ui/families/registry';
import { installFamilies } from '../src/ui/shell/families';

installFamilies(UI_FAMILIES);

/** A saved record of a small sinusoid run (hidden=[2]) at meta-step 12, with its run file. */
function saved(id: string): SavedRun {
  const { config } = parseExperiment('task=sinusoid&hidden=2');
  const n = stateSizes(config).theta;
  const zeros = () => new Float32Array(n);
  const text = encodeRunFile(
    runFileOf(
      {
        config,
        engine: 'fused',
        step: 12,
        theta: zeros(),
        thetaAdam: { t: 12, m: zeros(), v: zeros() },
        alpha: null,
        alphaAdam: null,
        pretrained: { theta: zeros(), adam: { t: 12, m: zeros(), v: zeros() }, step: 12 },
        stream: [1, 2, 3, 4],
      },
      {
        name: 'mine',
        createdAt: '2025-01-02T03:04:05.678Z',
        savedAt: new Date('2025-01-02T04:00:00Z'),
        backend: 'wasm',
        curves: [{ name: 'eval:maml', steps: [4, 8, 12], values: [0.5, 0.2, 0.3] }],
      },
    ),
  );
  return {
    id,
    key: 'task=sinusoid&hidden=2',
    task: 'sinusoid',
    algo: 'maml',
    step: 12,
    savedAt: '2025-01-02T04:00:00Z',
    text,
  };
}

describe("the runs shelf's records (read in its worker)", () => {
  it('leave the run file behind and carry its summary', () => {
    const r = shelfRecord({ ok: true, run: saved('a') }, ['sinusoid']);
    expect(r.unreadable).toBeNull();
    expect(r.stored.ok && 'text' in r.stored.run).toBe(false);
    expect(r.summary).toMatchObject({ step: 12, name: 'mine' });
    const entry = entryOfRecord(r);
    expect(entry).toMatchObject({
      ok: true,
      id: 'a',
      name: 'mine',
      step: 12,
      best: 'best MSE 0.2000 at step 8',
    });
    // the entry holds no file either: a full shelf of glyph runs stays off the main thread
    expect(entry.ok && 'text' in entry.run).toBe(false);
  });

  it('say why a file cannot be read, and list the record as damaged with that reason', () => {
    const broken = { ...saved('b'), text: '{"format": "nope"' };
    const r = shelfRecord({ ok: true, run: broken }, ['sinusoid']);
    expect(r.summary).toBeNull();
    expect(r.unreadable).toMatch(/not valid JSON/);
    expect(entryOfRecord(r)).toMatchObject({ ok: false, id: 'b', reason: r.unreadable });
    // a family this page does not run
    const elsewhere = shelfRecord({ ok: true, run: saved('c') }, ['glyphs']);
    expect(elsewhere.unreadable).toMatch(/sinusoid regression run/);
  });

  it('pass on records the training worker refused, and ones that are not runs, without reading', () => {
    const refused = { ...saved('d'), damaged: 'the training worker refused it: nope' };
    const r = shelfRecord({ ok: true, run: refused }, ['sinusoid']);
    expect(r).toMatchObject({ summary: null, unreadable: null });
    expect(entryOfRecord(r)).toMatchObject({ ok: false, reason: refused.damaged });
    const odd = shelfRecord({ ok: false, id: 7, savedAt: '' }, ['sinusoid']);
    expect(entryOfRecord(odd)).toMatchObject({ ok: false, id: 7, reason: 'it is not a saved run record' });
  });

  it('a record without its file and without a summary is damaged, not a crash', () => {
    const { text: _file, ...meta } = saved('e');
    expect(shelfEntry({ ok: true, run: meta })).toMatchObject({
      ok: false,
      reason: 'its run file is missing',
    });
  });

  it('a written record whose summary the writer knows is not read again', () => {
    const known = shelfRecord({ ok: true, run: saved('f') }, ['sinusoid']).summary;
    // the file is not parsed: a text it could not read still gives the known summary
    const r = shelfRecord({ ok: true, run: { ...saved('f'), text: 'not read' } }, ['sinusoid'], known);
    expect(r).toMatchObject({ summary: known, unreadable: null });
    expect(r.stored.ok && 'text' in r.stored.run).toBe(false);
  });
});
