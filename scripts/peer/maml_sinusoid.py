r"""PyTorch peer: second-order MAML on sinusoid regression with torch.func.

The MAML paper's configuration (1-40-40-1 ReLU MLP, alpha 0.01, Adam beta 0.001, meta-batch 25,
K = 10 support and 10 query points, one inner step), tasks batched with vmap, one CPU thread.
Not a project dependency: the bench runs it only when `python3 -c "import torch"` works (override
the interpreter with PEER_PYTHON).

Two modes:

* Bench (default): task sampling is inside the timed loop, as it is for the TypeScript engines.
  Prints one JSON object with the median meta-steps per second (`--serve`: one timed run per
  stdin line, for the interleaved bench).

* Run file (`--save-run PATH`): train `--steps N` meta-steps from torch's initialisation for
  `--seed` (PyTorch's Linear init, the same U(±1/√fan_in) law as the project's; no warm-up, no
  timing) and write the run as a run file of the project's format
  (src/core/runs/runFile.ts), so a run trained on a GPU box or anywhere with PyTorch opens in the
  page (**Import run file**, or drop the file on the page) and continues there, or in the CLI:

      python3 scripts/peer/maml_sinusoid.py --steps 20000 --save-run run.json --name "torch, 20k"
      npm run train -- --resume run.json --steps 5000 --save-run run.json

  `--device cuda` trains on a GPU. What the file holds, and what it cannot:
  - config: task=sinusoid&algo=maml with the script's alpha, beta, inner, k, query, batch, hidden
    and seed, numbers at full precision; engine "fused" (what the page and the CLI pick for
    sinusoids; the peer is neither engine, so no continuation is bit-identical to anything).
  - θ in the project's flat layout: per layer W as [in, out] (PyTorch's Linear weight [out, in],
    transposed), row-major, then b [out]; layer by layer.
  - Adam's t, m and v in the same layout. torch.optim.Adam and the project's FlatAdam are the same
    algorithm (β1 0.9, β2 0.999, ε 1e-8, raw moments, lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)), so
    the moments carry over as they are: the resumed run's next update uses them as torch would.
  - stream: the project cannot replay PyTorch's task stream, so the file holds the start of the
    seed's own stream (Rng(seed, 'train')): the resumed run draws the tasks a fresh run of the
    seed would, from its first meta-batch on; it is an i.i.d. stream, so nothing is lost.
  - pretrained: null (the peer trains no baseline); the page and the CLI then continue the run
    without the pretrained baseline, as after `--no-pretrained`.
  - curves: "meta-loss", each step's meta-loss (of θ before that step's update), steps 1..N.
  - appVersion: this checkout's package.json version with "+torch-peer" build metadata (the
    format has no other place to say which tool wrote a file).
  `--predictions PATH` also writes the trained network's outputs at a few x values. The test
  fixture was written with (test/peerRunFile.test.ts checks the θ layout with the predictions):

      python3 scripts/peer/maml_sinusoid.py --steps 50 --save-run test/fixtures/peer-run.json \
        --predictions test/fixtures/peer-run.predictions.json \
        --name "PyTorch peer (maml_sinusoid.py), 50 steps" && npx prettier --write test/fixtures
"""

import argparse
import base64
import json
import math
import os
import statistics
import struct
import sys
import time
from datetime import datetime, timezone

import torch
from torch import nn
from torch.func import functional_call, grad, grad_and_value, vmap

RUN_FILE_FORMAT = "maml-playground-run"
RUN_FILE_VERSION = 1
# the x values --predictions evaluates the network at
PREDICT_X = [-5.0, -3.7, -2.5, -1.0, 0.0, 0.5, 1.7, 3.0, 4.9]


def int_list(text: str) -> list:
    try:
        return [int(p) for p in text.split(",") if p.strip() != ""]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from e


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--query", type=int, default=10)
    ap.add_argument("--inner", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--beta", type=float, default=0.001)
    ap.add_argument("--hidden", type=int_list, default=[40, 40], help="hidden widths, e.g. 40,40")
    ap.add_argument("--seed", type=int, default=1, help="torch's seed, and the run file's config seed")
    ap.add_argument(
        "--steps", type=int, default=200, help="meta-steps per timed run (with --save-run: meta-steps to train)"
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="torch device for --save-run training, e.g. cuda")
    ap.add_argument(
        "--serve",
        action="store_true",
        help="after warm-up print a ready line, then time one run per stdin line (interleaved bench)",
    )
    ap.add_argument("--save-run", metavar="PATH", help="train --steps meta-steps and write a run file")
    ap.add_argument("--name", help="the run file's name (shown by the page)")
    ap.add_argument("--predictions", metavar="PATH", help="with --save-run: the network's outputs at a few x")
    args = ap.parse_args()
    if args.save_run:
        problem = config_problem(args)
        if problem:
            ap.error(problem)
    elif args.name is not None or args.predictions is not None or args.device != "cpu":
        ap.error("--name, --predictions and --device go with --save-run")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device if args.save_run else "cpu")
    sizes = [1, *args.hidden, 1]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    net = nn.Sequential(*layers).to(device)
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
        amp = torch.empty(t, 1, 1, device=device).uniform_(0.1, 5.0)
        phase = torch.empty(t, 1, 1, device=device).uniform_(0.0, math.pi)
        xs = torch.empty(t, args.k, 1, device=device).uniform_(-5.0, 5.0)
        xq = torch.empty(t, args.query, 1, device=device).uniform_(-5.0, 5.0)
        return xs, amp * torch.sin(xs - phase), xq, amp * torch.sin(xq - phase)

    def step():
        grads, loss = meta_grad({n: p.detach() for n, p in params.items()}, *sample())
        for name, p in params.items():
            p.grad = grads[name]
        opt.step()
        return loss

    if args.save_run:
        save_run(args, net, params, opt, step)
        return
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


def config_problem(args) -> str:
    """Why the settings cannot go into a run file (the page's bounds, src/core/schema.ts), or ''."""
    bounds = {
        "alpha": (1e-4, 1.0),
        "beta": (1e-5, 0.1),
        "inner": (1, 10),
        "k": (1, 50),
        "query": (1, 100),
        "batch": (1, 100),
        "seed": (0, 2**32 - 1),
    }
    for key, (lo, hi) in bounds.items():
        v = getattr(args, key)
        if not (isinstance(v, int) or math.isfinite(v)) or not lo <= v <= hi:
            return f"--{key} {v} is outside [{lo}, {hi}], which a run file's settings must keep to"
    if not 1 <= len(args.hidden) <= 4 or not all(1 <= h <= 256 for h in args.hidden):
        return "--hidden needs 1 to 4 widths of 1 to 256 to go into a run file"
    if args.steps < 0 or args.steps > 2**31 - 1:
        return f"--steps {args.steps} is not a meta-step count"
    if args.name is not None and len(args.name) > 200:
        return "--name is longer than 200 characters"
    return ""


def flat(layers: list) -> list:
    """The project's flat θ layout (src/core/models/mlp.ts): per layer W [in, out] row-major, then
    b [out]. `layers` holds (weight [out, in], bias [out]) pairs, PyTorch's layout."""
    out = []
    for w, b in layers:
        out.extend(w.detach().t().contiguous().reshape(-1).tolist())
        out.extend(b.detach().reshape(-1).tolist())
    return out


def float32_base64(values: list) -> str:
    """base64 of little-endian float32 bytes (src/core/runs/base64.ts)."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def number(x) -> str:
    """A settings value at full precision, as the page's query string parser reads it."""
    return str(x) if isinstance(x, int) else repr(float(x))


def task_stream(seed: int, name: str = "train") -> list:
    """Rng(seed, name).state() of src/core/random.ts (splitmix32-seeded sfc32, 12 warm-up draws):
    the start of the project's task stream for the seed, as signed 32-bit words like the TS."""
    m32 = 0xFFFFFFFF

    def splitmix32(x):
        x = (x + 0x9E3779B9) & m32
        z = ((x ^ (x >> 16)) * 0x85EBCA6B) & m32
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & m32
        return z ^ (z >> 16)

    h = 0x811C9DC5
    for ch in name:
        h = ((h ^ ord(ch)) * 0x01000193) & m32
    s = splitmix32((seed & m32) ^ h)
    a = splitmix32(s)
    b = splitmix32(a)
    c = splitmix32(b)
    d = 1
    for _ in range(12):
        t = (a + b + d) & m32
        d = (d + 1) & m32
        a = b ^ (b >> 9)
        b = (c + (c << 3)) & m32
        c = ((c << 21) | (c >> 11)) & m32
        c = (c + t) & m32
    return [w - 2**32 if w >= 2**31 else w for w in (a, b, c, d)]


def app_version() -> str:
    """This checkout's app version with build metadata naming the writer, e.g. 0.1.0+torch-peer."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        with open(os.path.join(here, "..", "..", "package.json"), encoding="utf-8") as f:
            version = str(json.load(f)["version"])
    except (OSError, ValueError, KeyError):
        version = "0.0.0"
    return f"{version}+torch-peer"[:50]


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def save_run(args, net, params: dict, opt, step) -> None:
    """Train args.steps meta-steps, then write the run file (and --predictions)."""
    created_at = iso_now()
    device = next(iter(params.values())).device
    losses = []
    t0 = time.perf_counter()
    for _ in range(args.steps):
        losses.append(float(step()))
    seconds = time.perf_counter() - t0
    if not all(math.isfinite(v) for v in losses):
        sys.exit("error: the meta-loss is not finite (the run diverged): lower --alpha or --beta")
    # PyTorch's (weight, bias) of each Linear layer, in the network's order
    keys = [(f"{i}.weight", f"{i}.bias") for i, layer in enumerate(net) if isinstance(layer, nn.Linear)]

    def flat_of(get) -> list:
        return flat([(get(params[w]), get(params[b])) for w, b in keys])

    theta = flat_of(lambda p: p)
    if args.steps > 0:
        t = int(opt.state[params[keys[0][0]]]["step"])
        m = flat_of(lambda p: opt.state[p]["exp_avg"])
        v = flat_of(lambda p: opt.state[p]["exp_avg_sq"])
    else:
        t, m, v = 0, [0.0] * len(theta), [0.0] * len(theta)
    if not all(math.isfinite(x) for x in theta + m + v):
        sys.exit("error: θ or Adam's moments are not finite (the run diverged)")
    config = [
        ("task", "sinusoid"),
        ("algo", "maml"),
        ("alpha", number(args.alpha)),
        ("beta", number(args.beta)),
        ("inner", number(args.inner)),
        ("k", number(args.k)),
        ("query", number(args.query)),
        ("batch", number(args.batch)),
        ("hidden", ",".join(str(h) for h in args.hidden)),
        ("seed", number(args.seed)),
    ]
    doc = {
        "format": RUN_FILE_FORMAT,
        "version": RUN_FILE_VERSION,
        "appVersion": app_version(),
        **({"name": args.name} if args.name is not None else {}),
        "createdAt": created_at,
        "savedAt": iso_now(),
        "config": "&".join(f"{k}={v}" for k, v in config),
        "step": args.steps,
        "engine": "fused",
        "state": {
            "theta": float32_base64(theta),
            "thetaAdam": {"t": t, "m": float32_base64(m), "v": float32_base64(v)},
            "alpha": None,
            "alphaAdam": None,
            "pretrained": None,
            "stream": task_stream(args.seed),
        },
        "curves": [{"name": "meta-loss", "steps": list(range(1, args.steps + 1)), "values": losses}],
    }
    write_atomic(args.save_run, json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n")
    if args.predictions:
        with torch.no_grad():
            x = torch.tensor(PREDICT_X, dtype=torch.float32, device=device).reshape(-1, 1)
            y = functional_call(net, {n: p.detach() for n, p in params.items()}, (x,)).reshape(-1)
        predictions = {"x": PREDICT_X, "y": y.cpu().tolist()}
        write_atomic(args.predictions, json.dumps(predictions) + "\n")
    print(
        json.dumps(
            {
                "wrote": args.save_run,
                "step": args.steps,
                "lastLoss": losses[-1] if losses else None,
                "seconds": round(seconds, 2),
                "device": str(device),
                "torch": torch.__version__,
            }
        )
    )


def write_atomic(path: str, text: str) -> None:
    """Through a temporary file and a rename, so an interrupted write never leaves half a file."""
    temporary = f"{path}.{os.getpid()}.partial"
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


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
