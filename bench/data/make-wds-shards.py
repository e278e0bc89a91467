#!/usr/bin/python3
"""WebDataset tar shards of the ImageNet-like JPEG set, written as users write them (Python's
tarfile): sample img_<i> holds img_<i>.jpg (the file's bytes) and img_<i>.cls (i % 10).

    /usr/bin/python3 bench/data/make-wds-shards.py JPEG_DIR N OUT_DIR PER_SHARD

Writes OUT_DIR/shard-000000.tar ... atomically (each renamed into place when complete).
"""
import io, os, sys, tarfile

src, n, out, per_shard = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
os.makedirs(out, exist_ok=True)
for s in range(0, n, per_shard):
    path = os.path.join(out, f"shard-{s // per_shard:06d}.tar")
    with tarfile.open(path + ".tmp", "w") as tf:
        for i in range(s, min(n, s + per_shard)):
            tf.add(os.path.join(src, f"img_{i}.jpg"), arcname=f"img_{i:06d}.jpg")
            label = f"{i % 10}".encode()
            ti = tarfile.TarInfo(f"img_{i:06d}.cls")
            ti.size = len(label)
            tf.addfile(ti, io.BytesIO(label))
    os.replace(path + ".tmp", path)
    print(f"[make-wds-shards] {min(n, s + per_shard)}/{n} samples", file=sys.stderr, flush=True)
