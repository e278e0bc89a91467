#!/usr/bin/python3
"""PyTorch peer of the WebDataset tar bench: an IterableDataset that reads the same tar shards
with tarfile, groups members into samples by key (WebDataset's rule), decodes the .jpg with PIL
and applies Resize(256) + CenterCrop(224) + ToTensor + Normalize; the label from .cls. With
workers, each worker takes every num_workers-th shard (as WebDataset splits by worker).

    /usr/bin/python3 bench/python/webdataset_tar.py SHARD_DIR N [--workers W] [--persistent-workers] [--epochs E]
"""
import io, os, tarfile

import torch
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info
from torchvision import transforms

from _common import parse_args, run

TRANSFORM = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])


def samples(path):
    key, sample = None, {}
    with tarfile.open(path, "r") as tf:
        for m in tf:
            if not m.isreg():
                continue
            base = os.path.basename(m.name)
            if "." not in base or base.startswith("__"):
                continue
            k, ext = m.name[: len(m.name) - len(base)] + base.split(".", 1)[0], base.split(".", 1)[1].lower()
            if k != key and sample:
                yield sample
                sample = {}
            key = k
            sample[ext] = tf.extractfile(m).read()
    if sample:
        yield sample


class TarShards(IterableDataset):
    def __init__(self, shard_dir, n):
        self.shards = sorted(os.path.join(shard_dir, f) for f in os.listdir(shard_dir) if f.endswith(".tar"))
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        mine = self.shards if info is None else self.shards[info.id :: info.num_workers]
        for path in mine:
            for s in samples(path):
                with Image.open(io.BytesIO(s["jpg"])) as img:
                    yield TRANSFORM(img.convert("RGB")), int(s["cls"])


def main():
    args = parse_args("webdataset_tar.py", "PyTorch IterableDataset over WebDataset tar shards (tarfile + PIL)")
    run(TarShards(args.dir, args.n), args, {"example": "webdataset-tar"})


if __name__ == "__main__":
    main()
