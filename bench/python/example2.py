#!/usr/bin/python3
"""PyTorch baseline for the seed article's Example 2 (per-item PNG decode + resize).

    /usr/bin/python3 bench/python/example2.py DIR N [--pipeline seed|lean|tvio]
        [--workers W] [--persistent-workers] [--batch 32] [--epochs E]
    /usr/bin/python3 bench/python/example2.py --generate DIR N

Benchmark mode: DIR must contain img_0.png .. img_{N-1}.png.  Pipelines:
  seed  exactly what the seed does (PIL open, convert('RGB'), np.array,
        Image.fromarray(...).resize((64, 64)), float32 CHW / 255);
  lean  the same result without the detours: PIL open, convert('RGB'),
        resize((64, 64)) (bicubic, PIL's default), torchvision's to_tensor;
  tvio  torchvision.io: read_file + decode_png to a uint8 CHW tensor, tensor
        resize to 64x64 (bicubic, antialias=True), float / 255.
One untimed warm-up epoch, then E timed epochs; prints one JSON line to stdout.

--generate mode: writes N 100x100 RGB PNGs with the seed's recipe
(np.random.seed(0); (np.random.rand(100, 100, 3) * 255).astype(np.uint8)).
"""

import os
import sys

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.io import ImageReadMode, decode_png, read_file
import torchvision.transforms.functional as F

from _common import check_files, parse_args, run


class ImageProcessingLeakDataset(Dataset):
    """The seed's Example 2 dataset, minus the dummy-image creation in __init__."""

    def __init__(self, data_dir, num_samples):
        self.data_dir = data_dir
        self.num_samples = num_samples

    def __len__(self):
        return self.num_samples

    def __getitem__(self, idx):
        image_path = os.path.join(self.data_dir, f"img_{idx}.png")
        img = Image.open(image_path)
        img = img.convert('RGB')
        img_arr = np.array(img)
        img = Image.fromarray(img_arr).resize((64, 64))
        tensor_img = torch.from_numpy(np.array(img).astype(np.float32)).permute(2, 0, 1) / 255.0
        return tensor_img


class LeanPilDataset(ImageProcessingLeakDataset):
    def __getitem__(self, idx):
        with Image.open(os.path.join(self.data_dir, f"img_{idx}.png")) as img:
            return F.to_tensor(img.convert('RGB').resize((64, 64)))


class TorchvisionIoDataset(ImageProcessingLeakDataset):
    def __getitem__(self, idx):
        data = read_file(os.path.join(self.data_dir, f"img_{idx}.png"))
        img = decode_png(data, ImageReadMode.RGB)
        img = F.resize(img, [64, 64], interpolation=F.InterpolationMode.BICUBIC, antialias=True)
        return img.float() / 255.0


PIPELINES = {"seed": ImageProcessingLeakDataset, "lean": LeanPilDataset, "tvio": TorchvisionIoDataset}


def generate(data_dir, n):
    np.random.seed(0)
    os.makedirs(data_dir, exist_ok=True)
    for i in range(n):
        img_arr = (np.random.rand(100, 100, 3) * 255).astype(np.uint8)
        Image.fromarray(img_arr).save(os.path.join(data_dir, f"img_{i}.png"))
    print(f"wrote {n} PNGs (100x100 RGB) to {data_dir}", file=sys.stderr)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        if len(sys.argv) != 4 or not sys.argv[3].isdigit() or int(sys.argv[3]) <= 0:
            sys.exit("usage: example2.py --generate DIR N")
        generate(sys.argv[2], int(sys.argv[3]))
        return
    args = parse_args("example2.py", "PyTorch baseline: seed Example 2 (PNG images)",
                      lambda p: p.add_argument("--pipeline", choices=sorted(PIPELINES), default="seed"))
    check_files(args.dir, "img_{}.png", args.n)
    run(PIPELINES[args.pipeline](args.dir, args.n), args, {"example": 2, "pipeline": args.pipeline})


if __name__ == "__main__":
    main()
