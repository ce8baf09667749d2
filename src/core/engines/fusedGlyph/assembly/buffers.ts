// The module's buffer table: addr(id) is where buffer id starts (set once at init).
// buffer ids for addr(); keep in step with BUFFER in ../wasmModule.ts
export const THETA = 0;
export const ALPHA = 1;
export const M_THETA = 2;
export const V_THETA = 3;
export const M_ALPHA = 4;
export const V_ALPHA = 5;
export const G_THETA = 6;
export const G_ALPHA = 7;
export const XS = 8;
export const YS = 9;
export const XQ = 10;
export const YQ = 11;
export const RESULT = 12; // f64 [meta loss, pretrained loss]
export const COUNTERS = 13; // i32 [Adam steps of θ, of α, of the pretrained θ]
export const PRE = 14; // the pretrained baseline's θ (C-way head), its Adam moments and gradient
export const M_PRE = 15;
export const V_PRE = 16;
export const G_PRE = 17;
export const Y_PRE = 18; // its labels: every support image of every task, then every query image
export const TASK_THETA = 19; // one task's share of G_THETA (task() writes it, addTask() adds it)
export const TASK_ALPHA = 20; // one task's share of G_ALPHA (Meta-SGD)
export const SCORE = 21; // f32 [accuracy, mean loss] on the query set after 0..S inner steps (score())
export const SPREAD = 22; // MAML++: per-parameter rates per inner step [LSLR_ROWS × P] (mamlpp.ts)
export const WEIGHTS = 23; // MAML++: the multi-step loss weights of the meta-step [LSLR_ROWS]
export const BUFFERS = 24;

let addrs: usize = 0;

export function allocAddrs(): void {
  addrs = heap.alloc(BUFFERS << 2);
}
export function addr(id: i32): usize {
  return load<usize>(addrs + ((<usize>id) << 2));
}
export function setAddr(id: i32, p: usize): void {
  store<usize>(addrs + ((<usize>id) << 2), p);
}

/** Byte address of task t's first of `per` items of `size` floats (or i32s) in buffer id. */
export function taskAt(id: i32, t: i32, per: i32, size: i32): usize {
  return addr(id) + ((<usize>t * <usize>per * <usize>size) << 2);
}
