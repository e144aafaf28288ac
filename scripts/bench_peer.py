"""PyTorch peer for scripts/bench.ts: trains the lesson's two models with the same batch, steps and threads.

Prints one JSON object per model and line: {model, backend: "pytorch", threads, imagesPerSecond, msPerStep, ...}.
Run with Debian's interpreter, which has CPU torch:  /usr/bin/python3 scripts/bench_peer.py --threads 1
"""
import argparse
import json
import os
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as error:  # The caller reports this line and carries on without a peer.
    print(json.dumps({"backend": "pytorch", "error": f"cannot run: torch is not importable ({error})"}))
    sys.exit(0)


class ConvAutoencoder(nn.Module):
    """The lesson's conv autoencoder (Keras layout, channels first): 28×28×1 → 4×4×8 → 28×28×1."""

    def __init__(self):
        super().__init__()
        # Keras "same" max-pooling rounds up (7 → 4); ceil_mode does the same.
        pool = lambda: nn.MaxPool2d(2, ceil_mode=True)  # noqa: E731
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), pool(),
            nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), pool(),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), pool(),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


class DenseVae(nn.Module):
    """The lesson's dense VAE: 784 → 512 → (mean, log-variance) → z → 512 → 784."""

    def __init__(self, latent=2):
        super().__init__()
        self.hidden = nn.Linear(784, 512)
        self.mean = nn.Linear(512, latent)
        self.log_var = nn.Linear(512, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, 512), nn.ReLU(), nn.Linear(512, 784), nn.Sigmoid())

    def forward(self, x):
        h = torch.relu(self.hidden(x))
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decoder(z), mean, log_var


def conv_ae_step(model, optimizer, batch):
    optimizer.zero_grad()
    loss = nn.functional.binary_cross_entropy(model(batch), batch)
    loss.backward()
    optimizer.step()
    return loss.item()


def vae_step(model, optimizer, batch):
    optimizer.zero_grad()
    reconstruction, mean, log_var = model(batch)
    bce = nn.functional.binary_cross_entropy(reconstruction, batch, reduction="sum") / batch.shape[0]
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / batch.shape[0]
    loss = bce + kl
    loss.backward()
    optimizer.step()
    return loss.item()


MODELS = {
    "conv-ae": (ConvAutoencoder, conv_ae_step, (1, 28, 28)),
    "dense-vae": (DenseVae, vae_step, (784,)),
}


def blas_library():
    """Which BLAS torch's dense layers run on: the library behind the libblas.so.3 this process has mapped.

    Debian's torch calls the system BLAS through libblas.so.3. With only libblas3 installed that is the reference
    implementation, about thirty times slower than OpenBLAS on the VAE's 128×784×512 products, which would make
    the peer look far slower than PyTorch is. Wheels from pip bundle their own BLAS and map no libblas.so.3.
    """
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        mapped = {line.split()[-1] for line in maps if line.rsplit("/", 1)[-1].startswith("libblas.so")}
    if not mapped:
        return {"blas": "bundled with torch"}
    path = os.path.realpath(sorted(mapped)[0])
    kind = next((k for k in ("openblas", "mkl", "blis", "atlas") if k in path.lower()), None)
    if kind is None:
        kind = "reference" if "/blas/" in path else "unknown"
    return {"blas": kind, "blasPath": path}


def bench(name, batch_size, steps, rounds, warmup, threads):
    build, step, shape = MODELS[name]
    model = build()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = torch.rand((batch_size, *shape))
    for _ in range(warmup):
        step(model, optimizer, batch)
    rounds_ms_per_step = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            loss = step(model, optimizer, batch)
        rounds_ms_per_step.append(1000 * (time.perf_counter() - start) / steps)
    ms_per_step = min(rounds_ms_per_step)  # the fastest round, as scripts/bench.ts reports
    return {
        "model": name,
        "backend": "pytorch",
        "threads": threads,
        "imagesPerSecond": 1000 * batch_size / ms_per_step,
        "msPerStep": ms_per_step,
        "steps": steps,
        "roundsMsPerStep": rounds_ms_per_step,
        "batch": batch_size,
        "loss": loss,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "version": torch.__version__,
        **blas_library(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in args.models.split(","):
        if name not in MODELS:
            parser.error(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
        print(json.dumps(bench(name, args.batch, args.steps, args.rounds, args.warmup, args.threads)), flush=True)


if __name__ == "__main__":
    main()
