"""`tlkpi portal` and `tlkpi access grant|revoke|list`: serve the establishments' portal, manage its codes."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_options import Create, command_settings
from tlkpi.settings import Settings

access_app = typer.Typer(
    help="Who may log in to the portal: named referents of each establishment.", no_args_is_help=True
)
SLOW_CLIENT_SECONDS = 5  # an idle kept-alive connection is closed after this (uvicorn's timeout_keep_alive)
MAX_CONNECTIONS = 200  # beyond this many open connections uvicorn answers 503 (limit_concurrency)

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root", help="Data root (inbox, outbox, portal). Default: $TLKPI_DATA_ROOT or ./var."
    ),
]
Finess = Annotated[str, typer.Argument(help="FINESS géographique of the establishment (9 characters).")]


def _settings(data_root: Path | None, create: bool = False) -> Settings:
    """As every command: a --data-root that is not a data root is refused unless `create`."""
    return command_settings(data_root, create)


def portal(data_root: DataRoot = None, create: Create = False) -> None:
    """Serve the deposit portal on TLKPI_PORTAL_HOST:TLKPI_PORTAL_PORT (default 127.0.0.1:8450) until Ctrl-C.

    In production, keep it on loopback behind a TLS reverse proxy and set TLKPI_PORTAL_SECURE_COOKIES=true.
    """
    settings = _settings(data_root, create)
    import uvicorn

    from portal.app import create_app

    try:  # bound here, so a port in use is one clear line and the address is printed once listening
        listening = socket.create_server((settings.portal_host, settings.portal_port))
    except OSError as exc:
        why = {
            errno.EADDRINUSE: "le port est déjà utilisé par un autre programme (un autre portail ?) : "
            "arrêtez-le, ou choisissez un autre port avec TLKPI_PORTAL_PORT",
            errno.EACCES: "ce port est réservé à l'administrateur : choisissez-en un au-dessus de 1024 "
            "avec TLKPI_PORTAL_PORT",
            errno.EADDRNOTAVAIL: "cette adresse n'appartient pas à cette machine : corrigez TLKPI_PORTAL_HOST",
        }.get(exc.errno or 0, f"erreur système {exc.errno}")
        typer.echo(
            f"error: le portail ne peut pas écouter sur {settings.portal_host}:{settings.portal_port} : {why}.",
            err=True,
        )
        raise typer.Exit(1) from None
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            proxy_headers=True,
            forwarded_allow_ips=settings.portal_trusted_proxies,
            server_header=False,
            log_level="warning",
            timeout_keep_alive=SLOW_CLIENT_SECONDS,
            limit_concurrency=MAX_CONNECTIONS,
        )
    )
    typer.echo(f"Portail : http://{settings.portal_host}:{settings.portal_port}/ (Ctrl-C pour arrêter)")
    server.run(sockets=[listening])


@access_app.command("grant")
def grant(
    finess: Finess,
    email: Annotated[str, typer.Option("--email", help="E-mail address of the referent (their login).")],
    data_root: DataRoot = None,
    create: Create = False,
) -> None:
    """Make ADDRESS a referent of FINESS and print a one-time activation code (expires after
    TLKPI_PORTAL_ACTIVATION_DAYS). Granting an existing referent again is how a lost passphrase is
    replaced; the establishment's old shared code, if any, stops working."""
    from portal.access import AccessStore

    settings = _settings(data_root, create)
    try:
        code = AccessStore(settings.portal_dir, settings.portal_activation_days).grant(finess, email)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(
        f"Activation code for {email.strip().lower()} ({finess.strip().upper()}), valid "
        f"{settings.portal_activation_days:g} days, shown once: {code}\n"
        "Send it to the referent: on the portal's « Activer mon accès » page they choose their passphrase."
    )


@access_app.command("revoke")
def revoke(
    who: Annotated[str, typer.Argument(help="A referent's e-mail address, or a FINESS (all its referents).")],
    data_root: DataRoot = None,
) -> None:
    """End a referent's access (their open sessions too); with a FINESS, every referent of it and its old code."""
    from portal.access import AccessStore

    removed = AccessStore(_settings(data_root).portal_dir).revoke(who)
    for entry in removed:
        typer.echo(f"Access of {entry} revoked.")
    if not removed:
        typer.echo(f"{who} had no access.")
        raise typer.Exit(1)


@access_app.command("list")
def list_access(data_root: DataRoot = None) -> None:
    """List the referents (establishment, e-mail, activation state, last login) and the old shared codes."""
    from portal.access import AccessStore

    store = AccessStore(_settings(data_root).portal_dir)
    referents, old_codes = store.referents(), store.old_codes()
    for r in referents:
        typer.echo(f"{r.finess}  {r.email}  {r.state()}  last login {r.last_login_at or 'never'}")
    for old in old_codes:
        typer.echo(
            f"{old.finess}  (old shared code, granted {old.granted_at}: grant a referent to replace it)"
        )
    if not referents and not old_codes:
        typer.echo("No referent yet: `tlkpi access grant FINESS --email ADDRESS`.")
