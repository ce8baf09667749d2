import * as tf from '@tensorflow/tfjs';

/** Adam's step count and moments as plain arrays (what a run file stores). */
export interface AdamState {
  t: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * Adam on one flat parameter vector: 13 kernels per update however many layers the network has
 * (tf.train.adam spends ~15 per parameter tensor). The learning rate can change between steps.
 */
export class FlatAdam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private t = 0;

  constructor(
    size: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = tf.tidy(() => tf.variable(tf.zeros([size]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([size]), false));
  }

  get iterations(): number {
    return this.t;
  }

  /** param ← param − lr · m̂ / (√v̂ + ε) */
  apply(param: tf.Variable, grad: tf.Tensor): void {
    this.t += 1;
    const c1 = this.learningRate / (1 - Math.pow(this.beta1, this.t));
    const c2 = 1 / Math.sqrt(1 - Math.pow(this.beta2, this.t));
    tf.tidy(() => {
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(grad, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
      const step = tf.div(tf.mul(m, c1), tf.add(tf.mul(tf.sqrt(v), c2), this.epsilon));
      this.m.assign(m);
      this.v.assign(v);
      param.assign(tf.sub(param, step));
    });
  }

  /** Moments as plain arrays, so a run can be saved and resumed exactly. */
  async state(): Promise<AdamState> {
    return {
      t: this.t,
      m: (await this.m.data()) as Float32Array,
      v: (await this.v.data()) as Float32Array,
    };
  }

  /** Copies of the moments (never views of the backend's buffers), for saving. */
  async exportState(): Promise<AdamState> {
    const s = await this.state();
    return { t: s.t, m: Float32Array.from(s.m), v: Float32Array.from(s.v) };
  }

  /** Continue exactly from an exported state: the next apply() is the one that would have followed. */
  restore(s: AdamState): void {
    const size = this.m.shape[0] as number;
    if (s.m.length !== size || s.v.length !== size) {
      throw new Error(
        `Adam moments of ${s.m.length} and ${s.v.length} numbers do not fit ${size} parameters`,
      );
    }
    if (!Number.isInteger(s.t) || s.t < 0)
      throw new Error(`Adam step count ${s.t} is not a whole number ≥ 0`);
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(s.m.slice()));
      this.v.assign(tf.tensor1d(s.v.slice()));
    });
    this.t = s.t;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
