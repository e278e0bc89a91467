#!/usr/bin/python3
"""torchvision baseline for the ImageNet-like JPEG set: PIL open, convert('RGB'),
Resize(256) + CenterCrop(224) + ToTensor + Normalize(ImageNet mean/std), batch 32.

    /usr/bin/python3 bench/python/imagenet.py DIR N [--workers W] [--batch 32] [--epochs E]

DIR holds img_0.jpg .. img_{N-1}.jpg. Prints one JSON line (see _common.py).
"""

import os

from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from _common import check_files, parse_args, run

TRANSFORM = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])


class JpegDataset(Dataset):
    def __init__(self, data_dir, num_samples):
        self.data_dir = data_dir
        self.num_samples = num_samples

    def __len__(self):
        return self.num_samples

    def __getitem__(self, idx):
        with Image.open(os.path.join(self.data_dir, f"img_{idx}.jpg")) as img:
            return TRANSFORM(img.convert("RGB"))


def main():
    args = parse_args("imagenet.py", "torchvision baseline: Resize(256)+CenterCrop(224) on JPEGs")
    check_files(args.dir, "img_{}.jpg", args.n)
    run(JpegDataset(args.dir, args.n), args, {"example": "imagenet-jpeg"})


if __name__ == "__main__":
    main()
