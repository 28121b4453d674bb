"""Seeding a new local org: its settings, profiles, permission sets, users and apps, written in one transaction.

The parts of the org (identity, credentials, metadata) own their tables afterwards; a seed only fills them once,
when the org's file is new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfconnect.localorg._credentials import Credentials, has_oauth, pop_credentials
from sfconnect.localorg._private import hash_password, save_passwords
from sfconnect.localorg._records import missing_required, validate_record
from sfconnect.localorg._seed import Seed
from sfconnect.localorg._store import ComponentRow, UserRow
from sfconnect.localorg.migration import set_app_extras

if TYPE_CHECKING:
    from sfconnect.localorg._models import LocalOrg

__all__ = ["apply_seed"]


def apply_seed(org: LocalOrg, seed: Seed) -> str:
    """Write a new org as `seed` describes it, in one transaction; returns the new org's id.

    Users get hashed passwords in the database and their plain passwords in `passwords.json` (0600); apps get
    their consumer credentials (the seed's, else new ones).

    Raises:
        ValueError: a user naming an unknown profile or permission set, an app missing required fields.
    """
    org_id = org.ids.new_id("00D")
    now = org.clock()
    with org.store.transaction():
        org.store.add_org(org_id, seed.org_name, now, {"username_domain": seed.username_domain})
        for key, value in seed.settings.items():
            org.store.set_setting(org_id, key, value)
        for name in seed.profiles:
            org.store.add_profile(org_id, org.ids.new_id("00e"), name)
        for name in seed.permission_sets:
            org.store.add_permission_set(org_id, org.ids.new_id("0PS"), name)
        profiles = org.store.profiles(org_id)
        permsets = org.store.permission_sets(org_id)
        admin_id = ""
        passwords: dict[str, str] = {}
        for u in seed.users:
            if u.profile not in profiles:
                raise ValueError(f"seed user {u.username}: unknown profile {u.profile!r}")
            unknown = [p for p in u.permission_sets if p not in permsets]
            if unknown:
                raise ValueError(f"seed user {u.username}: unknown permission sets {unknown}")
            user_id = org.ids.new_id("005")
            admin_id = admin_id or (user_id if u.role == "admin" else "")
            passwords[u.username] = u.password or org.ids.token(20)
            org.store.add_user(
                UserRow(
                    org_id,
                    user_id,
                    u.username,
                    hash_password(passwords[u.username]),
                    {
                        "profile": u.profile,
                        "permission_sets": list(u.permission_sets),
                        "api_only": u.api_only,
                        "first_name": u.first_name,
                        "last_name": u.last_name,
                        "email": u.email or u.username,
                        "role": u.role,
                        "is_active": True,
                        "modify_metadata": (
                            u.modify_metadata
                            if u.modify_metadata is not None
                            else u.profile == "System Administrator"
                        ),
                        "eca_developer": (
                            u.eca_developer
                            if u.eca_developer is not None
                            else u.profile == "System Administrator"
                        ),
                        "view_client_secret": (
                            u.view_client_secret
                            if u.view_client_secret is not None
                            else u.profile == "System Administrator"
                        ),
                    },
                )
            )
        org.store.set_meta("admin_user_id", admin_id)
        # written before the seed commits: a crash in between re-seeds and rewrites it
        save_passwords(org.db_path.parent, passwords)
        for app in seed.apps:
            info = org.metadata.check_type(app.type)
            record = validate_record(org.schema, app.type, app.record)
            record.pop("fullName", None)
            seed_key, seed_secret = pop_credentials(app.type, record)
            missing = missing_required(org.schema, app.type, record)
            if missing:
                raise ValueError(f"seed app {app.full_name}: missing required fields {missing}")
            org.store.put_component(
                ComponentRow(
                    org_id,
                    app.type,
                    app.full_name,
                    org.ids.new_id(info.id_prefix),
                    record,
                    now,
                    admin_id,
                    now,
                    admin_id,
                )
            )
            if app.extras:
                set_app_extras(org, app.full_name, app.extras)
            if app.device_flow and app.type == "ConnectedApp":
                names = list(org.store.settings(org_id).get("connected_app_device_flow") or [])
                org.store.set_setting(org_id, "connected_app_device_flow", [*names, app.full_name])
            if has_oauth(app.type, record):
                org.store.set_credentials(
                    org_id,
                    *Credentials.owner(app.type, app.full_name, record),
                    app.consumer_key or seed_key or org.credentials.new_consumer_key(),
                    app.consumer_secret or seed_secret or org.credentials.new_consumer_secret(),
                )
    return org_id
