#!/usr/bin/env python3
"""Builds ShapeNet's shipped Fashion-MNIST subset (data/fashion_mnist/*.gz) from the official Fashion-MNIST files.

Getting the source: Debian's package dataset-fashion-mnist holds Zalando's four files unchanged in content:

    apt-get install dataset-fashion-mnist                                              # /usr/share/datasets/fashion-mnist
    python3 data/fashion_mnist/make_fashion_mnist.py /usr/share/datasets/fashion-mnist                 # the shipped subset
    python3 data/fashion_mnist/make_fashion_mnist.py /usr/share/datasets/fashion-mnist --full <folder> # all 60,000/10,000

Any folder with the four official files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz, from https://github.com/zalandoresearch/fashion-mnist) works: the script checks the SHA-256 of
each decompressed file against the official one before using it. This script:

1. reads the official training set (60,000 images, 6,000 per class) and test set (10,000, 1,000 per class);
2. takes a balanced subset of each: per class, the class's images in the official order are shuffled with one
   random.Random(0) shared by all (training classes 0-9 first, then test classes 0-9); the first 2,000 of each training
   class and the first 500 of each test class are kept. Test images come only from the official test set, so no shipped
   test image was ever a training image of Fashion-MNIST;
3. orders each subset by shuffling its (class, index) list with random.Random(1) (training) and random.Random(2) (test);
4. writes each split in the MNIST IDX format (images: magic 0x00000803, uint8 [n, 28, 28]; labels: magic 0x00000801,
   uint8 [n]; big-endian sizes), gzip-compressed with mtime 0 and no file name in the header, under the MNIST file
   names, so re-running gives byte-identical files; then SHA256SUMS for `sha256sum -c`.

With --full it writes the whole official split instead, in the official order (the decompressed files are then
byte-identical to the official ones).

Only the Python standard library is used.
"""

import gzip
import hashlib
import os
import random
import struct
import sys

SIDE = 28
PIXELS = SIDE * SIDE
CLASSES = 10
SUBSET_TRAIN_PER_CLASS = 2000
SUBSET_TEST_PER_CLASS = 500
LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
# SHA-256 of the decompressed files as Debian's dataset-fashion-mnist ships them (Debian recompressed the gzip files, so
# Zalando's MD5s of its gzip files do not apply; the decompressed labels match the files in Zalando's repository byte for
# byte, and the images have the published mean pixel, 0.2860 training and 0.2868 test).
OFFICIAL_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
OFFICIAL_COUNT = {"train": 60000, "t10k": 10000}


def read_official(folder, name):
    path = os.path.join(folder, name)
    with gzip.open(path, "rb") as f:
        payload = f.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != OFFICIAL_SHA256[name]:
        sys.exit(f"{path}: decompressed SHA-256 {digest} is not the official file's {OFFICIAL_SHA256[name]}")
    return payload


def read_split(folder, prefix):
    """Returns (images as bytes of PIXELS each, labels) of an official split, checked."""
    images = read_official(folder, f"{prefix}-images-idx3-ubyte.gz")
    labels = read_official(folder, f"{prefix}-labels-idx1-ubyte.gz")
    count = OFFICIAL_COUNT[prefix]
    assert struct.unpack(">IIII", images[:16]) == (0x00000803, count, SIDE, SIDE)
    assert struct.unpack(">II", labels[:8]) == (0x00000801, count)
    pixels, classes = images[16:], labels[8:]
    per_class = [classes.count(c) for c in range(CLASSES)]
    if per_class != [count // CLASSES] * CLASSES:
        sys.exit(f"{prefix}: class counts {per_class}, expected {count // CLASSES} each")
    return [pixels[i * PIXELS:(i + 1) * PIXELS] for i in range(count)], list(classes)


def balanced(labels, per_class, rng):
    """Per class in class order: the class's indices (official order) shuffled with rng, the first per_class kept."""
    chosen = []
    for label in range(CLASSES):
        indices = [i for i, y in enumerate(labels) if y == label]
        rng.shuffle(indices)
        chosen.extend(indices[:per_class])
    return chosen


def ordered(items, seed):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def write_gzip(path, payload):
    # mtime=0 and an empty header file name keep the output byte-identical across runs and machines.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def write_split(folder, prefix, images, labels, indices):
    image_header = struct.pack(">IIII", 0x00000803, len(indices), SIDE, SIDE)
    label_header = struct.pack(">II", 0x00000801, len(indices))
    payloads = {
        f"{prefix}-images-idx3-ubyte.gz": image_header + b"".join(images[i] for i in indices),
        f"{prefix}-labels-idx1-ubyte.gz": label_header + bytes(labels[i] for i in indices),
    }
    for name, payload in payloads.items():
        write_gzip(os.path.join(folder, name), payload)
        print(f"{name}: {len(indices):,} {'images' if 'images' in name else 'labels'}, "
              f"uncompressed SHA-256 {hashlib.sha256(payload).hexdigest()}")


def main():
    args = sys.argv[1:]
    full = "--full" in args
    args = [a for a in args if a != "--full"]
    if len(args) not in (1, 2) or (full and len(args) != 2):
        sys.exit(__doc__)
    source = args[0]
    output_folder = args[1] if len(args) == 2 else os.path.dirname(os.path.abspath(__file__))

    train_images, train_labels = read_split(source, "train")
    test_images, test_labels = read_split(source, "t10k")
    if full:
        train, test = list(range(len(train_labels))), list(range(len(test_labels)))
    else:
        rng = random.Random(0)
        train = ordered(balanced(train_labels, SUBSET_TRAIN_PER_CLASS, rng), seed=1)
        test = ordered(balanced(test_labels, SUBSET_TEST_PER_CLASS, rng), seed=2)

    kept_train = {train_images[i] for i in train}
    copies = sum(1 for i in test if test_images[i] in kept_train)
    print(f"{'full split' if full else 'subset'}: {len(train):,} training images, {len(test):,} test images "
          f"({len(train) // CLASSES:,} and {len(test) // CLASSES:,} per class); first training label {train_labels[train[0]]}, "
          f"first test label {test_labels[test[0]]}; {copies} test images have an exact copy among the training images")

    os.makedirs(output_folder, exist_ok=True)
    write_split(output_folder, "train", train_images, train_labels, train)
    write_split(output_folder, "t10k", test_images, test_labels, test)
    with open(os.path.join(output_folder, "SHA256SUMS"), "w", encoding="ascii", newline="\n") as sums:
        for name in FILES:
            with open(os.path.join(output_folder, name), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            sums.write(f"{digest}  {name}\n")
            print(f"{name}: {os.path.getsize(os.path.join(output_folder, name)):,} bytes, SHA-256 {digest}")


if __name__ == "__main__":
    main()
