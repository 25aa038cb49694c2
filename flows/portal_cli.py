"""`tlkpi portal` and `tlkpi access grant|revoke|list`: serve the establishments' portal, manage its codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tlkpi.settings import Settings, configure_runtime_env

access_app = typer.Typer(
    help="Who may log in to the portal: one access code per establishment.", no_args_is_help=True
)

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root", help="Data root (inbox, outbox, portal). Default: $TLKPI_DATA_ROOT or ./var."
    ),
]
Finess = Annotated[str, typer.Argument(help="FINESS géographique of the establishment (9 characters).")]


def _settings(data_root: Path | None) -> Settings:
    settings = Settings(data_root=data_root) if data_root else Settings()
    configure_runtime_env(settings)
    return settings


def portal(data_root: DataRoot = None) -> None:
    """Serve the deposit portal on TLKPI_PORTAL_HOST:TLKPI_PORTAL_PORT (default 127.0.0.1:8450) until Ctrl-C.

    In production, keep it on loopback behind a TLS reverse proxy and set TLKPI_PORTAL_SECURE_COOKIES=true.
    """
    settings = _settings(data_root)
    import uvicorn

    from portal.app import create_app

    typer.echo(f"Portail : http://{settings.portal_host}:{settings.portal_port}/ (Ctrl-C pour arrêter)")
    uvicorn.run(
        create_app(settings),
        host=settings.portal_host,
        port=settings.portal_port,
        proxy_headers=True,
        forwarded_allow_ips=settings.portal_trusted_proxies,
        server_header=False,
        log_level="warning",
    )


@access_app.command("grant")
def grant(finess: Finess, data_root: DataRoot = None) -> None:
    """Issue a new access code for FINESS (any earlier code stops working) and print it once."""
    from portal.access import AccessStore

    try:
        code = AccessStore(_settings(data_root).portal_dir).grant(finess)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"Access code for {finess.strip().upper()} (shown once, only its hash is kept): {code}")


@access_app.command("revoke")
def revoke(finess: Finess, data_root: DataRoot = None) -> None:
    """Withdraw FINESS's access: its code stops working and its open sessions end."""
    from portal.access import AccessStore

    removed = AccessStore(_settings(data_root).portal_dir).revoke(finess)
    typer.echo(f"Access of {finess.strip().upper()} revoked." if removed else f"{finess} had no access.")
    if not removed:
        raise typer.Exit(1)


@access_app.command("list")
def list_access(data_root: DataRoot = None) -> None:
    """List the establishments that hold an access code, with when it was granted."""
    from portal.access import AccessStore

    entries = AccessStore(_settings(data_root).portal_dir).list()
    for entry in entries:
        typer.echo(f"{entry.finess}  granted {entry.granted_at}")
    if not entries:
        typer.echo("No establishment has access yet: `tlkpi access grant FINESS`.")
