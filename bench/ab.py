#!/usr/bin/env python3
"""Interleaved A/B timing of whole commands, for changes smaller than the
drift of a shared machine: every round runs each command once, in turn, so
slow and fast periods hit all of them alike.

Usage: bench/ab.py ROUNDS 'command 1' 'command 2' ...
Prints the median, first quartile and minimum wall time of each command.
RUST_BACKTRACE is removed from the environment, as users have it.
"""
import os
import statistics
import subprocess
import sys
import time

rounds = int(sys.argv[1])
commands = sys.argv[2:]
env = dict(os.environ)
env.pop("RUST_BACKTRACE", None)
times = {c: [] for c in commands}


def run(command):
    subprocess.run(command, shell=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env, check=False)


for c in commands:  # warm-up
    run(c)
for _ in range(rounds):
    for c in commands:
        start = time.perf_counter()
        run(c)
        times[c].append((time.perf_counter() - start) * 1000)
for c in commands:
    v = sorted(times[c])
    print(f"median {statistics.median(v):7.1f} ms  p25 {v[len(v) // 4]:7.1f}  "
          f"min {v[0]:7.1f}  {c}")
