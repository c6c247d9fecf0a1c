#!/usr/bin/env python3
"""Marks one symbol-version requirement of an ELF shared library weak (VER_FLG_WEAK in .gnu.version_r), in place.

TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so requires GLIBCXX_3.4.32, which
Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks: the dynamic loader then refuses the library. It names a
single symbol with that version (std::ios_base_library_init, a static-init hook it never calls), so a weak
requirement is enough: glibc's loader only reports a missing weak version and loads the library. The benchmark's
build runs this on its own copy of the library (bench/TorchSharpCompare/TorchSharpCompare.csproj), never on the
NuGet cache or the system.

Usage: weaken_version_need.py LIBRARY VERSION [VERSION...]
Exits 0 when every named version is (now) weak, 1 when one is not required by the library, 2 on a malformed ELF.
Run it twice and the second run changes nothing. `--self-test` checks it on a minimal ELF it builds in memory.
"""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


class ElfError(Exception):
    pass


def _sections(data):
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("only 64-bit little-endian ELF files are handled")
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, kind, _flags, _addr, offset, size, link, info, _align, _entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append((name, kind, offset, size, link, info))
    return sections


def weaken(data, versions):
    """Sets VER_FLG_WEAK on each Vernaux entry named in versions; returns {version: offsets changed or found}."""
    sections = _sections(data)
    found = {v: [] for v in versions}
    for _name, kind, offset, _size, link, info in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][2]
        entry = offset
        for _ in range(info):  # sh_info = number of Verneed entries
            _ver, cnt, _file, aux, nxt = struct.unpack_from("<HHIII", data, entry)
            aux_at = entry + aux
            for _ in range(cnt):
                _hash, flags, _other, name, aux_next = struct.unpack_from("<IHHII", data, aux_at)
                end = data.index(b"\0", strtab + name)
                label = data[strtab + name:end].decode("ascii")
                if label in found:
                    struct.pack_into("<H", data, aux_at + 4, flags | VER_FLG_WEAK)
                    found[label].append(aux_at + 4)
                if aux_next == 0:
                    break
                aux_at += aux_next
            if nxt == 0:
                break
            entry += nxt
    return found


def _minimal_elf():
    """An ELF64 header, a section table (null, .dynstr, .gnu.version_r) and one Verneed with two Vernaux."""
    strtab = b"\0libstdc++.so.6\0GLIBCXX_3.4\0GLIBCXX_3.4.32\0"
    verneed = struct.pack("<HHIII", 1, 2, 1, 16, 0)
    verneed += struct.pack("<IHHII", 0, 0, 2, strtab.index(b"GLIBCXX_3.4\0"), 16)
    verneed += struct.pack("<IHHII", 0, 0, 3, strtab.index(b"GLIBCXX_3.4.32"), 0)
    strtab_at, verneed_at = 64, 64 + len(strtab)
    shoff = verneed_at + len(verneed)
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, shoff)
    struct.pack_into("<HHH", header, 0x3A, 64, 3, 0)
    table = bytes(64)
    table += struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, strtab_at, len(strtab), 0, 0, 1, 0)
    table += struct.pack("<IIQQQQIIQQ", 0, SHT_GNU_VERNEED, 0, 0, verneed_at, len(verneed), 1, 1, 4, 0)
    return bytearray(header + strtab + verneed + table), verneed_at


def self_test():
    data, verneed_at = _minimal_elf()
    before = bytes(data)
    found = weaken(data, ["GLIBCXX_3.4.32"])
    flags_at = verneed_at + 16 + 16 + 4
    assert found == {"GLIBCXX_3.4.32": [flags_at]}, found
    changed = [i for i in range(len(data)) if data[i] != before[i]]
    assert changed == [flags_at], changed  # only the low byte of that one vna_flags
    assert struct.unpack_from("<H", data, flags_at)[0] == VER_FLG_WEAK
    assert struct.unpack_from("<H", data, verneed_at + 16 + 4)[0] == 0  # GLIBCXX_3.4 untouched
    again = bytearray(data)
    weaken(again, ["GLIBCXX_3.4.32"])
    assert again == data  # idempotent
    assert weaken(bytearray(before), ["GLIBCXX_9"]) == {"GLIBCXX_9": []}
    try:
        weaken(bytearray(b"not an elf" * 10), ["X"])
        raise AssertionError("a non-ELF input was accepted")
    except ElfError:
        pass
    print("weaken_version_need self-test: ok")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, versions = argv[1], argv[2:]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    try:
        found = weaken(data, versions)
    except (ElfError, struct.error, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    missing = [v for v, at in found.items() if not at]
    with open(path, "r+b") as f:
        f.write(data)
    for v, at in found.items():
        if at:
            print(f"{path}: {v} requirement marked weak")
    if missing:
        print(f"{path}: no requirement of {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
