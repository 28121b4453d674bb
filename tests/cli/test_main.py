"""Exit-code mapping of the root command."""

from __future__ import annotations

from sfconnect.cli.main import run


def test_help_exits_zero(capsys) -> None:
    assert run(["--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_usage_error_is_exit_one_not_two(capsys) -> None:
    assert run(["no-such-command"]) == 1
    assert "No such command" in capsys.readouterr().err
