"""`credentials.service`: which apps a `credentials` command reads."""

from __future__ import annotations

from sfconnect.credentials.service import select_apps


def test_without_patterns_every_app_is_chosen_in_order() -> None:
    assert select_apps((), ["B", "A"]) == ["B", "A"]


def test_globs_choose_matching_apps_once_each_in_pattern_order() -> None:
    apps = ["Billing_Sync", "Billing_Ui", "Orders"]
    assert select_apps(["Orders", "Billing_*", "Billing_Sync"], apps) == [
        "Orders",
        "Billing_Sync",
        "Billing_Ui",
    ]


def test_a_name_the_project_does_not_know_is_kept_for_the_org_to_answer() -> None:
    assert select_apps(["Installed_App", "Nope*"], ["Orders"]) == ["Installed_App", "Nope*"]
