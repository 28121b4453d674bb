"""Cold start of the commands people run most, against a baseline measured in the same run.

Run: ``python -m bench.bench_cold [--repeat 7] [--apps 1000] [--json]``

Each figure is the wall time of a fresh process (``python -m sfconnect ...``), the best of `--repeat` runs,
the runs of all commands interleaved so that load from other work falls on each alike (a first, unmeasured
run of each compiles the bytecode, as installing does; see `_env`):

- baseline: ``python -c 'import simple_salesforce'`` (Python starting and importing simple-salesforce);
- ``--help``;
- ``validate`` of examples/quickstart;
- ``plan`` of examples/quickstart against its embedded org, served by a separate process started here
  (``python -m sfconnect.localorg``, as a command would start it), so each plan attaches, logs in, lists and
  reads over HTTPS;
- ``validate`` of a generated project of `--apps` External Client Apps (absolute).

Targets (issue 21): plan at most 0.5 s more than the baseline, ``--help`` within 0.6x the baseline,
``validate`` of 1,000 apps under 1 s. The load average is printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart"

PLAN_OVER_BASELINE = 0.5
"""Seconds a cold plan may take beyond the baseline."""
HELP_RATIO = 0.6
"""``--help`` within this fraction of the baseline."""
VALIDATE_LIMIT = 1.0
"""Seconds for validating the generated project."""

APP = """  - kind: ExternalClientApp
    name: Bench_App_{i:04d}
    label: Bench App {i}
    contact: {{email: bench@example.com}}
    oauth:
      callback_urls: [https://bench.example.com/{i}/callback]
      scopes: [api, refresh_token]
"""


PYCACHE = Path(tempfile.gettempdir()) / "sfconnect-bench-cold-pycache"


def _env() -> dict[str, str]:
    """This checkout's sfconnect first on the path, as the measured commands and the server see it.

    Bytecode is cached (under `PYCACHE`, not in the checkout) even where ``PYTHONDONTWRITEBYTECODE`` is set:
    an installed sfconnect has its bytecode compiled, as simple-salesforce has, so a cold start is a new
    process, not a first compile.
    """
    inherited = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), inherited) if p)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def _time(args: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `args`; exits with its output when it fails (a
    failed run is no figure)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):  # 2: plan found changes
        sys.exit(
            f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout.decode()}{done.stderr.decode()}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _sfconnect(*args: str) -> list[str]:
    return [sys.executable, "-m", "sfconnect", *args]


def _big_project(directory: Path, apps: int) -> Path:
    """A project of `apps` External Client Apps in one file (no target)."""
    (directory / "apps").mkdir(parents=True)
    (directory / "sfconnect.yaml").write_text(
        'api_version: "63.0"\napps:\n  - apps/*.yaml\n', encoding="utf-8"
    )
    body = "apps:\n" + "".join(APP.format(i=i) for i in range(apps))
    (directory / "apps" / "apps.yaml").write_text(body, encoding="utf-8")
    return directory


def _serve(project: Path) -> subprocess.Popen[bytes]:
    """The quickstart's embedded org, served by a child process until the bench ends."""
    from sfconnect.localorg import find_running, local_org_dir

    data_dir = local_org_dir(project, "default")
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "sfconnect.localorg", "--data-dir", str(data_dir), "--idle-seconds", "3600"]
    args += ["--seed", str(project / "localorg-seed.yaml")]
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = find_running(data_dir)
        if info is not None and info.pid == proc.pid:
            return proc
        if proc.poll() is not None:
            sys.exit("the local org server exited before serving")
        time.sleep(0.05)
    proc.terminate()
    sys.exit("the local org server did not start within 60 s")


def measure(repeat: int, apps: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall time and best CPU time of each case, in seconds."""
    with tempfile.TemporaryDirectory(prefix="sfconnect-bench-cold-") as tmp:
        project = Path(tmp) / "quickstart"
        shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns(".sfconnect", "certs"))
        _time(_sfconnect("keygen", "-C", str(project)), project)
        big = _big_project(Path(tmp) / "big", apps)
        server = _serve(project)
        try:
            cases = {
                "baseline": [sys.executable, "-c", "import simple_salesforce"],
                "help": _sfconnect("--help"),
                "validate": _sfconnect("validate", "-C", str(project)),
                "plan": _sfconnect("plan", "-C", str(project)),
                "validate_big": _sfconnect("validate", "-C", str(big)),
            }
            for args in cases.values():  # warm the file cache and the bytecode
                _time(args, project)
            best = dict.fromkeys(cases, float("inf"))
            cpu = dict.fromkeys(cases, float("inf"))
            for _ in range(repeat):
                for name, args in cases.items():
                    wall, used = _time(args, project)
                    best[name] = min(best[name], wall)
                    cpu[name] = min(cpu[name], used)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return best, cpu


def report(best: dict[str, float], cpu: dict[str, float], repeat: int, apps: int) -> list[str]:
    """The printed lines: each figure, its ratio to the baseline, and whether its target holds (on wall time;
    CPU time is shown beside it, a steadier figure on a loaded machine)."""
    base = best["baseline"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    checks = {
        "help": best["help"] <= HELP_RATIO * base,
        "plan": best["plan"] <= base + PLAN_OVER_BASELINE,
        "validate_big": best["validate_big"] < VALIDATE_LIMIT,
    }
    targets = {
        "help": f"<= {HELP_RATIO}x baseline",
        "plan": f"<= baseline + {PLAN_OVER_BASELINE} s",
        "validate_big": f"< {VALIDATE_LIMIT} s",
    }
    labels = {
        "baseline": "import simple_salesforce",
        "help": "sfconnect --help",
        "validate": "sfconnect validate (quickstart)",
        "plan": "sfconnect plan (quickstart, served org)",
        "validate_big": f"sfconnect validate ({apps:,} apps)",
    }
    lines = [
        f"cold start, best of {repeat} (load average {load}, {os.cpu_count()} cores)",
        f"  {'':<42} {'wall':>8}  {'':>14}  {'cpu':>7}",
    ]
    for name, seconds in best.items():
        line = f"  {labels[name]:<42} {seconds:6.3f} s  {seconds / base:5.2f}x baseline  {cpu[name]:5.3f} s"
        if name == "plan":
            line += f"  (+{seconds - base:.3f} s wall, +{cpu[name] - cpu['baseline']:.3f} s cpu)"
        if name in checks:
            line += f"  target {targets[name]}: {'met' if checks[name] else 'NOT met'}"
        lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command; the best counts")
    parser.add_argument("--apps", type=int, default=1000, help="apps in the generated project")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    ns = parser.parse_args(argv)
    best, cpu = measure(max(1, ns.repeat), ns.apps)
    if ns.json:
        print(json.dumps({"wall_seconds": best, "cpu_seconds": cpu, "loadavg": os.getloadavg()}, indent=2))
    else:
        print("\n".join(report(best, cpu, max(1, ns.repeat), ns.apps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
