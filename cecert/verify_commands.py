"""``cecert verify`` and ``cecert serve``: the verifier's commands.

Both need only a trust list and, for status, a registry file or a signed snapshot; neither
opens a private key (a verifier-only installation runs them).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cecert.account_commands import instance_option, resolve_instance
from cecert.options import fail, home_option, resolve_home
from keys import KeysError, parse_trust_list
from registry.errors import RegistryError
from registry.store import Registry
from verifier import (
    RegistryStatus,
    Verdict,
    VerificationReport,
    Verifier,
    VerifierError,
    read_snapshot,
)

F = TypeVar("F", bound=Callable[..., Any])
_ERRORS: tuple[type[Exception], ...] = (KeysError, RegistryError, VerifierError)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _verifier(
    home: Path | None,
    trust: Path | None,
    registry: Path | None,
    pin: str | None,
    snapshot: Path | None = None,
    delta: Path | None = None,
    max_age: int = 30,
) -> tuple[Verifier, Registry | None]:
    target = resolve_home(home)
    trust_path = trust or target.trust_list_path
    try:
        data = trust_path.read_bytes()
    except OSError as exc:
        raise VerifierError(
            "no_trust_list", f"{trust_path}: cannot read the trust list ({exc.strerror})"
        ) from exc
    trust_list = parse_trust_list(data, pin=pin)
    if snapshot is not None:
        status = read_snapshot(
            snapshot, trust_list, max_age=dt.timedelta(days=max_age), delta=delta
        )
        return Verifier(trust_list, status=status), None
    registry_path = registry or (target.registry_path if trust is None else None)
    opened = None
    if registry_path is not None:
        opened = Registry.open(registry_path, read_only=True)
    return Verifier(trust_list, status=RegistryStatus(opened) if opened else None), opened


def _is_file(path: Path) -> bool:
    """Is INPUT a file? A QR text is not, even when the system cannot even look it up (a
    segment between two '/' of a Base45 text can exceed the 255 bytes a file name may have)."""
    try:
        return len(str(path)) < 4096 and path.is_file()
    except OSError:
        return False


def _print_report(report: VerificationReport) -> None:
    verdict = report.verdict
    click.echo(f"verdict: {verdict.value} ({verdict.label_zh})")
    for check in report.checks:
        reason = f" [{check.reason}]" if check.reason else ""
        click.echo(f"  {check.status.value:8} {check.name}{reason}: {check.detail}")
    if report.hours:
        hours = report.hours
        reason = f" [{hours.reason}]" if hours.reason else ""
        click.echo(
            f"hours: {hours.status.value} ({hours.status.label_zh}){reason}: {hours.detail_zh}"
        )
    if report.snapshot:
        stale = " — too old: status not judged" if report.snapshot.too_old else ""
        click.echo(f"status from: {report.snapshot.describe()}{stale}")
    if report.claims:
        view = json.dumps(report.to_json()["certificate"], ensure_ascii=False)
        click.echo(f"certificate: {view}")


def _snapshot_options(func: F) -> F:
    """``--snapshot FILE`` and ``--max-age DAYS``: status from a signed snapshot."""
    func = click.option(
        "--max-age",
        type=click.IntRange(0, 3650),
        default=30,
        show_default=True,
        help="Days after which the snapshot is too old to judge status.",
    )(func)
    return click.option(
        "--snapshot",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="A signed status snapshot: status without a registry.",
    )(func)


def _check_status_options(registry: Path | None, snapshot: Path | None, delta: Path | None) -> None:
    if registry is not None and snapshot is not None:
        raise click.UsageError("give --registry or --snapshot, not both")
    if delta is not None and snapshot is None:
        raise click.UsageError("--delta needs --snapshot (the full snapshot it applies to)")


@click.command()
@home_option
@click.argument("input_", metavar="INPUT")
@click.option("--trust", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--pin", default=None, help="SHA-256 of the root the trust list must be signed by.")
@_snapshot_options
@click.option(
    "--delta",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A delta snapshot to apply to --snapshot.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(
    home: Path | None,
    input_: str,
    trust: Path | None,
    registry: Path | None,
    pin: str | None,
    snapshot: Path | None,
    max_age: int,
    delta: Path | None,
    as_json: bool,
) -> None:
    """Verify a certificate: a PDF, an image of its QR code, or the QR text itself.

    Exit status: 0 valid, 1 invalid or indeterminate, 2 usage error.
    """
    _check_status_options(registry, snapshot, delta)
    try:
        verifier, opened = _verifier(home, trust, registry, pin, snapshot, delta, max_age)
    except (*_ERRORS,) as exc:
        fail(exc, code=2)
    try:
        path = Path(input_)
        at = _now()
        if _is_file(path):
            report = verifier.verify_bytes(path.read_bytes(), at=at)
        else:
            report = verifier.verify_text(input_, at=at)
    finally:
        if opened is not None:
            opened.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    sys.exit(0 if report.verdict is Verdict.VALID else 1)


@click.command()
@home_option
@click.option("--trust", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--pin", default=None, help="SHA-256 of the root the trust list must be signed by.")
@_snapshot_options
@instance_option
@click.option(
    "--rate-limit-verify",
    default="60/minute",
    show_default=True,
    help="Verifications per client address (RATE_LIMIT_VERIFY).",
)
@click.option(
    "--rate-limit-login",
    default="10/minute",
    show_default=True,
    help="Login attempts per client address (RATE_LIMIT_LOGIN).",
)
@click.option(
    "--proxy-fix",
    default=0,
    show_default=True,
    type=click.IntRange(0, 8),
    help="Reverse proxies in front: trust that many X-Forwarded-For/-Proto entries.",
)
@click.option(
    "--hsts-max-age",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Send Strict-Transport-Security with this max-age (only behind TLS).",
)
def serve(
    home: Path | None,
    instance: Path | None,
    trust: Path | None,
    registry: Path | None,
    host: str,
    port: int,
    workers: int,
    pin: str | None,
    snapshot: Path | None,
    max_age: int,
    rate_limit_verify: str,
    rate_limit_login: str,
    proxy_fix: int,
    hsts_max_age: int,
) -> None:
    """Serve the web verifier (upload a PDF or image, or paste the QR text; /scan scans and
    verifies in the browser, offline once loaded).

    Status comes from the registry (the home's, unless --trust is given) or, without one,
    from --snapshot. With both, the registry judges and the snapshot is published for the
    offline page to cache. Panel accounts and the session secret come from --instance."""
    from verifier.web import create_app
    from verifier.web.server import serve as run_server

    target = resolve_home(home)
    trust_path = trust or target.trust_list_path
    registry_path = registry or (target.registry_path if trust is None else None)
    app = create_app(
        {
            "TRUST_LIST": str(trust_path),
            "REGISTRY": str(registry_path) if registry_path else None,
            "TRUST_PIN": pin,
            "SNAPSHOT": str(snapshot) if snapshot else None,
            "SNAPSHOT_MAX_AGE_DAYS": max_age,
            "RATE_LIMIT_VERIFY": rate_limit_verify,
            "RATE_LIMIT_LOGIN": rate_limit_login,
            "PROXY_FIX": proxy_fix or None,
            "HSTS_MAX_AGE": hsts_max_age or None,
        },
        instance_path=str(resolve_instance(home, instance).absolute()),
    )
    click.echo(f"verifier on http://{host}:{port}/")
    run_server(app, host=host, port=port, workers=workers)
