"""Writes WebDataset tar shards the way users make them, for test/webdataset.test.ts and the
bench: images resized from the shared photos and saved by PIL (JPEG and PNG), a .cls label, a
.npy vector written by numpy, .json and .txt members. The members are also left extracted in
<out>/members so tests can read them with ImageFilesDataset. Shards are written by Python's
tarfile (<out>/py-000000.tar ..., `per_shard` samples each) and, over all samples at once, by
GNU tar in its gnu and pax formats (<out>/gnutar-gnu.tar, <out>/gnutar-pax.tar).

usage: make-webdataset.py <photos dir> <out dir> <samples> <per_shard> [size]
"""
import io, json, os, subprocess, sys, tarfile
import numpy as np
from PIL import Image

photos, out, samples, per_shard = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
size = int(sys.argv[5]) if len(sys.argv) > 5 else 96
sources = sorted(f for f in os.listdir(photos) if f.endswith(('.png', '.jpg')) and f != 'truncated.jpg')
members_dir = os.path.join(out, 'members')
os.makedirs(members_dir, exist_ok=True)

names = []
for i in range(samples):
    key = f'sample{i:06d}'
    src = Image.open(os.path.join(photos, sources[i % len(sources)])).convert('RGB')
    # Every sample a different size and crop, so no two images are alike.
    w, h = src.size
    box = ((i * 7) % (w // 4), (i * 5) % (h // 4), w - (i * 3) % (w // 4), h - (i * 11) % (h // 4))
    img = src.crop(box).resize((size + i % 17, size - i % 13))
    ext = 'jpg' if i % 2 == 0 else 'png'
    files = {}
    buf = io.BytesIO()
    img.save(buf, format='JPEG' if ext == 'jpg' else 'PNG', quality=90)
    files[ext] = buf.getvalue()
    files['cls'] = f'{i % 5}\n'.encode()
    vec = io.BytesIO()
    np.save(vec, np.arange(4, dtype=np.float32) + i)
    files['npy'] = vec.getvalue()
    files['json'] = json.dumps({'i': i, 'source': sources[i % len(sources)]}).encode()
    files['txt'] = f'caption {i}'.encode()
    for ext, data in files.items():
        name = f'{key}.{ext}'
        with open(os.path.join(members_dir, name), 'wb') as f:
            f.write(data)
        names.append(name)

def write_shard(path, shard_names):
    tmp = path + '.tmp'
    with tarfile.open(tmp, 'w', format=tarfile.PAX_FORMAT) as tf:
        for name in shard_names:
            ti = tf.gettarinfo(os.path.join(members_dir, name), arcname=name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 0, 0, 0, '', ''
            with open(os.path.join(members_dir, name), 'rb') as f:
                tf.addfile(ti, f)
    os.replace(tmp, path)

per_sample = 5
for s in range(0, samples, per_shard):
    write_shard(os.path.join(out, f'py-{s // per_shard:06d}.tar'), names[s * per_sample:(s + per_shard) * per_sample])
for fmt in ('gnu', 'pax'):
    extra = ['--pax-option=delete=atime,delete=ctime'] if fmt == 'pax' else []
    subprocess.run(['tar', f'--format={fmt}', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', *extra,
                    '-cf', os.path.join(out, f'gnutar-{fmt}.tar'), '-C', members_dir, *names], check=True)
