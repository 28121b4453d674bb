"""Deploy progress: one updating line with the elapsed time on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from sfconnect.cli._progress import DeployProgress
from sfconnect.org.metadata_api import DeployStatus


def _status(state: str, done: int) -> DeployStatus:
    return DeployStatus(
        id="0Af1",
        done=False,
        status=state,
        success=False,
        number_components_total=5,
        number_components_deployed=done,
    )


def test_on_a_terminal_one_line_is_rewritten_with_the_elapsed_time() -> None:
    stream, now = io.StringIO(), iter([0.0, 1.0, 2.0, 3.0])
    progress = DeployProgress(stream, tty=True, clock=lambda: next(now))
    progress(_status("InProgress", 1))
    progress(_status("InProgress", 1))
    progress(_status("Succeeded", 5))
    progress.close()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, ended once
    assert text.count("\r\x1b[K") == 3
    assert "(1/5 components), 1s elapsed" in text and "Succeeded (5/5 components), 3s elapsed" in text


def test_elsewhere_plain_lines_only_when_the_state_changes() -> None:
    stream, now = io.StringIO(), iter([0.0, 1.0, 2.0, 3.0])
    progress = DeployProgress(stream, tty=False, clock=lambda: next(now))
    progress(_status("InProgress", 1))
    progress(_status("InProgress", 1))
    progress(_status("Succeeded", 5))
    progress.close()
    assert stream.getvalue().splitlines() == [
        "  deploy 0Af1: InProgress (1/5 components), 1s elapsed",
        "  deploy 0Af1: Succeeded (5/5 components), 3s elapsed",
    ]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
