"""The unsubscribe endpoint of recurring alerts (RFC 8058 one-click), served by the Airflow plugin.

Routes (under the plugin's `url_prefix`, `/alertas-unsubscribe`), with no Airflow login: mailbox
providers and recipients call them, and the signed token in the path is the authorisation.

- `GET /{token}`: a confirmation page in the recipient's language, with two buttons (this alert,
  or every recurring alert of the dealership). A GET never unsubscribes: link scanners and
  previews fetch URLs.
- `POST /{token}`: records the unsubscribe (`ledger.unsubscribes`). A mailbox provider's
  one-click POST (body `List-Unsubscribe=One-Click`) unsubscribes from the token's family; the
  page's form sends `scope=family` or `scope=all`. Idempotent.

A token that is malformed or not signed with the current `alertas_unsubscribe_secret` (the Airflow
Variable when set, else the package's own: `link_secrets`) gets 404.
Nothing is logged but the family and the outcome (no token, reference or address).
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from alertas_rapidas import unsubscribes
from alertas_rapidas.ledger.link_secrets import UNSUBSCRIBE, link_secret
from alertas_rapidas.ledger.unsubscribes import ALL
from alertas_rapidas.ui.page_templates import page_templates
from alertas_rapidas.unsubscribes import MAX_TOKEN, Token, TokenError

log = logging.getLogger(__name__)

_templates = page_templates()

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Baja de avisos por correo",
        "ask": "¿Dejar de recibir este aviso por correo?",
        "alert": "Aviso",
        "one": "Dar de baja este aviso",
        "all": "Dar de baja todos los avisos periódicos",
        "note": "Los comprobantes y avisos que la ley exige se siguen enviando.",
        "done_one": "Listo: no le enviaremos más este aviso.",
        "done_all": "Listo: no le enviaremos más avisos periódicos.",
        "invalid": "El enlace no es válido o ya no está vigente.",
        "unavailable": "No pudimos registrar la baja en este momento. Intente de nuevo más tarde.",
    },
    "en": {
        "title": "Unsubscribe from e-mail alerts",
        "ask": "Stop receiving this alert by e-mail?",
        "alert": "Alert",
        "one": "Unsubscribe from this alert",
        "all": "Unsubscribe from all recurring alerts",
        "note": "Documents and notices the law requires are still sent.",
        "done_one": "Done: you will not receive this alert any more.",
        "done_all": "Done: you will not receive recurring alerts any more.",
        "invalid": "This link is not valid or has expired.",
        "unavailable": "The unsubscribe could not be recorded just now. Please try again later.",
    },
}


class SecretUnavailable(RuntimeError):
    """The token secret (alertas_unsubscribe_secret: its Variable, or the package's own in the
    ledger) cannot be read."""


def store(family: str, recipient_ref: str, source: str) -> bool:
    """Record one unsubscribe in the ledger database (connection alerts_postgres)."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import unsubscribes as stored_unsubscribes
    from alertas_rapidas.ledger.deliveries import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        return stored_unsubscribes.record(conn, family, recipient_ref, source)


_TITLE = re.compile(r"(?P<en>.+?) \((?P<es>[^()]+)\)")


def family_title(family: str, lang: str) -> str:
    """The family's title in `lang`: its config title is written "English (español)"; the whole
    title when it is not, the key when the file cannot be read."""
    try:
        from alertas_rapidas.families.registry import load_config

        title = load_config(family)[0].title
    except Exception:
        return family
    match = _TITLE.fullmatch(title.strip())
    if match is None:
        return title
    text = match.group("en" if lang == "en" else "es")
    return text[:1].upper() + text[1:]


def page(lang: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    lang = lang if lang in TEXTS else "es"
    html = _templates.get_template("unsubscribe.html").render(
        lang=lang, t=TEXTS[lang], en=TEXTS["en"], **values
    )
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"},
    )


def create_app(secret_of: Any = None, record: Any = store) -> FastAPI:
    """The app the plugin mounts. `secret_of()` reads the token secret (default: the one reader,
    `link_secrets.link_secret`); `record(family, ref, source)` stores an unsubscribe."""
    secret_of = secret_of or partial(link_secret, UNSUBSCRIBE)

    def verified(token: str) -> Token | None:
        """The token's content; None when it is not one of ours; SecretUnavailable when the
        secret cannot be read (then no token can be checked)."""
        if len(token) > MAX_TOKEN:
            return None
        try:
            secret = secret_of()
        except Exception as exc:
            log.error("The link secret %s cannot be read: %s", UNSUBSCRIBE, type(exc).__name__)
            raise SecretUnavailable from None
        try:
            return unsubscribes.read_token(secret, token)
        except TokenError:
            return None

    app = FastAPI(title="Alertas Rápidas unsubscribe", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(SecretUnavailable)
    def no_secret(_request: Request, _exc: SecretUnavailable) -> HTMLResponse:
        return page("es", status_code=503, state="unavailable", both=True)

    @app.get("/{token}", response_class=HTMLResponse)
    def confirm(token: str) -> HTMLResponse:
        found = verified(token)
        if found is None:
            return page("es", status_code=404, state="invalid", both=True)
        return page(
            found.language, state="ask", title=family_title(found.family, found.language), action=token
        )

    @app.post("/{token}", response_class=HTMLResponse)
    async def unsubscribe(token: str, request: Request) -> HTMLResponse:
        found = await run_in_threadpool(verified, token)
        if found is None:
            return page("es", status_code=404, state="invalid", both=True)
        form = await request.form()
        one_click = form.get("List-Unsubscribe") == "One-Click"
        scope_all = not one_click and form.get("scope") == "all"
        family = ALL if scope_all else found.family
        try:  # the database and the family file are read off the event loop
            new = await run_in_threadpool(
                record, family, found.recipient_ref, "one-click" if one_click else "page"
            )
            title = await run_in_threadpool(family_title, found.family, found.language)
        except Exception as exc:
            log.error("Unsubscribe from %s not recorded: %s", found.family, type(exc).__name__)
            return page(found.language, status_code=503, state="unavailable")
        log.info(
            "Unsubscribe from %s (%s): %s",
            family,
            "one-click" if one_click else "page",
            "new" if new else "again",
        )
        return page(found.language, state="done_all" if scope_all else "done_one", title=title)

    return app
