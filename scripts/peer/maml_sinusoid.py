"""PyTorch peer for the bench: second-order MAML on sinusoid regression with torch.func.

The MAML paper's configuration (1-40-40-1 ReLU MLP, alpha 0.01, Adam beta 0.001, meta-batch 25,
K = 10 support and 10 query points, one inner step), tasks batched with vmap, one CPU thread.
Task sampling is inside the timed loop, as it is for the TypeScript engines. Prints one JSON
object with the median meta-steps per second. Not a project dependency: the bench runs it only
when `python3 -c "import torch"` works (override the interpreter with PEER_PYTHON).
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
from torch import nn
from torch.func import functional_call, grad, grad_and_value, vmap


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--query", type=int, default=10)
    ap.add_argument("--inner", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--beta", type=float, default=0.001)
    ap.add_argument("--steps", type=int, default=200, help="meta-steps per timed run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--serve",
        action="store_true",
        help="after warm-up print a ready line, then time one run per stdin line (interleaved bench)",
    )
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
    params = {name: p.detach().clone().requires_grad_(True) for name, p in net.named_parameters()}
    opt = torch.optim.Adam(params.values(), lr=args.beta)

    def mse(p, x, y):
        return ((functional_call(net, p, (x,)) - y) ** 2).mean()

    def task_loss(p, xs, ys, xq, yq):
        # the inner gradient stays in the graph: second-order MAML
        for _ in range(args.inner):
            g = grad(mse)(p, xs, ys)
            p = {name: p[name] - args.alpha * g[name] for name in p}
        return mse(p, xq, yq)

    def meta_loss(p, xs, ys, xq, yq):
        return vmap(task_loss, in_dims=(None, 0, 0, 0, 0))(p, xs, ys, xq, yq).mean()

    meta_grad = grad_and_value(meta_loss)

    def sample():
        t = args.batch
        amp = torch.empty(t, 1, 1).uniform_(0.1, 5.0)
        phase = torch.empty(t, 1, 1).uniform_(0.0, math.pi)
        xs = torch.empty(t, args.k, 1).uniform_(-5.0, 5.0)
        xq = torch.empty(t, args.query, 1).uniform_(-5.0, 5.0)
        return xs, amp * torch.sin(xs - phase), xq, amp * torch.sin(xq - phase)

    def step():
        grads, loss = meta_grad({n: p.detach() for n, p in params.items()}, *sample())
        for name, p in params.items():
            p.grad = grads[name]
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    if args.serve:
        serve(step, args.steps)
        return
    rates = []
    losses = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            loss = step()
        rates.append(args.steps / (time.perf_counter() - t0))
        losses.append(float(loss))
    print(
        json.dumps(
            {
                "impl": "torch.func (functional_call + grad + vmap), second-order MAML, Adam",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "batch": args.batch,
                "k": args.k,
                "inner": args.inner,
                "metaStepsPerSecond": round(statistics.median(rates), 1),
                "runs": [round(r, 1) for r in rates],
                "lastLoss": losses[-1],
            }
        )
    )


def serve(step, steps: int) -> None:
    """One timed run per line read from stdin, one JSON line out each: the bench interleaves these
    with its own runs, so both sides see the same machine load."""
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for _ in sys.stdin:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        print(json.dumps({"metaStepsPerSecond": round(steps / (time.perf_counter() - t0), 1)}), flush=True)


if __name__ == "__main__":
    main()
