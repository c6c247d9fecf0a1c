#!/usr/bin/env python3
"""Builds ShapeNet's shipped breast-cancer data (data/breast_cancer/*.csv.gz) from scikit-learn's copy.

Getting the source (Debian/Ubuntu; any scikit-learn install has the same file):

    apt-get install python3-sklearn
    python3 data/breast_cancer/make_tabular.py \
        /usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv [output-folder]

scikit-learn's breast_cancer.csv is the UCI Breast Cancer Wisconsin (Diagnostic) data set in
scikit-learn's own layout: its first line is not a header but "569,30,malignant,benign" (the number of
samples, the number of features, then the class names for target 0 and 1); each further line holds the 30
features and the target (0 = malignant, 1 = benign). The feature names are not in the file; scikit-learn's
load_breast_cancer() supplies them, and they are copied below. This script:

1. checks the first line and reads the 569 samples, keeping every number's text exactly as written
   (no float round trip), and checks every target is 0 or 1;
2. splits them 455/114 (round(0.8 * 569) = 455 training samples), stratified by class and seeded: the
   training split gets round(455 * 212 / 569) = 170 of the 212 malignant samples and the other 285 from
   the 357 benign ones; the sample indices are shuffled with random.Random(0).shuffle, and walking that
   order, a sample goes to the training split while its class is below its quota, otherwise to the test
   split (so malignant 170/42, benign 285/72); each split keeps the shuffled order;
3. writes, with a header of the feature names followed by "target":
   train.csv.gz / test.csv.gz    all 30 features;
   train8.csv.gz / test8.csv.gz  the first 8 "mean" features (see README.md for why these 8);
   gzip-compressed with mtime 0 and no file name in the header, so re-running gives byte-identical files.

Only the Python standard library is used.
"""

import gzip
import io
import os
import random
import sys

FEATURE_NAMES = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry", "mean fractal dimension",
    "radius error", "texture error", "perimeter error", "area error", "smoothness error",
    "compactness error", "concavity error", "concave points error", "symmetry error", "fractal dimension error",
    "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness",
    "worst compactness", "worst concavity", "worst concave points", "worst symmetry", "worst fractal dimension",
]
SAMPLES = 569
FEATURES_8 = 8
TRAIN_FRACTION = 0.8
SPLIT_SEED = 0


def read_samples(path):
    """Returns a list of (feature texts, target text) in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    header = lines[0].split(",")
    if header != [str(SAMPLES), str(len(FEATURE_NAMES)), "malignant", "benign"]:
        sys.exit(f"{path} line 1: expected scikit-learn's '569,30,malignant,benign', found {lines[0]!r}")
    samples = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = line.split(",")
        if len(fields) != len(FEATURE_NAMES) + 1:
            sys.exit(f"{path} line {number}: expected {len(FEATURE_NAMES) + 1} fields, found {len(fields)}")
        for text in fields[:-1]:
            float(text)  # fails loudly on anything that is not a number
        if fields[-1] not in ("0", "1"):
            sys.exit(f"{path} line {number}: the target must be 0 or 1, found {fields[-1]!r}")
        samples.append((fields[:-1], fields[-1]))
    if len(samples) != SAMPLES:
        sys.exit(f"{path}: expected {SAMPLES} samples, found {len(samples)}")
    return samples


def stratified_split(samples):
    order = list(range(len(samples)))
    random.Random(SPLIT_SEED).shuffle(order)
    train_count = round(TRAIN_FRACTION * len(samples))  # 455
    malignant = sum(1 for _, t in samples if t == "0")
    quota = {"0": round(train_count * malignant / len(samples))}  # 170
    quota["1"] = train_count - quota["0"]  # 285
    taken = {c: 0 for c in quota}
    train, test = [], []
    for i in order:
        c = samples[i][1]
        if taken[c] < quota[c]:
            taken[c] += 1
            train.append(i)
        else:
            test.append(i)
    return train, test


def write_csv_gz(path, names, rows):
    text = io.StringIO()
    text.write(",".join(names + ["target"]) + "\n")
    for features, target in rows:
        text.write(",".join(features + [target]) + "\n")
    # mtime=0 and an empty header file name keep the output byte-identical across runs and machines.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.getvalue().encode("ascii"))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    output_folder = sys.argv[2] if len(sys.argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    samples = read_samples(sys.argv[1])
    train, test = stratified_split(samples)
    os.makedirs(output_folder, exist_ok=True)
    for split, indices in (("train", train), ("test", test)):
        rows = [samples[i] for i in indices]
        write_csv_gz(os.path.join(output_folder, f"{split}.csv.gz"), FEATURE_NAMES, rows)
        write_csv_gz(os.path.join(output_folder, f"{split}{FEATURES_8}.csv.gz"), FEATURE_NAMES[:FEATURES_8],
                     [(f[:FEATURES_8], t) for f, t in rows])
        benign = sum(1 for _, t in rows if t == "1")
        print(f"{split}: {len(rows)} samples, {len(rows) - benign} malignant (0), {benign} benign (1), "
              f"majority (benign) rate {benign / len(rows):.4f}, first target {rows[0][1]}")


if __name__ == "__main__":
    main()
