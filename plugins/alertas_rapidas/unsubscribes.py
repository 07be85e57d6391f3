"""Unsubscribes from recurring alerts: signed tokens, List-Unsubscribe headers, the stored choices.

A `recurring` family's messages carry `List-Unsubscribe` (RFC 2369) and, with an https URL,
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). The URL holds a token per
recipient and family: the family key, the recipient's DMS reference (`customer:42`, never an
address) and the mail's language, signed with HMAC-SHA256 under the Airflow Variable
`alertas_unsubscribe_secret`. Whoever holds the token may unsubscribe that recipient from that
family, or from every recurring family (`*`, `ledger.unsubscribes.ALL`).

Choices are kept in the package's own schema (`ledger.unsubscribes`; the DMS stays read-only) and
honoured like `alerts_opt_out`: the transform step moves the recipient's messages to the skipped
ones with the reason `unsubscribed`. Only recurring families consult them: a legal document (an
invoice, a dunning notice) still goes out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from alertas_rapidas.contracts.plan import Plan, SkippedCandidate

REASON = "unsubscribed"
_TOKEN_CONTEXT = b"alertas-rapidas unsubscribe v1\x1f"
_SIG_BYTES = 16  # 128 bits of HMAC-SHA256
MAX_TOKEN = 400
FOOTER_LABELS = {"es": "Dejar de recibir estos avisos", "en": "Unsubscribe from these e-mails"}


class TokenError(ValueError):
    """A token that is malformed or whose signature does not match."""


@dataclass(frozen=True)
class Token:
    family: str
    recipient_ref: str
    language: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decoded only when `text` is the canonical encoding of its bytes: base64 lets the last
    character's unused bits (and stray characters) vary, and a token must have one spelling."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical base64 form")
    return data


def _signature(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), _TOKEN_CONTEXT + payload, hashlib.sha256).digest()[:_SIG_BYTES]


def make_token(secret: str, family: str, recipient_ref: str, language: str) -> str:
    """The URL-safe token of (family, recipient_ref, language): the same every time."""
    payload = "\x1f".join((family, recipient_ref, language)).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def read_token(secret: str, token: str) -> Token:
    """The token's content when its signature holds; else TokenError (which never echoes it)."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise TokenError("not an unsubscribe token")
    body, sig = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(sig)
    except (binascii.Error, ValueError):
        raise TokenError("not an unsubscribe token") from None
    if not hmac.compare_digest(given, _signature(secret, payload)):
        raise TokenError("the token's signature does not match")
    parts = payload.decode("utf-8", errors="replace").split("\x1f")
    if len(parts) != 3:
        raise TokenError("not an unsubscribe token")
    return Token(*parts)


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Builds a recurring family's List-Unsubscribe headers (config `unsubscribe`)."""

    family: str
    secret: str
    url: str | None = None
    mailto: str | None = None

    def token(self, recipient_ref: str, language: str) -> str:
        return make_token(self.secret, self.family, recipient_ref, language)

    def _mailto(self, token: str) -> str:
        """A mailto URI (RFC 6068): the address percent-encoded but for its @, the token as subject."""
        return f"mailto:{quote(str(self.mailto), safe='@')}?subject={quote('unsubscribe ' + token)}"

    def link(self, recipient_ref: str, language: str) -> dict[str, str]:
        """The link for the mail's footer: the https URL, else the mailto, and its words."""
        token = self.token(recipient_ref, language)
        url = self.url.replace("{token}", token) if self.url else self._mailto(token)
        return {"url": url, "label": FOOTER_LABELS.get(language, FOOTER_LABELS["es"])}

    def headers(self, recipient_ref: str, language: str) -> dict[str, str]:
        token = self.token(recipient_ref, language)
        targets = []
        if self.url:
            targets.append(f"<{self.url.replace('{token}', token)}>")
        if self.mailto:
            targets.append(f"<{self._mailto(token)}>")
        headers = {"List-Unsubscribe": ", ".join(targets)}
        if self.url:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers


def links_for(config: Any) -> UnsubscribeLinks | None:
    """The family's links when it is `recurring` (the secret is read now, in the render task, by
    `link_secrets.link_secret`: the API server and ops read it the same way)."""
    from alertas_rapidas.ledger.link_secrets import UNSUBSCRIBE, link_secret

    if not config.recurring:
        return None
    mailto = str(config.unsubscribe.mailto) if config.unsubscribe.mailto else None
    return UnsubscribeLinks(config.key, link_secret(UNSUBSCRIBE), config.unsubscribe.url, mailto)


def unsubscribed_for(config: Any) -> set[str]:
    """The recipients a run of this family must skip: none unless it is `recurring`."""
    if not config.recurring:
        return set()
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection
    from alertas_rapidas.ledger.unsubscribes import unsubscribed_refs

    with ledger_connection(ALERTS_CONN_ID) as conn:
        return unsubscribed_refs(conn, config.key)


def skip_unsubscribed(plan: Plan, refs: set[str]) -> Plan:
    """The plan with the messages of recipients in `refs` moved to its skipped ones (reason
    `unsubscribed`)."""
    if refs:
        kept = []
        for message in plan.messages:
            if message.recipient_ref in refs:
                plan.skipped.append(SkippedCandidate(message.recipient_ref, message.business_key, REASON))
            else:
                kept.append(message)
        plan.messages = kept
    return plan
