"""Deploy and retrieve: mdapi zips in and out, asynchronous jobs, one deploy at a time per org.

Part of the models layer: `Deployments(org)` keeps the jobs in the org's SQLite file and applies every rule
of the CRUD calls (WSDL validity, Connected App creation, consumer keys, the consumer-secret setting) to
what a deploy contains. Jobs advance lazily, by the injected clock: a deploy that takes N seconds (fault
injection) is done at the first status check N seconds after it started; deploys queue behind each other.
Results are plain dicts shaped like the WSDL's `DeployResult`/`RetrieveResult`, rendered by `responses.py`
as SOAP or as REST JSON.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sfconnect.localorg import _versions as versions
from sfconnect.localorg._exceptions import InvalidId, LocalOrgFault, SoapClientFault
from sfconnect.localorg._records import Record, parse_value, render_record
from sfconnect.localorg._store import ComponentRow, JobRow
from sfconnect.localorg._xml import Node, XmlError, local_name, parse_xml, serialize_pretty
from sfconnect.localorg.wsdl import MD_NS

if TYPE_CHECKING:
    from sfconnect.localorg._models import LocalOrg, User

__all__ = ["DeployOptions", "Deployments", "InvalidId"]

MAX_ZIP_BYTES = 39 * 1024 * 1024
MAX_UNZIPPED_BYTES = 600 * 1024 * 1024
MAX_FILES = 10_000
QUICK_DEPLOY_SECONDS = 10 * 86400
"""A validation can be quick-deployed for 10 days (Metadata API Developer Guide, deployRecentValidation())."""
_DONE = ("Succeeded", "SucceededPartial", "Failed", "Canceled")
_DESTRUCTIVE_PRE = ("destructiveChanges.xml", "destructiveChangesPre.xml")
_DESTRUCTIVE_POST = ("destructiveChangesPost.xml",)


@dataclass(frozen=True)
class DeployOptions:
    """The `DeployOptions` the local org honours (others are accepted and ignored)."""

    check_only: bool = False
    rollback_on_error: bool = True
    ignore_warnings: bool = False
    single_package: bool = False
    purge_on_delete: bool = False

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> DeployOptions:
        """From SOAP (`"true"` strings, already checked against the WSDL) or REST JSON (booleans)."""

        def flag(name: str, default: bool) -> bool:
            value = values.get(name)
            if value is None:
                return default
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("true", "1")

        return cls(
            check_only=flag("checkOnly", False),
            rollback_on_error=flag("rollbackOnError", True),
            ignore_warnings=flag("ignoreWarnings", False),
            single_package=flag("singlePackage", False),
            purge_on_delete=flag("purgeOnDelete", False),
        )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


class _Rollback(Exception):
    pass


_LINE_COLUMN_RE = re.compile(r"line (\d+), column (\d+)")
_ELEMENT_RE = re.compile(
    r"Element \{[^}]*\}(\w+) (?:invalid|is duplicated)|element (\w+) in type|value '([^']*)'"
)


def _package_version(data: bytes) -> float | None:
    """The `<version>` of a package.xml (the API version its files are read at), or None."""
    try:
        root = parse_xml(data)
    except XmlError:
        return None
    for child in root:
        if isinstance(child.tag, str) and local_name(child.tag) == "version":
            return versions.parse_version(child.text)
    return None


def _xml_position(exc: XmlError) -> tuple[int | None, int | None]:
    """Line and column (1-based) of a well-formedness error."""
    cause = exc.__cause__
    position = getattr(cause, "position", None)
    if isinstance(position, tuple) and len(position) == 2:
        return int(position[0]), int(position[1]) + 1
    m = _LINE_COLUMN_RE.search(str(exc))
    return (int(m.group(1)), int(m.group(2)) + 1) if m else (None, None)


def _element_position(data: bytes, message: str) -> tuple[int | None, int | None]:
    """Where a schema error points in the file: the first occurrence of the element (or value) it names."""
    m = _ELEMENT_RE.search(message)
    if m is None:
        return 1, 1
    text = data.decode("utf-8", "replace")
    name, value = m.group(1) or m.group(2), m.group(3)
    found = -1
    if name:
        hit = re.search(rf"<(?:\w+:)?{re.escape(name)}[\s/>]", text)
        found = hit.start() if hit else -1
    elif value is not None:
        found = text.find(f">{value}<")
        found = found + 1 if found >= 0 else -1
    if found < 0:
        return 1, 1
    line = text.count("\n", 0, found) + 1
    return line, found - (text.rfind("\n", 0, found) + 1) + 1


@dataclass
class _Component:
    type: str
    name: str
    file_name: str
    record: Record | None = None
    problem: str | None = None
    line: int | None = None
    column: int | None = None


class Deployments:
    """Deploy and retrieve jobs of one `LocalOrg`."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self._lock = threading.Lock()

    # deploy ---------------------------------------------------------------------------------------------
    def start_deploy(
        self,
        zip_bytes: bytes,
        options: DeployOptions,
        user: User,
        seconds: float = 0.0,
        *,
        validated_id: str | None = None,
        api_version: float | None = None,
    ) -> JobRow:
        """Queue a deploy; it completes `seconds` after it reaches the front of the queue."""
        if len(zip_bytes) > MAX_ZIP_BYTES:
            raise LocalOrgFault("EXCEEDED_MAX_SIZE_REQUEST", "The zip file exceeds the 39 MB limit")
        org = self.org
        now = org.clock()
        job = JobRow(
            org.org_id,
            org.ids.new_id("0Af"),
            "deploy",
            org.store.next_job_seq(org.org_id),
            "Pending",
            now,
            user.id,
            now,
            {
                "options": {
                    "checkOnly": options.check_only,
                    "rollbackOnError": options.rollback_on_error,
                    "ignoreWarnings": options.ignore_warnings,
                    "singlePackage": options.single_package,
                    "purgeOnDelete": options.purge_on_delete,
                },
                "seconds": seconds,
                **({"validated_id": validated_id} if validated_id else {}),
                **({"api_version": api_version} if api_version else {}),
            },
            zip_bytes,
            {},
        )
        org.store.add_job(job)
        return job

    def advance(self) -> None:
        """Run every queued deploy whose time has come, one after the other."""
        org = self.org
        with self._lock:
            now = org.clock()
            previous_end = 0.0
            for job in org.store.pending_jobs(org.org_id, "deploy"):
                if job.status == "Canceling":
                    org.store.finish_job(
                        org.org_id, job.id, "Canceled", self._base_result(job, "Canceled", now)
                    )
                    continue
                start = max(job.created, previous_end, float(job.result.get("started", 0.0)))
                end = start + float(job.request.get("seconds", 0.0))
                if now < start:
                    break
                if now < end:
                    if job.status != "InProgress":
                        org.store.finish_job(org.org_id, job.id, "InProgress", {"started": start})
                    break
                # the deploy's changes and its final status commit together: a crash leaves it done or
                # undone, never done but still queued (which would run it again on restart)
                with org.store.transaction():
                    result = self._execute(job, start, end)
                    validated = (
                        bool(job.request.get("options", {}).get("checkOnly"))
                        and result["status"] == "Succeeded"
                    )
                    org.store.finish_job(
                        org.org_id, job.id, str(result["status"]), result, keep_payload=validated
                    )
                previous_end = end

    def deploy_result(self, job_id: str, include_details: bool) -> dict[str, Any]:
        """The `DeployResult` of a deploy (after advancing the queue)."""
        self.advance()
        job = self._job(job_id, "deploy")
        if job.status in _DONE:
            result = dict(job.result)
            if not include_details:
                result["details"] = {"componentFailures": result["details"]["componentFailures"]}
            return result
        return self._base_result(job, job.status, job.created)

    def queued_result(self, job: JobRow) -> dict[str, Any]:
        """The `DeployResult` of a deploy just queued (what the REST resource answers on creation)."""
        return self._base_result(job, job.status, job.created)

    def cancel(self, job_id: str) -> dict[str, Any]:
        """`cancelDeploy`: a deploy still in the queue is canceled at once (`done=true`); a running one goes
        to `Canceling` (`done=false`) and is `Canceled` at the next status check; a finished one cannot be."""
        self.advance()
        job = self._job(job_id, "deploy")
        if job.status in _DONE:
            raise InvalidId("Deployment already completed")
        if job.status == "Pending":
            now = self.org.clock()
            self.org.store.finish_job(
                self.org.org_id, job.id, "Canceled", self._base_result(job, "Canceled", now)
            )
            return {"done": True, "id": job.id}
        self.org.store.finish_job(self.org.org_id, job.id, "Canceling", dict(job.result))
        return {"done": False, "id": job.id}

    def current_result(self, job_id: str) -> dict[str, Any]:
        """The `DeployResult` as it stands, without running the queue (e.g. `Canceling` right after a cancel)."""
        job = self._job(job_id, "deploy")
        if job.status in _DONE:
            return dict(job.result)
        return self._base_result(job, job.status, job.created)

    def deploy_recent_validation(self, validation_id: str, user: User) -> JobRow:
        """`deployRecentValidation` (quick deploy): deploy the zip of a successful validation, once.

        Raises:
            InvalidId: no such deploy, not a validation (`checkOnly`), not succeeded, or already used.
        """
        self.advance()
        job = self._job(validation_id, "deploy")
        options = dict(job.request.get("options", {}))
        if not options.get("checkOnly") or job.status != "Succeeded":
            raise InvalidId(
                f"The validation {job.id} can't be deployed: only a validation (checkOnly) that succeeded can "
                "be quick-deployed."
            )
        if job.request.get("quick_deployed"):
            raise InvalidId(f"The validation {job.id} has already been deployed.")
        now = self.org.clock()
        if now - job.created > QUICK_DEPLOY_SECONDS:
            raise InvalidId(f"The validation {job.id} has expired: quick deploy works for 10 days.")
        self.org.store.set_job_request(self.org.org_id, job.id, {**job.request, "quick_deployed": True})
        options["checkOnly"] = False
        return self.start_deploy(
            job.payload,
            DeployOptions.from_values(options),
            user,
            float(job.request.get("seconds", 0.0)),
            validated_id=job.id,
            api_version=job.request.get("api_version"),
        )

    def async_state(self, job: JobRow) -> str:
        """AsyncResult.state for a job."""
        return {"Pending": "Queued", "InProgress": "InProgress", "Canceling": "InProgress"}.get(
            job.status, "Completed"
        )

    def _job(self, job_id: str, kind: str) -> JobRow:
        job = self.org.store.job(self.org.org_id, job_id.strip())
        if job is None or job.kind != kind:
            raise InvalidId(f"invalid id: {job_id}" if job_id else "Must specify a valid async process id")
        return job

    def _base_result(self, job: JobRow, status: str, now: float) -> dict[str, Any]:
        user = self.org.user(job.created_by)
        opts = job.request.get("options", {})
        done = status in _DONE
        return {
            "checkOnly": bool(opts.get("checkOnly")),
            "completedDate": _iso(now) if done else None,
            "createdBy": job.created_by,
            "createdByName": user.name if user else "",
            "createdDate": _iso(job.created),
            "details": {"componentFailures": [], "componentSuccesses": []},
            "done": done,
            "id": job.id,
            "ignoreWarnings": bool(opts.get("ignoreWarnings")),
            "lastModifiedDate": _iso(now),
            "numberComponentErrors": 0,
            "numberComponentsDeployed": 0,
            "numberComponentsTotal": 0,
            "numberTestErrors": 0,
            "numberTestsCompleted": 0,
            "numberTestsTotal": 0,
            "rollbackOnError": bool(opts.get("rollbackOnError", True)),
            "runTestsEnabled": False,
            "startDate": _iso(job.created) if status != "Pending" else None,
            "status": status,
            "success": status in ("Succeeded", "SucceededPartial"),
        }

    # running a deploy -------------------------------------------------------------------------------------
    def _read_zip(self, data: bytes, single_package: bool) -> tuple[str, dict[str, bytes]]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise ValueError(f"The zip file is not valid: {exc}") from None
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
            raise ValueError("The zip file exceeds the limits (10,000 files, 600 MB uncompressed)")
        files = {i.filename: archive.read(i) for i in infos}
        roots = sorted(
            name[: -len("package.xml")] for name in files if name.rsplit("/", 1)[-1] == "package.xml"
        )
        if single_package:
            if "" not in roots:
                raise ValueError("No package.xml found")
            return "", files
        nested = [r for r in roots if r.count("/") == 1]
        if len(nested) == 1:
            return nested[0], files
        if "" in roots:
            return "", files
        raise ValueError("No package.xml found")

    @staticmethod
    def _package_types(data: bytes) -> dict[str, list[str]]:
        root = parse_xml(data)
        types: dict[str, list[str]] = {}
        for t in root:
            if not isinstance(t.tag, str) or local_name(t.tag) != "types":
                continue
            name = next(
                (c.text or "" for c in t if isinstance(c.tag, str) and local_name(c.tag) == "name"), ""
            )
            members = [c.text or "" for c in t if isinstance(c.tag, str) and local_name(c.tag) == "members"]
            types.setdefault(name.strip(), []).extend(m.strip() for m in members)
        return types

    def _components(
        self, root: str, files: dict[str, bytes], types: dict[str, list[str]], version: float | None = None
    ) -> list[_Component]:
        from sfconnect.localorg._models import APP_TYPES

        org = self.org
        by_type: dict[str, dict[str, str]] = {}
        for path in files:
            if not path.startswith(root):
                continue
            rel = path[len(root) :]
            folder, _, file_name = rel.partition("/")
            for info in APP_TYPES.values():
                if (
                    folder == info.directory
                    and file_name.endswith("." + info.suffix)
                    and "/" not in file_name
                ):
                    by_type.setdefault(info.name, {})[file_name[: -len(info.suffix) - 1]] = path
        order = sorted(types, key=lambda t: (t != "ExternalClientApplication", t != "ConnectedApp", t))
        out: list[_Component] = []
        for type_ in order:
            try:
                info = org.check_type(type_)
                versions.check_type(type_, version)
            except LocalOrgFault as fault:
                out.extend(_Component(type_, m, "package.xml", problem=fault.message) for m in types[type_])
                continue
            available = by_type.get(type_, {})
            members = sorted(available) if "*" in types[type_] else types[type_]
            for member in members:
                found = available.get(member)
                if found is None:
                    out.append(
                        _Component(
                            type_,
                            member,
                            f"{root}{info.directory}/{member}.{info.suffix}",
                            problem=f"An object '{member}' of type {type_} was named in package.xml, "
                            "but was not found in zipped directory",
                        )
                    )
                    continue
                out.append(self._parse_file(type_, member, found, files[found], version))
        return out

    def _parse_file(
        self, type_: str, member: str, path: str, data: bytes, version: float | None = None
    ) -> _Component:
        schema = self.org.schema
        try:
            root = parse_xml(data)
            if local_name(str(root.tag)) != type_:
                raise SoapClientFault(f"Expected a {type_} root element, found {local_name(str(root.tag))}")
            record = parse_value(schema, schema.complex_types[type_], root)
            versions.check_record(schema, type_, record, version)
        except XmlError as exc:
            line, column = _xml_position(exc)
            return _Component(
                type_, member, path, problem=f"Error parsing file: {exc}", line=line, column=column
            )
        except SoapClientFault as fault:
            line, column = _element_position(data, fault.message)
            return _Component(type_, member, path, problem=fault.message, line=line, column=column)
        record["fullName"] = member
        return _Component(type_, member, path, record)

    def _execute(self, job: JobRow, start: float, end: float) -> dict[str, Any]:
        org = self.org
        options = DeployOptions.from_values(job.request.get("options", {}))
        result = self._base_result(job, "Failed", end)
        result["startDate"] = _iso(start)
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []

        def message(c: _Component, **fields: Any) -> dict[str, Any]:
            base: dict[str, Any] = {
                "changed": False,
                "componentType": c.type,
                "created": False,
                "createdDate": _iso(end),
                "deleted": False,
                "fileName": c.file_name,
                "fullName": c.name,
                "success": False,
            }
            base.update(fields)
            return base

        try:
            root, files = self._read_zip(job.payload, options.single_package)
            types = self._package_types(files[root + "package.xml"])
            version = _package_version(files[root + "package.xml"]) or job.request.get("api_version")
            components = self._components(root, files, types, version)
            pre = [self._package_types(files[root + n]) for n in _DESTRUCTIVE_PRE if root + n in files]
            post = [self._package_types(files[root + n]) for n in _DESTRUCTIVE_POST if root + n in files]
        except (ValueError, XmlError) as exc:
            failures.append(
                {
                    "changed": False,
                    "componentType": "",
                    "created": False,
                    "createdDate": _iso(end),
                    "deleted": False,
                    "fileName": "package.xml",
                    "fullName": "package.xml",
                    "problem": str(exc),
                    "problemType": "Error",
                    "success": False,
                }
            )
            result["details"] = {"componentFailures": failures, "componentSuccesses": [], **_NO_TESTS}
            result["numberComponentErrors"] = 1
            result["errorMessage"] = str(exc)
            return result
        user = org.user(job.created_by) or org.admin_user()
        total = 0
        try:
            with org.store.transaction():
                for deletes in pre:
                    total += self._deletes(deletes, root, options, successes, failures, end)
                for c in components:
                    total += 1
                    if c.problem is not None or c.record is None:
                        where = {"lineNumber": c.line, "columnNumber": c.column} if c.line else {}
                        failures.append(message(c, problem=c.problem, problemType="Error", **where))
                        continue
                    saved = org.save_component(c.type, c.record, user, "upsert")
                    if saved.success:
                        successes.append(
                            message(
                                c,
                                success=True,
                                created=bool(saved.created),
                                changed=not saved.created and saved.changed is not False,
                                id=self._id_of(c.type, c.name),
                            )
                        )
                    else:
                        problem = "; ".join(e.message for e in saved.errors)
                        failures.append(message(c, problem=problem, problemType="Error"))
                for deletes in post:
                    total += self._deletes(deletes, root, options, successes, failures, end)
                if options.check_only or (failures and options.rollback_on_error):
                    raise _Rollback()
        except _Rollback:
            pass
        rolled_back = bool(failures) and options.rollback_on_error
        deployed = 0 if rolled_back else len([s for s in successes if s["componentType"]])
        successes.append(
            {
                "changed": True,
                "componentType": "",
                "created": False,
                "createdDate": _iso(end),
                "deleted": False,
                "fileName": f"{root}package.xml",
                "fullName": "package.xml",
                "success": True,
            }
        )
        if not failures:
            status = "Succeeded"
        elif rolled_back or deployed == 0:
            status = "Failed"
        else:
            status = "SucceededPartial"
        result.update(
            {
                "details": {"componentFailures": failures, "componentSuccesses": successes, **_NO_TESTS},
                "numberComponentErrors": len(failures),
                "numberComponentsDeployed": deployed if not options.check_only else len(successes) - 1,
                "numberComponentsTotal": total,
                "status": status,
                "success": status in ("Succeeded", "SucceededPartial"),
            }
        )
        return result

    def _id_of(self, type_: str, name: str) -> str | None:
        row = self.org.component(type_, name)
        return row.id if row else None

    def _deletes(
        self,
        deletes: dict[str, list[str]],
        root: str,
        options: DeployOptions,
        successes: list[dict[str, Any]],
        failures: list[dict[str, Any]],
        now: float,
    ) -> int:
        org = self.org
        count = 0
        for type_, members in deletes.items():
            info = org.check_type(type_)
            for member in members:
                count += 1
                msg: dict[str, Any] = {
                    "changed": False,
                    "componentType": type_,
                    "created": False,
                    "createdDate": _iso(now),
                    "deleted": False,
                    "fileName": f"{root}{info.directory}/{member}.{info.suffix}",
                    "fullName": member,
                    "success": False,
                }
                row = org.component(type_, member)
                if row is None:
                    msg["problem"] = f"No {type_} named: {member} found"
                    msg["problemType"] = "Warning"
                    if options.ignore_warnings:
                        msg["success"] = True
                        successes.append(msg)
                    else:
                        failures.append(msg)
                    continue
                org.delete_component(type_, row.full_name)
                msg.update({"deleted": True, "changed": True, "success": True, "id": row.id})
                successes.append(msg)
        return count

    # retrieve ---------------------------------------------------------------------------------------------
    def start_retrieve(self, request: Record, user: User) -> JobRow:
        """Build the zip now (a snapshot) and hand it out on `checkRetrieveStatus`."""
        org = self.org
        now = org.clock()
        if request.get("packageNames"):
            raise LocalOrgFault("INVALID_CROSS_REFERENCE_KEY", "The local org has no packages to retrieve")
        single = str(request.get("singlePackage", "false")) == "true"
        version = str(request.get("apiVersion") or org.schema.version)
        package = request.get("unpackaged") or {}
        prefix = "" if single else "unpackaged/"
        types: dict[str, list[str]] = {}
        for t in package.get("types", []):
            types.setdefault(str(t.get("name", "")), []).extend(str(m) for m in t.get("members", []))
        files: dict[str, bytes] = {}
        properties: list[dict[str, Any]] = []
        messages: list[dict[str, str]] = []
        names = {u.id: u.name for u in org.users()}
        retrieved: dict[str, list[str]] = {}
        for type_, members in sorted(types.items()):
            info = org.check_type(type_)
            pairs: list[tuple[str, ComponentRow | None]] = (
                [(r.full_name, r) for r in org.components(type_)]
                if "*" in members
                else [(m, org.component(type_, m)) for m in members]
            )
            for member, row in pairs:
                if row is None:
                    messages.append(
                        {
                            "fileName": f"{prefix}package.xml",
                            "problem": f"Entity of type '{type_}' named '{member}' cannot be found",
                        }
                    )
                    continue
                record = org.record_of(row)
                record.pop("fullName", None)
                node = Node(type_, attrs={"xmlns": MD_NS})
                render_record(org.schema, type_, record, node)
                path = f"{info.directory}/{row.full_name}.{info.suffix}"
                files[prefix + path] = serialize_pretty(node)
                retrieved.setdefault(type_, []).append(row.full_name)
                properties.append(
                    {
                        "createdById": row.created_by,
                        "createdByName": names.get(row.created_by, ""),
                        "createdDate": _iso(row.created_date),
                        "fileName": f"{prefix}{path}",
                        "fullName": row.full_name,
                        "id": row.id,
                        "lastModifiedById": row.modified_by,
                        "lastModifiedByName": names.get(row.modified_by, ""),
                        "lastModifiedDate": _iso(row.modified_date),
                        "manageableState": "unmanaged",
                        "type": type_,
                    }
                )
        manifest = Node("Package", attrs={"xmlns": MD_NS})
        for type_, members in sorted(retrieved.items()):
            node = manifest.add("types")
            for m in sorted(members):
                node.add("members", m)
            node.add("name", type_)
        manifest.add("version", version)
        files[f"{prefix}package.xml"] = serialize_pretty(manifest)
        properties.append(
            {
                "createdById": user.id,
                "createdByName": user.name,
                "createdDate": _iso(now),
                "fileName": f"{prefix}package.xml",
                "fullName": f"{prefix}package.xml",
                "id": "",
                "lastModifiedById": user.id,
                "lastModifiedByName": user.name,
                "lastModifiedDate": _iso(now),
                "manageableState": "unmanaged",
                "type": "Package",
            }
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), files[name])
        job_id = org.ids.new_id("09S")
        result = {
            "done": True,
            "fileProperties": sorted(properties, key=lambda p: str(p["fileName"])),
            "id": job_id,
            "messages": messages,
            "status": "Succeeded",
            "success": True,
            "zipFile": base64.b64encode(buffer.getvalue()).decode("ascii"),
        }
        job = JobRow(
            org.org_id,
            job_id,
            "retrieve",
            org.store.next_job_seq(org.org_id),
            "Succeeded",
            now,
            user.id,
            now,
            {"singlePackage": single},
            b"",
            result,
        )
        org.store.add_job(job)
        return job

    def retrieve_result(self, job_id: str, include_zip: bool) -> dict[str, Any]:
        """The `RetrieveResult` of a retrieve."""
        job = self._job(job_id, "retrieve")
        result = dict(job.result)
        if not include_zip:
            result.pop("zipFile", None)
        return result


_NO_TESTS: dict[str, Any] = {"runTestResult": {"numFailures": 0, "numTestsRun": 0, "totalTime": 0.0}}
