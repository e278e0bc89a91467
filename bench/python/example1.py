#!/usr/bin/python3
"""PyTorch baseline for the seed article's Example 1 (per-item text file parsing).

    /usr/bin/python3 bench/python/example1.py DIR N [--workers W] [--batch 32] [--epochs E]

DIR must already contain data_0.txt .. data_{N-1}.txt written with
``f.write(str(np.random.rand(10)))``.  Each __getitem__ opens, reads and parses
one file exactly like the seed (np.fromstring + torch.tensor float32).  One
untimed warm-up epoch, then E timed epochs; prints one JSON line to stdout.
"""

import os

import numpy as np
import torch
from torch.utils.data import Dataset

from _common import check_files, parse_args, run


class FileHandleLeakDataset(Dataset):
    """The seed's Example 1 dataset, minus the dummy-file creation in __init__."""

    def __init__(self, data_dir, num_samples):
        self.data_dir = data_dir
        self.num_samples = num_samples

    def __len__(self):
        return self.num_samples

    def __getitem__(self, idx):
        file_path = os.path.join(self.data_dir, f"data_{idx}.txt")
        with open(file_path, 'r') as f:
            content = f.read()
        data = np.fromstring(content.strip('[]'), sep=' ')
        return torch.tensor(data, dtype=torch.float32)


def main():
    args = parse_args("example1.py", "PyTorch baseline: seed Example 1 (text files)")
    check_files(args.dir, "data_{}.txt", args.n)
    run(FileHandleLeakDataset(args.dir, args.n), args, {"example": 1})


if __name__ == "__main__":
    main()
