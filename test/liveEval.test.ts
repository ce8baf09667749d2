import { describe, expect, it } from 'vitest';
import {
  LIVE_EVAL_EVERY,
  LIVE_EVAL_MAX_REST_MS,
  LIVE_EVAL_REST,
  LiveEvalPacer,
} from '../src/ui/families/glyphs/liveEval';

function pacer() {
  const clock = { t: 0 };
  return { clock, p: new LiveEvalPacer(() => clock.t) };
}

describe('the glyph lab’s live evaluation pacing', () => {
  it('asks when the step count crosses a multiple of LIVE_EVAL_EVERY while training', () => {
    const { p } = pacer();
    expect(p.due(LIVE_EVAL_EVERY - 1, 3, true, false)).toBe(false);
    expect(p.due(LIVE_EVAL_EVERY + 1, 2, false, false)).toBe(false);
    expect(p.due(LIVE_EVAL_EVERY + 1, 0, true, false)).toBe(false);
    expect(p.due(LIVE_EVAL_EVERY + 1, 2, true, true)).toBe(false);
    expect(p.due(LIVE_EVAL_EVERY + 1, 2, true, false)).toBe(true);
  });

  it('asks for one at a time, then rests LIVE_EVAL_REST times as long as it took', () => {
    const { clock, p } = pacer();
    expect(p.due(LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
    // under way: a later crossing does not ask again
    expect(p.due(2 * LIVE_EVAL_EVERY, 1, true, false)).toBe(false);
    clock.t = 1000;
    p.finished();
    clock.t = 1000 + LIVE_EVAL_REST * 1000 - 1;
    expect(p.due(3 * LIVE_EVAL_EVERY, 1, true, false)).toBe(false);
    clock.t = 1000 + LIVE_EVAL_REST * 1000;
    // resting is over, but only a crossing asks
    expect(p.due(3 * LIVE_EVAL_EVERY + 1, 1, true, false)).toBe(false);
    expect(p.due(4 * LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
  });

  it('rests at most LIVE_EVAL_MAX_REST_MS, and a reset drops the rest', () => {
    const { clock, p } = pacer();
    expect(p.due(LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
    clock.t = 10 * LIVE_EVAL_MAX_REST_MS;
    p.finished();
    clock.t += LIVE_EVAL_MAX_REST_MS;
    expect(p.due(2 * LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
    p.finished();
    p.reset();
    expect(p.due(3 * LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
    // an evaluation that finishes with none of the pacer's under way changes nothing
    p.reset();
    p.finished();
    expect(p.due(4 * LIVE_EVAL_EVERY, 1, true, false)).toBe(true);
  });
});
