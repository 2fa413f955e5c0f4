"""PruningAutoencoder: quality against PCA and from-scratch training, cost, speed.

On scikit-learn's shipped digits (1,797 8x8 images, min-max scaled to [0, 1],
80/20 split), a sigmoid autoencoder of 20 hidden units is pruned
progressively down to 1 unit (the compression of Hao, "Use Neural Network to
Classify and Compress Images", after Gedeon & Harris). For every width k
reached it prints the held-out reconstruction MSE of

- the pruned network at width k (``set_params(n_components=k)``, no refit);
- PCA with k components (the linear optimum, the reference);
- an autoencoder of width k trained from scratch for ``--scratch-epochs``
  full-batch epochs;

then the total epochs pruning spent against those of training every width
from scratch, and the time of one full-batch training epoch of
``PruningAutoencoder`` against a hand-written PyTorch loop of the same
autoencoder, measured interleaved in this process.

Targets: pruned / PCA <= 1.05 at every width; pruning's epochs < from-scratch
epochs; one epoch <= 1.2x the hand-written loop's.

Run ``python benchmarks/bench_pruning.py`` (``--quick`` for a smoke run).
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skneuro import PruningAutoencoder

QUALITY_TARGET = 1.05
EPOCH_TARGET = 1.2


def digits():
    X = load_digits().data / 16.0
    return train_test_split(X, test_size=0.2, random_state=0)


def pca_mse(X_train, X_test, k):
    pca = PCA(n_components=k, random_state=0).fit(X_train)
    restored = pca.inverse_transform(pca.transform(X_test))
    return float(np.mean((restored - X_test) ** 2))


def hand_written_epochs(X, hidden, epochs, lr, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], hidden),
        torch.nn.Sigmoid(),
        torch.nn.Linear(hidden, X.shape[1]),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X_t = torch.from_numpy(X.astype(np.float32))
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X_t), X_t)
        loss.backward()
        optimizer.step()
    return model


def epoch_speed(X, hidden, epochs, lr, repeats):
    ours = lambda: PruningAutoencoder(  # noqa: E731
        hidden,
        loss_threshold=1e-12,
        max_epochs=epochs,
        lr=lr,
        random_state=0,
        device="cpu",
    ).fit(X)
    hand = lambda: hand_written_epochs(X, hidden, epochs, lr)  # noqa: E731
    ours(), hand()  # warm-up
    times = {"ours": [], "hand": []}
    for _ in range(repeats):
        for name, fn in (("ours", ours), ("hand", hand)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) / epochs for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--retrain-epochs", type=int, default=500)
    parser.add_argument("--scratch-epochs", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--merge", default="lsq")
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args()
    if args.quick:
        args.hidden, args.epochs, args.retrain_epochs, args.scratch_epochs = (
            5,
            200,
            20,
            200,
        )
    X_train, X_test = digits()
    print(
        f"digits: {X_train.shape[0]} train, {X_test.shape[0]} test, "
        f"{X_train.shape[1]} features; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )

    start = time.perf_counter()
    ae = PruningAutoencoder(
        args.hidden,
        loss_threshold=1e9,
        min_hidden_units=1,
        merge=args.merge,
        max_epochs=args.epochs,
        retrain_epochs=args.retrain_epochs,
        lr=args.lr,
        random_state=0,
        device="cpu",
    ).fit(X_train)
    pruning_time = time.perf_counter() - start
    pruning_epochs = ae.n_epochs_

    print(
        f"\n{'width':>5} {'pruned':>10} {'PCA':>10} {'scratch':>10} "
        f"{'pruned/PCA':>11} {'scratch/PCA':>12}"
    )
    worst = 0.0
    scratch_epochs = 0
    for k in sorted(ae.networks_, reverse=True):
        pruned = -ae.set_params(n_components=k).score(X_test)
        reference = pca_mse(X_train, X_test, k)
        scratch = (
            -PruningAutoencoder(
                k,
                loss_threshold=1e-12,
                max_epochs=args.scratch_epochs,
                lr=args.lr,
                random_state=0,
                device="cpu",
            )
            .fit(X_train)
            .score(X_test)
        )
        scratch_epochs += args.scratch_epochs
        worst = max(worst, pruned / reference)
        print(
            f"{k:5d} {pruned:10.5f} {reference:10.5f} {scratch:10.5f} "
            f"{pruned / reference:11.3f} {scratch / reference:12.3f}"
        )
    verdict = "met" if worst <= QUALITY_TARGET else "NOT met"
    print(f"worst pruned / PCA = {worst:.3f}; target <= {QUALITY_TARGET}: {verdict}")
    verdict = "met" if pruning_epochs < scratch_epochs else "NOT met"
    print(
        f"epochs: pruning {pruning_epochs} ({pruning_time:.1f} s) against "
        f"{scratch_epochs} from scratch = {pruning_epochs / scratch_epochs:.2f}; "
        f"target < 1: {verdict}"
    )

    speed = epoch_speed(
        X_train,
        args.hidden,
        200 if not args.quick else 20,
        args.lr,
        repeats=5 if not args.quick else 2,
    )
    ratio = speed["ours"] / speed["hand"]
    verdict = "met" if ratio <= EPOCH_TARGET else "NOT met"
    print(
        f"one full-batch epoch: {1e3 * speed['ours']:.3f} ms against "
        f"{1e3 * speed['hand']:.3f} ms hand-written = {ratio:.2f}; "
        f"target <= {EPOCH_TARGET}: {verdict}"
    )


if __name__ == "__main__":
    main()
