#!/usr/bin/env python3
"""Cold start of a ShapeNet sample against TorchSharp: process start -> first finished training step, and size on disk.

Publishes bench/ColdStart/ShapeNetFirstStep (the MNIST MLP, one SGD step at batch 64) three ways -- framework-dependent
(JIT), ReadyToRun, NativeAOT -- and builds bench/ColdStart/TorchSharpFirstStep (the same step in libtorch 2.10), then
starts each program --runs times, interleaved in rotating order, and reports per variant:
  - wall ms from just before the process is spawned to the moment the program finished its first step
    (the program prints the wall clock then: CLOCK_REALTIME on both sides), median and min-max;
  - CPU ms of the whole process (user + system, from wait4) -- the work a cold start costs, which a loaded machine
    does not inflate the way it inflates wall time;
  - size: the files a deployment ships (symbols, .pdb/.dbg, and XML docs left out). Framework-dependent and
    ReadyToRun need the shared .NET runtime installed (not counted); NativeAOT is self-contained.
The file cache is warm (the programs were just built); nothing is dropped. The results replace the block between
<!-- cold-start --> and <!-- /cold-start --> in docs/performance.md (bench/TorchSharpCompare keeps that block).

Usage: python3 bench/ColdStart/coldstart.py [--runs N] [--no-build] [--output PATH|-]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PUBLISH = os.path.join(HERE, "bin", "publish")
SHIPPED_EXCLUDE = (".pdb", ".dbg", ".xml")
BEGIN, END = "<!-- cold-start -->", "<!-- /cold-start -->"


def run(command, **kw):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def build():
    project = os.path.join(HERE, "ShapeNetFirstStep", "ShapeNetFirstStep.csproj")
    for mode in ("jit", "r2r", "aot"):
        print(f"publishing ShapeNetFirstStep ({mode}) ...", flush=True)
        run(["dotnet", "publish", project, "-c", "Release", "-m:1", f"-p:ColdStartMode={mode}", "-o", os.path.join(PUBLISH, mode)])
    print("building TorchSharpFirstStep ...", flush=True)
    run(["dotnet", "build", os.path.join(HERE, "TorchSharpFirstStep", "TorchSharpFirstStep.csproj"), "-c", "Release", "-m:1"])


def shipped_bytes(folder):
    total = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(SHIPPED_EXCLUDE):
                total += os.path.getsize(os.path.join(directory, name))
    return total


def variants():
    torch_dir = os.path.join(HERE, "TorchSharpFirstStep", "bin", "Release", "net10.0")
    return [
        ("ShapeNet, framework-dependent (JIT)", os.path.join(PUBLISH, "jit", "ShapeNetFirstStep"), os.path.join(PUBLISH, "jit")),
        ("ShapeNet, ReadyToRun", os.path.join(PUBLISH, "r2r", "ShapeNetFirstStep"), os.path.join(PUBLISH, "r2r")),
        ("ShapeNet, NativeAOT", os.path.join(PUBLISH, "aot", "ShapeNetFirstStep"), os.path.join(PUBLISH, "aot")),
        ("TorchSharp 0.107.0 (libtorch 2.10), framework-dependent", os.path.join(torch_dir, "TorchSharpFirstStep"), torch_dir),
    ]


def start_once(executable):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    started = time.time_ns()
    process = subprocess.Popen([executable], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"{executable} failed ({process.returncode}): {out}{err}")
    match = re.search(r"first-step-unix-ns (\d+)", out)
    if not match:
        sys.exit(f"{executable} printed no first-step time: {out}{err}")
    simd = re.search(r"simd (\w+)", out)
    return (int(match.group(1)) - started) / 1e6, simd.group(1) if simd else None


def cpu_ms_of(executable):
    """user + system CPU of one run, from the kernel's accounting of the child."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(executable, [executable], env)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit(f"{executable} exited with status {status}")
    return (usage.ru_utime + usage.ru_stime) * 1000


def load():
    with open("/proc/loadavg") as f:
        return ", ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "performance.md"))
    args = parser.parse_args()
    if not args.no_build:
        build()
    found = variants()
    for name, executable, _ in found:
        if not os.access(executable, os.X_OK):
            sys.exit(f"{executable} is missing: run without --no-build")
    load_before = load()
    walls = {name: [] for name, _, _ in found}
    cpus = {name: [] for name, _, _ in found}
    simd = {}
    for r in range(args.runs):
        order = found[r % len(found):] + found[:r % len(found)]
        for name, executable, _ in order:
            wall, path = start_once(executable)
            walls[name].append(wall)
            simd[name] = path
            cpus[name].append(cpu_ms_of(executable))
        print(f"run {r + 1}/{args.runs} done, load average {load()}", flush=True)
    load_after = load()

    lines = [BEGIN, "## Cold start", "",
             "Process start to the first finished training step of the MNIST MLP (batch 64, SGD momentum 0.5), and what a",
             "deployment ships. Written by `python3 bench/ColdStart/coldstart.py` (see its docstring); the rest of this file",
             "leaves this section as it is.", "",
             f"- Machine: {cpu_model()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"load average {load_before} before, {load_after} after (shared machine: wall times are inflated by the load, "
             "CPU times much less).",
             f"- {args.runs} starts of each, interleaved in rotating order, warm file cache. Wall: spawn to the end of the first "
             "step (the program reads the clock then). CPU: user + system time of the whole process (a separate start of each).",
             "- Size: the published files without symbols (.pdb, .dbg) and XML docs. Framework-dependent and ReadyToRun also need "
             "the shared .NET 10 runtime on the machine (not counted); NativeAOT is one self-contained executable.", "",
             "| program | wall ms to first step (median, min–max) | CPU ms (median) | size | kernels |",
             "|---|---:|---:|---:|---|"]
    for name, _, folder in found:
        w = walls[name]
        size = shipped_bytes(folder)
        size_text = f"{size / 2**20:,.1f} MiB" if size >= 2**20 else f"{size / 2**10:,.0f} KiB"
        kernels = {"avx512": "AVX-512", "avx2": "AVX2", "baseline": "SSE (baseline)"}.get(simd.get(name), "MKL / oneDNN (own dispatch)")
        lines.append(f"| {name} | {statistics.median(w):,.0f} ({min(w):,.0f}–{max(w):,.0f}) | {statistics.median(cpus[name]):,.0f} | {size_text} | {kernels} |")
    lines += ["",
              "NativeAOT fixes the instruction set at publish time: this one is published for x86-64-v3 (AVX2 + FMA, any AVX2",
              "machine), so it runs ShapeNet's AVX2 kernels even here; `-p:ColdStartIsa=x86-64-v4` gives the AVX-512 path, and the",
              "default baseline (SSE) would leave ShapeNet on its portable `Vector<T>` kernels. JIT and ReadyToRun pick at run time.",
              END]
    block = "\n".join(lines) + "\n"
    print(block)
    if args.output == "-":
        return
    text = open(args.output).read() if os.path.exists(args.output) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END) + 1:]
    else:
        marker = "## Reproduce"
        text = text.replace(marker, block + "\n" + marker, 1) if marker in text else text + "\n" + block
    with open(args.output, "w") as f:
        f.write(text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
