"""Reference items of Fashion-MNIST as torchvision reads them, for tests and the examples.

  python3 scripts/fashion-mnist-reference.py --data /usr/share/datasets/fashion-mnist --out DIR [--split test|train]

torchvision.datasets.FashionMNIST wants the raw (inflated) IDX files under ROOT/FashionMNIST/raw,
so they are inflated into DIR first; DIR then also holds images.npy ([N, 28, 28] uint8, from the
PIL images torchvision returns) and labels.npy (int64 targets).
"""
import argparse
import gzip
import os
import shutil

import numpy as np
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--split", default="test")
    a = p.parse_args()
    raw = os.path.join(a.out, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name in os.listdir(a.data):
        if name.endswith(".gz"):
            with gzip.open(os.path.join(a.data, name)) as src, open(os.path.join(raw, name[:-3]), "wb") as dst:
                shutil.copyfileobj(src, dst)
    ds = torchvision.datasets.FashionMNIST(a.out, train=a.split == "train", download=False)
    images = np.stack([np.asarray(ds[i][0], dtype=np.uint8) for i in range(len(ds))])
    labels = np.array([ds[i][1] for i in range(len(ds))], dtype=np.int64)
    np.save(os.path.join(a.out, "images.npy"), images)
    np.save(os.path.join(a.out, "labels.npy"), labels)
    print(",".join(ds.classes))


if __name__ == "__main__":
    main()
