"""Exports a small torchvision model (weights from a fixed seed; nothing is downloaded) to ONNX
with Debian's torch, and optionally runs torch itself on an input .npy for reference values.

  python3 scripts/export-onnx.py --model tiny|resnet18 --out model.onnx [--size 224]
                                 [--input x.npy --output torch_out.npy]
"""
import argparse

import numpy as np
import torch
import torchvision


class Tiny(torch.nn.Module):
    """Conv -> ReLU -> global average -> linear: enough to check a hand-off end to end."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


def build(name):
    if name == "tiny":
        return Tiny()
    if name == "resnet18":
        return torchvision.models.resnet18(weights=None, num_classes=10)
    raise SystemExit(f"unknown model {name!r}: tiny or resnet18")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="tiny")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input")
    p.add_argument("--output")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    model = build(a.model).eval()
    example = torch.zeros(1, 3, a.size, a.size)
    torch.onnx.export(model, example, a.out, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
    if a.input:
        x = torch.from_numpy(np.load(a.input).astype(np.float32))
        with torch.no_grad():
            np.save(a.output, model(x).numpy())


if __name__ == "__main__":
    main()
