#!/usr/bin/env python3
"""The ratios of issue #20, measured in rounds: each round runs the anchor
once and secpack right after it, so a slow or fast period of a shared
machine hits both alike and the ratio of the round compares like with like.

Usage: bench/ratio.py WORKDIR NAME SECPACK [ROUNDS]

WORKDIR and NAME are those of bench/verify.sh, which makes them: the pack
WORKDIR/NAME, its pin WORKDIR/NAME.fpr, the gpg home WORKDIR/gnupg-NAME with
the pack's keys imported, and the lists WORKDIR/sigs-NAME.txt and
WORKDIR/clear-NAME.txt. Each round:

- the gpg loop: one `gpg --verify` per detached signature and per
  clear-signed file, against the prepared gpg home (the anchor of #20);
- secpack cold (`--no-cache`) and warm (cache filled by a first run): the
  median of 9 runs each;
- once per round, also `gpg --import` of every key file into an empty gpg
  home followed by the same loop: what a first verification costs with gpg,
  key checks included, as secpack's cold run includes them.

Prints each round and the median and lowest ratio over the rounds.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

work, name, binary = sys.argv[1:4]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
pack = f"{work}/{name}"
fpr = open(f"{work}/{name}.fpr").read().strip()
sigs = open(f"{work}/sigs-{name}.txt").read().split()
clear = open(f"{work}/clear-{name}.txt").read().split()
keys = sorted(
    os.path.join(d, f)
    for d, _, files in os.walk(f"{pack}/keys")
    for f in files
    if f.endswith(".asc")
)
env = dict(os.environ, SECPACK_NO_STATE="1")
env.pop("RUST_BACKTRACE", None)
quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def gpg_loop(home):
    e = dict(env, GNUPGHOME=home)
    start = time.perf_counter()
    for s in sigs:
        doc = s.rsplit(".sig.", 1)[0]
        subprocess.run(["gpg", "--batch", "-q", "--verify", s, doc], cwd=pack, env=e, **quiet)
    for d in clear:
        subprocess.run(["gpg", "--batch", "-q", "--verify", d], cwd=pack, env=e, **quiet)
    return time.perf_counter() - start


def gpg_first_run():
    home = tempfile.mkdtemp(prefix="secpack-ratio-gnupg-")
    try:
        os.chmod(home, 0o700)
        start = time.perf_counter()
        subprocess.run(["gpg", "--batch", "-q", "--import", *keys],
                       env=dict(env, GNUPGHOME=home), **quiet)
        return time.perf_counter() - start + gpg_loop(home)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=dict(env, GNUPGHOME=home), **quiet)
        shutil.rmtree(home, ignore_errors=True)


def secpack(extra, cache_home):
    e = dict(env, XDG_CACHE_HOME=cache_home)
    start = time.perf_counter()
    subprocess.run([binary, "verify", pack, "--master", fpr, "--json", *extra],
                   env=e, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


cache_home = tempfile.mkdtemp(prefix="secpack-ratio-cache-")
cold_r, warm_r, first_r = [], [], []
try:
    secpack([], cache_home)  # fills the cache the warm runs use
    for r in range(rounds):
        g = gpg_loop(f"{work}/gnupg-{name}")
        cold = statistics.median(secpack(["--no-cache"], cache_home) for _ in range(9))
        warm = statistics.median(secpack([], cache_home) for _ in range(9))
        first = gpg_first_run()
        cold_r.append(g / cold)
        warm_r.append(g / warm)
        first_r.append(first / cold)
        print(f"round {r + 1}: gpg loop {g * 1000:.0f} ms; secpack cold {cold * 1000:.1f} ms "
              f"({g / cold:.1f}x), warm {warm * 1000:.1f} ms ({g / warm:.1f}x); "
              f"gpg import + loop {first * 1000:.0f} ms ({first / cold:.1f}x cold)", flush=True)
finally:
    shutil.rmtree(cache_home, ignore_errors=True)
print(f"{name}, {rounds} rounds: cold median {statistics.median(cold_r):.1f}x "
      f"(lowest {min(cold_r):.1f}x), warm median {statistics.median(warm_r):.1f}x "
      f"(lowest {min(warm_r):.1f}x) the gpg loop; cold median "
      f"{statistics.median(first_r):.1f}x gpg import + loop")
