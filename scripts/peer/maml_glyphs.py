r"""PyTorch peer: MAML on few-shot glyph classification with torch.func.

The project's glyph meta-step (src/core/families/glyphs/classification.ts with the conv net of
src/core/models/convnet.ts), written independently in PyTorch so the bench can compare the same
work on the same CPU:

* network: blocks of 3x3 stride-2 convolutions with TensorFlow's SAME padding (when the padding
  is odd, the extra row/column goes to the bottom/right), then batch norm with each task's own
  batch statistics over batch and space (biased variance, eps 1e-3, gamma/beta, no running
  statistics) or a bias, ReLU; the features averaged over the remaining positions; a linear head.
* flat theta in the project's layout (src/core/models/glyphNets.ts convNetSpecs): per block
  conv.w [3, 3, Cin, F] (TensorFlow's filter layout), then bn.gamma [F], bn.beta [F] (or conv.b
  [F]); then head.w [F, N], head.b [N]; each row-major.
* loss: an inner SGD step on each task's mean support cross-entropy; the meta-loss is the mean
  query cross-entropy over all tasks and queries; second order through every inner step (FOMAML
  with --algo fomaml); tasks batched with vmap; Adam with the project's formulas
  (src/core/meta/adam.ts) on the flat theta; one CPU thread unless --threads says otherwise.

Not a project dependency: the bench and the test run it only when the interpreter in PEER_PYTHON
(or /opt/peer/bin/python) can import torch.

Modes:

* Bench (default): the configuration on the command line; theta and a pool of meta-batches from
  --data (the file format below; the bench writes real glyph batches there), else He-uniform theta
  and synthetic images. Warm-up, then --runs timed runs of --steps meta-steps (cycling through the
  pool); prints one JSON object with the median meta-steps per second. --serve: after warm-up a
  ready line, then one timed run per stdin line, one JSON line out each (interleaved bench).

* Check (--check IN OUT, repeatable): the network, algorithm, alpha and inner steps, theta and
  one meta-batch from IN; writes the meta-loss and the meta-gradient at theta for that batch to
  OUT (no Adam step). test/peerGlyph.test.ts compares it with the project's MetaLearner.

Data file (JSON), float32 arrays as base64 of little-endian bytes:
  {"net": {"ways", "filters", "blocks", "batchNorm"}, "algo", "alpha", "inner",
   "theta": b64 [P],
   "batches": [{"tasks", "shots", "query", "xs": b64 [T, N*K, 28, 28, 1], "ys": [T*N*K ints],
                "xq": b64 [T, N*Q, 28, 28, 1], "yq": [T*N*Q ints]}]}
"""

import argparse
import base64
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.func import grad, grad_and_value, vmap

IMAGE_SIZE = 28
KERNEL = 3
STRIDE = 2
BN_EPSILON = 1e-3


def specs(net: dict) -> list:
    """(name, shape) of every parameter in theta's order: convNetSpecs of glyphNets.ts."""
    out = []
    cin = 1
    for layer in range(net["blocks"]):
        out.append((f"conv{layer}.w", [KERNEL, KERNEL, cin, net["filters"]]))
        if net["batchNorm"]:
            out.append((f"bn{layer}.gamma", [net["filters"]]))
            out.append((f"bn{layer}.beta", [net["filters"]]))
        else:
            out.append((f"conv{layer}.b", [net["filters"]]))
        cin = net["filters"]
    out.append(("head.w", [net["filters"], net["ways"]]))
    out.append(("head.b", [net["ways"]]))
    return out


def size_of(shape: list) -> int:
    return math.prod(shape)


def unflatten(theta: torch.Tensor, layout: list) -> list:
    sizes = [size_of(shape) for _, shape in layout]
    return [p.reshape(shape) for p, (_, shape) in zip(torch.split(theta, sizes), layout)]


def same_pad(x: torch.Tensor) -> torch.Tensor:
    """TensorFlow's SAME padding for a 3x3 stride-2 window: the odd pixel goes bottom/right."""
    h, w = x.shape[-2], x.shape[-1]

    def split(size: int):
        total = max((math.ceil(size / STRIDE) - 1) * STRIDE + KERNEL - size, 0)
        return total // 2, total - total // 2

    top, bottom = split(h)
    left, right = split(w)
    return F.pad(x, (left, right, top, bottom))


def logits_of(params: list, x: torch.Tensor, net: dict) -> torch.Tensor:
    """One task's logits [B, N] for images x [B, 28, 28, 1]."""
    h = x.permute(0, 3, 1, 2)
    i = 0
    for _ in range(net["blocks"]):
        w = params[i].permute(3, 2, 0, 1)  # [3, 3, Cin, F] -> [F, Cin, 3, 3]
        h = F.conv2d(same_pad(h), w, stride=STRIDE)
        i += 1
        if net["batchNorm"]:
            gamma, beta = params[i], params[i + 1]
            i += 2
            centred = h - h.mean(dim=(0, 2, 3), keepdim=True)
            variance = (centred * centred).mean(dim=(0, 2, 3), keepdim=True)
            scale = gamma.reshape(1, -1, 1, 1) / torch.sqrt(variance + BN_EPSILON)
            h = centred * scale + beta.reshape(1, -1, 1, 1)
        else:
            h = h + params[i].reshape(1, -1, 1, 1)
            i += 1
        h = torch.relu(h)
    features = h.mean(dim=(2, 3))
    return features @ params[i] + params[i + 1]


def make_meta_step(net: dict, algo: str, alpha: float, inner: int):
    """The meta-loss and its gradient in theta for a meta-batch (xs, ys, xq, yq batched by task)."""
    layout = specs(net)

    def loss(theta, x, y):
        return F.cross_entropy(logits_of(unflatten(theta, layout), x, net), y)

    def task_loss(theta, xs, ys, xq, yq):
        p = theta
        for _ in range(inner):
            g = grad(loss)(p, xs, ys)  # stays in the graph: second order
            if algo == "fomaml":
                g = g.detach()
            p = p - alpha * g
        return loss(p, xq, yq)

    def meta_loss(theta, xs, ys, xq, yq):
        return vmap(task_loss, in_dims=(None, 0, 0, 0, 0))(theta, xs, ys, xq, yq).mean()

    return grad_and_value(meta_loss)


class FlatAdam:
    """src/core/meta/adam.ts: theta -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)."""

    def __init__(self, size: int, lr: float, beta1=0.9, beta2=0.999, eps=1e-8):
        self.m = torch.zeros(size)
        self.v = torch.zeros(size)
        self.t = 0
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps

    def apply(self, theta: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        self.t += 1
        c1 = self.lr / (1 - self.beta1**self.t)
        c2 = 1 / math.sqrt(1 - self.beta2**self.t)
        self.m = self.m * self.beta1 + g * (1 - self.beta1)
        self.v = self.v * self.beta2 + g * g * (1 - self.beta2)
        return theta - (self.m * c1) / (torch.sqrt(self.v) * c2 + self.eps)


def floats(text: str) -> torch.Tensor:
    return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.float32).clone()


def read_batch(b: dict, ways: int) -> tuple:
    t, k, q, s = b["tasks"], b["shots"], b["query"], IMAGE_SIZE
    xs = floats(b["xs"]).reshape(t, ways * k, s, s, 1)
    xq = floats(b["xq"]).reshape(t, ways * q, s, s, 1)
    ys = torch.tensor(b["ys"], dtype=torch.int64).reshape(t, ways * k)
    yq = torch.tensor(b["yq"], dtype=torch.int64).reshape(t, ways * q)
    return xs, ys, xq, yq


def he_theta(net: dict, gen: torch.Generator) -> torch.Tensor:
    """ConvNet.init's laws: He-uniform conv weights, gamma 1, head U(+-1/sqrt(F)), the rest 0."""
    parts = []
    for name, shape in specs(net):
        n = size_of(shape)
        if name.endswith(".gamma"):
            parts.append(torch.ones(n))
        elif name.startswith("conv") and name.endswith(".w"):
            bound = math.sqrt(6 / (shape[0] * shape[1] * shape[2]))
            parts.append((torch.rand(n, generator=gen) * 2 - 1) * bound)
        elif name == "head.w":
            bound = 1 / math.sqrt(net["filters"])
            parts.append((torch.rand(n, generator=gen) * 2 - 1) * bound)
        else:
            parts.append(torch.zeros(n))
    return torch.cat(parts)


def synthetic_batch(args, gen: torch.Generator) -> tuple:
    """Sparse ink on a blank page with labels ordered by class, shaped like the sampler's."""
    t, n, s = args.batch, args.ways, IMAGE_SIZE

    def images(per_class: int):
        x = torch.rand(t, n * per_class, s, s, 1, generator=gen)
        return torch.where(x > 0.85, x, torch.zeros(())), torch.arange(n).repeat_interleave(per_class).repeat(t, 1)

    xs, ys = images(args.k)
    xq, yq = images(args.query)
    return xs, ys, xq, yq


def net_of(args) -> dict:
    return {"ways": args.ways, "filters": args.filters, "blocks": args.blocks, "batchNorm": not args.no_batch_norm}


def check(path_in: str, path_out: str) -> None:
    """Meta-loss and meta-gradient at the file's theta for its first batch (no update)."""
    with open(path_in, encoding="utf-8") as f:
        doc = json.load(f)
    net = doc["net"]
    theta = floats(doc["theta"])
    expected = sum(size_of(shape) for _, shape in specs(net))
    if theta.numel() != expected:
        sys.exit(f"error: theta has {theta.numel()} numbers, the network {expected}")
    meta_step = make_meta_step(net, doc["algo"], float(doc["alpha"]), int(doc["inner"]))
    g, loss = meta_step(theta, *read_batch(doc["batches"][0], net["ways"]))
    out = {"loss": float(loss), "gradient": g.tolist(), "torch": torch.__version__}
    with open(path_out, "w", encoding="utf-8") as f:
        json.dump(out, f)


def load_pool(args, net: dict, gen: torch.Generator) -> tuple:
    """theta and the meta-batches to cycle through: from --data, else synthetic."""
    if not args.data:
        return he_theta(net, gen), [synthetic_batch(args, gen) for _ in range(4)]
    with open(args.data, encoding="utf-8") as f:
        doc = json.load(f)
    if doc["net"] != net:
        sys.exit(f"error: --data holds the network {doc['net']}, the command line says {net}")
    pool = [read_batch(b, net["ways"]) for b in doc["batches"]]
    shape = (args.batch, args.ways * args.k, args.ways * args.query)
    if any((xs.shape[0], xs.shape[1], xq.shape[1]) != shape for xs, _, xq, _ in pool):
        sys.exit("error: --data's batches do not have the shape the command line gives")
    return floats(doc["theta"]), pool


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="PyTorch peer of the project's glyph meta-step")
    ap.add_argument("--ways", type=int, default=5)
    ap.add_argument("--k", type=int, default=1, help="support images per class")
    ap.add_argument("--query", type=int, default=3, help="query images per class")
    ap.add_argument("--batch", type=int, default=4, help="tasks per meta-batch")
    ap.add_argument("--filters", type=int, default=32)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--no-batch-norm", action="store_true", help="a conv bias instead of batch norm")
    ap.add_argument("--algo", choices=["maml", "fomaml"], default="maml")
    ap.add_argument("--inner", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.4)
    ap.add_argument("--beta", type=float, default=0.001)
    ap.add_argument("--steps", type=int, default=10, help="meta-steps per timed run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", metavar="FILE", help="theta and a pool of meta-batches (format above)")
    ap.add_argument("--serve", action="store_true", help="one timed run per stdin line")
    ap.add_argument(
        "--check", nargs=2, action="append", metavar=("IN", "OUT"), help="write IN's meta-gradient to OUT"
    )
    return ap.parse_args()


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    if args.check:
        for path_in, path_out in args.check:
            check(path_in, path_out)
        return
    net = net_of(args)
    gen = torch.Generator().manual_seed(args.seed)
    theta, pool = load_pool(args, net, gen)
    meta_step = make_meta_step(net, args.algo, args.alpha, args.inner)
    adam = FlatAdam(theta.numel(), args.beta)
    state = {"theta": theta, "i": 0, "loss": float("nan")}

    def step():
        batch = pool[state["i"] % len(pool)]
        state["i"] += 1
        g, loss = meta_step(state["theta"], *batch)
        state["theta"] = adam.apply(state["theta"], g)
        state["loss"] = loss

    for _ in range(args.warmup):
        step()
    if args.serve:
        serve(step, args.steps)
        return
    rates = [timed(step, args.steps) for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "impl": "torch.func (grad + vmap over tasks), second-order MAML, Adam",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "config": {**net, "k": args.k, "query": args.query, "batch": args.batch, "algo": args.algo},
                "metaStepsPerSecond": round(statistics.median(rates), 2),
                "runs": [round(r, 2) for r in rates],
                "lastLoss": float(state["loss"]),
            }
        )
    )


def timed(step, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def serve(step, steps: int) -> None:
    """One timed run per stdin line ("run", or "run N" for N meta-steps), one JSON line out each."""
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        n = int(words[1]) if len(words) > 1 else steps
        print(json.dumps({"metaStepsPerSecond": timed(step, n), "steps": n}), flush=True)


if __name__ == "__main__":
    main()
