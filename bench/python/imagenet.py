#!/usr/bin/python3
"""torchvision baselines for the ImageNet-like JPEG set: Resize(256) + CenterCrop(224)
+ Normalize(ImageNet mean/std), batch 32.

    /usr/bin/python3 bench/python/imagenet.py DIR N [--pipeline pil|draft|tvio]
        [--workers W] [--persistent-workers] [--batch 32] [--epochs E]

Pipelines:
  pil    the usual one: PIL open, convert('RGB'), torchvision transforms
         Resize(256) + CenterCrop(224) + ToTensor + Normalize;
  draft  the same with PIL's draft(): libjpeg decodes at the largest 1/2, 1/4 or
         1/8 scale that still leaves at least 256 pixels on the short side;
  tvio   torchvision.io: read_file + decode_jpeg to a uint8 CHW tensor, tensor
         resize(256, antialias=True) + center_crop, float, normalize.

DIR holds img_0.jpg .. img_{N-1}.jpg. Prints one JSON line (see _common.py).
"""

import os

from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms
from torchvision.io import ImageReadMode, decode_jpeg, read_file
import torchvision.transforms.functional as F

from _common import check_files, parse_args, run

TRANSFORM = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])


MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


class JpegDataset(Dataset):
    def __init__(self, data_dir, num_samples):
        self.data_dir = data_dir
        self.num_samples = num_samples

    def __len__(self):
        return self.num_samples

    def __getitem__(self, idx):
        with Image.open(os.path.join(self.data_dir, f"img_{idx}.jpg")) as img:
            return TRANSFORM(img.convert("RGB"))


class DraftJpegDataset(JpegDataset):
    def __getitem__(self, idx):
        with Image.open(os.path.join(self.data_dir, f"img_{idx}.jpg")) as img:
            # draft() picks the smallest DCT scale whose result is at least the requested size.
            w, h = img.size
            s = 256 / min(w, h)
            img.draft("RGB", (max(1, int(w * s)), max(1, int(h * s))))
            return TRANSFORM(img.convert("RGB"))


class TorchvisionIoDataset(JpegDataset):
    def __getitem__(self, idx):
        img = decode_jpeg(read_file(os.path.join(self.data_dir, f"img_{idx}.jpg")), ImageReadMode.RGB)
        img = F.center_crop(F.resize(img, 256, antialias=True), [224, 224])
        return F.normalize(img.float() / 255.0, MEAN, STD)


PIPELINES = {"pil": JpegDataset, "draft": DraftJpegDataset, "tvio": TorchvisionIoDataset}


def main():
    args = parse_args("imagenet.py", "torchvision baseline: Resize(256)+CenterCrop(224) on JPEGs",
                      lambda p: p.add_argument("--pipeline", choices=sorted(PIPELINES), default="pil"))
    check_files(args.dir, "img_{}.jpg", args.n)
    run(PIPELINES[args.pipeline](args.dir, args.n), args, {"example": "imagenet-jpeg", "pipeline": args.pipeline})


if __name__ == "__main__":
    main()
