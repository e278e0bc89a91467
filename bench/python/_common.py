"""Shared argv parsing, timing loop and JSON reporting for the PyTorch baselines."""

import argparse
import gc
import json
import os
import platform
import resource
import sys
import time

import torch
from torch.utils.data import DataLoader


def parse_args(prog, description, extra=None):
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("dir", help="folder holding the files")
    p.add_argument("n", type=int, help="number of items (files 0..N-1)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader num_workers (default 0)")
    p.add_argument("--batch", type=int, default=32, help="batch size (default 32)")
    p.add_argument("--epochs", type=int, default=1, help="timed epochs after one untimed warm-up (default 1)")
    p.add_argument("--persistent-workers", action="store_true",
                   help="keep worker processes alive across epochs (off by default, as in the seed)")
    if extra:
        extra(p)
    args = p.parse_args()
    if args.n <= 0 or args.batch <= 0 or args.epochs <= 0 or args.workers < 0:
        p.error("N, --batch and --epochs must be > 0 and --workers >= 0")
    if args.persistent_workers and args.workers == 0:
        p.error("--persistent-workers needs --workers > 0")
    return args


def check_files(directory, pattern, n):
    for i in (0, n - 1):
        path = os.path.join(directory, pattern.format(i))
        if not os.path.isfile(path):
            sys.exit(f"missing {path} (need {pattern.format(0)} .. {pattern.format(n - 1)})")


def _maxrss_bytes(who):
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss * 1024


def run(dataset, args, extra_fields=None):
    """One untimed warm-up epoch, then args.epochs timed epochs; print one JSON line."""
    # Defaults as in the seed (shuffle=False, persistent_workers=False), so with
    # workers > 0 each epoch starts fresh worker processes and that start-up
    # cost is part of the timed epochs (unless --persistent-workers is given).
    loader = DataLoader(dataset, batch_size=args.batch, num_workers=args.workers,
                        persistent_workers=args.persistent_workers)

    def one_epoch():
        items = 0
        for batch in loader:
            # (images, labels) from datasets of pairs, else one tensor
            items += (batch[0] if isinstance(batch, (list, tuple)) else batch).shape[0]
        return items

    warm = one_epoch()
    if warm != len(dataset):
        sys.exit(f"warm-up epoch yielded {warm} items, expected {len(dataset)}")

    items = 0
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        items += one_epoch()
    seconds = time.perf_counter() - t0

    # Release the loader (outside the timed region) so persistent workers are
    # shut down and joined; only terminated children count in RUSAGE_CHILDREN.
    del loader
    gc.collect()

    out = {
        "impl": "pytorch",
        "workers": args.workers,
        "batch": args.batch,
        "epochs": args.epochs,
        "persistentWorkers": args.persistent_workers,
        "items": items,
        "seconds": seconds,
        "itemsPerSec": items / seconds if seconds > 0 else None,
        # Peak RSS of this process, and the largest peak among terminated
        # children (DataLoader workers; 0 when workers == 0). ru_maxrss for
        # RUSAGE_CHILDREN is a max over children, not a sum.
        "peakRssBytes": _maxrss_bytes(resource.RUSAGE_SELF),
        "peakRssChildrenBytes": _maxrss_bytes(resource.RUSAGE_CHILDREN),
        "torchNumThreads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    if extra_fields:
        out.update(extra_fields)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
