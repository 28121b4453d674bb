"""Nothing a project ships is deserialised: planted cache files under `.sfconnect/` never run code."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

from sfconnect.localorg.wsdl import find_metadata_wsdl
from tests.conftest import REPO_ROOT


class _Payload:
    """Unpickling this writes a marker file: proof that code from the project ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('code ran')",))


def test_a_planted_pickle_and_cache_files_never_run(tmp_path: Path) -> None:
    root = tmp_path / "cloned"
    shutil.copytree(REPO_ROOT / "examples" / "existing-connected-app", root)
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    org_dir = root / ".sfconnect" / "localorg" / "existing"
    org_dir.mkdir(parents=True)
    digest = hashlib.sha256(find_metadata_wsdl().read_bytes()).hexdigest()
    # the names earlier versions read (predictable from the bundled WSDL), and any other plausible cache name
    for name in (
        f"wsdl-{digest[:16]}-v1.pickle",
        f"wsdl-{digest}.pickle",
        f"wsdl-{digest[:16]}-v2.pickle",
        "cache.pickle",
        "schema.pkl",
    ):
        (org_dir / name).write_bytes(payload)
        (root / ".sfconnect" / name).write_bytes(payload)
    # a server.json nobody serves (stale, so never trusted), and the other files the org writes: they are data
    for name in ("server.json", "passwords.json", "server.lock"):
        (org_dir / name).write_bytes(payload)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(REPO_ROOT)}

    result = subprocess.run(
        [sys.executable, "-m", "sfconnect", "plan", "-C", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Plan:" in result.stdout
    assert not marker.exists(), "a file shipped under .sfconnect/ was unpickled"
    assert "Traceback" not in result.stderr
