#!/usr/bin/python3
"""PIL/torchvision references for the JPEG decoder tests (test/jpeg-decoder.test.ts) and the
README's exactness figures: Resize(256) + CenterCrop(224) as torchvision 0.14 does it on PIL
images (bilinear, antialiased), uint8 HWC, from

  full   PIL's full decode (Image.open + convert('RGB')), the usual pipeline;
  draft  PIL's draft('RGB', size) first: libjpeg's 1/2, 1/4, 1/8 shrink-on-load.

    /usr/bin/python3 test/helpers/jpeg-references.py --make PHOTOS_DIR N OUT_DIR
        writes OUT_DIR/img_<i>.jpg: N seeded 500x375 / 375x500 crops of the photographs, saved
        by PIL at quality 90 (4:2:0, as PIL saves by default), then their references;
    /usr/bin/python3 test/helpers/jpeg-references.py OUT_DIR A.jpg B.jpg ...
        references of existing JPEGs (the bench's set) only.

References go to OUT_DIR/<stem>.full.raw and OUT_DIR/<stem>.draft.raw (224*224*3 bytes).
A leading `--geometry R C` (before either form) uses Resize(R) + CenterCrop(C) instead.
"""

import os
import random
import sys

from PIL import Image
from torchvision import transforms

RESIZE, CROP = 256, 224


def make(photos, n, out):
    os.makedirs(out, exist_ok=True)
    sources = sorted(f for f in os.listdir(photos) if f.endswith(('.png', '.jpg')) and f != 'truncated.jpg')
    rng = random.Random(1234)
    paths = []
    for i in range(n):
        with Image.open(os.path.join(photos, sources[i % len(sources)])) as src:
            img = src.convert('RGB')
        w, h = (500, 375) if i % 4 != 3 else (375, 500)
        frac = 0.5 + 0.5 * rng.random()
        cw = max(8, int(img.width * frac))
        ch = int(cw * h / w)
        if ch > img.height:
            ch = img.height
            cw = int(ch * w / h)
        left = rng.randrange(img.width - cw + 1)
        top = rng.randrange(img.height - ch + 1)
        path = os.path.join(out, f'img_{i}.jpg')
        img.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BICUBIC).save(path, quality=90)
        paths.append(path)
    return paths


def references(paths, out):
    geometry = transforms.Compose([transforms.Resize(RESIZE), transforms.CenterCrop(CROP)])
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        with Image.open(path) as img:
            full = geometry(img.convert('RGB'))
        with Image.open(path) as img:
            w, h = img.size
            s = RESIZE / min(w, h)
            img.draft('RGB', (max(1, int(w * s)), max(1, int(h * s))))
            draft = geometry(img.convert('RGB'))
        with open(os.path.join(out, f'{stem}.full.raw'), 'wb') as f:
            f.write(full.tobytes())
        with open(os.path.join(out, f'{stem}.draft.raw'), 'wb') as f:
            f.write(draft.tobytes())


if __name__ == '__main__':
    args = sys.argv[1:]
    if args[0] == '--geometry':
        RESIZE, CROP = int(args[1]), int(args[2])
        args = args[3:]
    if args[0] == '--make':
        out_dir = args[3]
        references(make(args[1], int(args[2]), out_dir), out_dir)
    else:
        references(args[1:], args[0])
