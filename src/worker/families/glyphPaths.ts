/** The glyph lab's adaptation paths: class probabilities after each inner step, for the task view. */
import * as tf from '@tensorflow/tfjs';
import { classInnerStep } from '../../core/families/glyphs/classification';
import type { GlyphRun } from '../../core/families/glyphs/run';
import type { InnerRate } from '../../core/meta/innerLoop';
import { broadcastTasks } from '../../core/models/classifier';
import { softmax } from '../../core/ops/softmax';

/** Probabilities [steps + 1, B, N] on images xq after 0..steps inner steps on (xs, ys). */
export async function probabilityPath(
  model: GlyphRun['model'],
  theta: tf.Tensor,
  rate: InnerRate,
  xs: tf.Tensor5D,
  ys: tf.Tensor2D,
  xq: tf.Tensor5D,
  steps: number,
  ways: number,
): Promise<Float32Array> {
  let p: tf.Tensor = tf.tidy(() => broadcastTasks(theta, 1));
  const out: tf.Tensor[] = [];
  for (let s = 0; ; s++) {
    out.push(
      tf.tidy(() => {
        const logits = model.apply(model.unflatten(p), xq);
        return softmax(tf.slice(logits, [0, 0, 0], [1, -1, ways]));
      }),
    );
    if (s === steps) break;
    const next = tf.tidy(() => classInnerStep(model, p, xs, ys, rate));
    p.dispose();
    p = next;
  }
  p.dispose();
  const stacked = tf.concat(out);
  tf.dispose(out);
  const data = (await stacked.data()) as Float32Array;
  stacked.dispose();
  return data;
}
