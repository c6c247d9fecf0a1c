#!/usr/bin/env python3
"""Builds ShapeNet's word-language data set from Debian's word lists (Python 3 standard library only).

    python3 data/word-language/make_word_language.py            # reads /usr/share/dict, writes next to this script
    python3 data/word-language/make_word_language.py --check    # rebuilds in memory and compares with the files

Every step, in order (README.md beside this script repeats them with the figures):

1. Read each language's list (one word a line) from /usr/share/dict in the file's own encoding (all UTF-8 except
   Debian's Swedish list, which is ISO-8859-1); decode strictly, so a stray byte stops the script.
2. Normalise each line to Unicode NFC (a composed "é", one code point) and strip the line end.
3. Keep a word only if every character is a letter (str.isalpha) and it has no upper-case letter (it equals its
   lower-casing): words with capitals (proper names, acronyms, German nouns) are dropped, not lower-cased, so that
   "Essen" does not turn into a second "essen"; words with apostrophes, hyphens, dots, digits or spaces are dropped.
4. Keep 3 to 14 characters (code points after NFC).
5. Remove duplicates within a list, then drop every word that survives in more than one language's list
   (e.g. "hotel", "radio"): such a word has no single right answer, so it is in no language.
6. Sort each language's remaining words (code-point order) and draw 2,500 with random.Random(SEED).sample.
7. Split each language's 2,500 in draw order: the first 2,000 train, the last 500 test (a fixed, stratified 80/20).
8. Shuffle each split's 20,000 / 5,000 rows with random.Random(SEED + 1) / (SEED + 2) and write
   "word<TAB>language" lines, UTF-8, LF, no header.
9. alphabet.txt: every character of either split, in code-point order, one per line; the loader gives character
   i (0-based line) the token id i + 1, and id 0 is padding.
"""
import hashlib
import random
import sys
import unicodedata
from pathlib import Path

SEED = 13
PER_LANGUAGE = 2500
TRAIN_PER_LANGUAGE = 2000
MIN_LENGTH, MAX_LENGTH = 3, 14

# (language, Debian package, file under /usr/share/dict, encoding); the order is the class index.
LANGUAGES = [
    ("english", "wamerican", "american-english", "utf-8"),
    ("german", "wngerman", "ngerman", "utf-8"),
    ("french", "wfrench", "french", "utf-8"),
    ("italian", "witalian", "italian", "utf-8"),
    ("spanish", "wspanish", "spanish", "utf-8"),
    ("portuguese", "wportuguese", "portuguese", "utf-8"),
    ("dutch", "wdutch", "dutch", "utf-8"),
    ("polish", "wpolish", "polish", "utf-8"),
    ("swedish", "wswedish", "swedish", "iso-8859-1"),
    ("danish", "wdanish", "danish", "utf-8"),
]

HERE = Path(__file__).resolve().parent
DICT = Path("/usr/share/dict")


def candidates(path, encoding, stats):
    words = set()
    with open(path, encoding=encoding, errors="strict", newline="") as f:
        for line in f:
            stats["lines"] += 1
            word = unicodedata.normalize("NFC", line.rstrip("\r\n"))
            if not word.isalpha():
                stats["non-letter"] += 1
                continue
            if word != word.lower():
                stats["capitals"] += 1
                continue
            if not MIN_LENGTH <= len(word) <= MAX_LENGTH:
                stats["length"] += 1
                continue
            words.add(word)
    return words


def build():
    per_language, stats = {}, {}
    for language, _, file, encoding in LANGUAGES:
        s = {"lines": 0, "non-letter": 0, "capitals": 0, "length": 0}
        per_language[language] = candidates(DICT / file, encoding, s)
        s["kept"] = len(per_language[language])
        stats[language] = s
    seen = {}
    for language, words in per_language.items():
        for w in words:
            seen[w] = seen.get(w, 0) + 1
    shared = {w for w, n in seen.items() if n > 1}
    train, test = [], []
    for language, _, _, _ in LANGUAGES:
        unique = sorted(per_language[language] - shared)
        stats[language]["shared"] = stats[language]["kept"] - len(unique)
        stats[language]["pool"] = len(unique)
        drawn = random.Random(SEED).sample(unique, PER_LANGUAGE)
        train += [(w, language) for w in drawn[:TRAIN_PER_LANGUAGE]]
        test += [(w, language) for w in drawn[TRAIN_PER_LANGUAGE:]]
    random.Random(SEED + 1).shuffle(train)
    random.Random(SEED + 2).shuffle(test)
    text = lambda rows: "".join(f"{w}\t{l}\n" for w, l in rows).encode("utf-8")
    alphabet = sorted({c for w, _ in train + test for c in w})
    files = {
        "train.tsv": text(train),
        "test.tsv": text(test),
        "alphabet.txt": "".join(c + "\n" for c in alphabet).encode("utf-8"),
    }
    return files, stats, len(shared)


def main():
    files, stats, shared = build()
    check = "--check" in sys.argv[1:]
    for name, data in files.items():
        path = HERE / name
        digest = hashlib.sha256(data).hexdigest()
        if check:
            same = path.exists() and path.read_bytes() == data
            print(f"{name}: {'identical' if same else 'DIFFERS'} sha256 {digest}")
            if not same:
                sys.exit(1)
        else:
            path.write_bytes(data)
            print(f"{name}: {len(data)} bytes, sha256 {digest}")
    print(f"words in more than one language (dropped): {shared}")
    print("language    lines  non-letter  capitals  length  kept  shared  pool")
    for language, s in stats.items():
        print(f"{language:<10} {s['lines']:>8} {s['non-letter']:>8} {s['capitals']:>8} {s['length']:>8} "
              f"{s['kept']:>8} {s['shared']:>6} {s['pool']:>8}")


if __name__ == "__main__":
    main()
