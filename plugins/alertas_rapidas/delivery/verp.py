"""The envelope sender of each message: a bounce address that names the message (VERP).

With `"bounce_address": "bounces@autosur.example.com"` in the SMTP connection's extras, every
message is sent with the envelope sender (MAIL FROM, the Return-Path its delivery report goes back
to) `bounces+<token>@autosur.example.com`: the token is the first 80 bits of HMAC-SHA256 of the
message's ledger key under the package's secret `alertas_bounce_secret` (a Variable, or the
package's own: `link_secrets`), written in base32, so a report sent to that address names its
ledger row, and nobody can make one up for a message of their choosing. The `From` header does
not change. Without the extra, the envelope sender is the connection's `from_email` and reports
are matched by the Message-ID they quote (`bounces`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from alertas_rapidas.ledger.link_secrets import BOUNCE

SECRET = BOUNCE  # link_secrets: a Variable of that name, else the package's own
EXTRA = "bounce_address"  # the SMTP connection's extra
TOKEN_LENGTH = 16  # base32 characters: 80 bits
SEPARATOR = "+"
TOKEN = re.compile(rf"\{SEPARATOR}([a-z2-7]{{{TOKEN_LENGTH}}})@", re.IGNORECASE)


def token_for(secret: str, key: str) -> str:
    """The VERP token of the message with ledger key `key`."""
    digest = hmac.new(secret.encode("utf-8"), b"alertas-rapidas verp v1\x1f" + key.encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()[:10]).decode("ascii").lower()


def tokens_in(text: str) -> set[str]:
    """The VERP tokens an address or a header holds (`bounces+<token>@...`), lower case."""
    return {match.lower() for match in TOKEN.findall(text or "")}


@dataclass(frozen=True)
class BounceAddresses:
    """Builds each message's envelope sender from the connection's `bounce_address`."""

    local: str
    domain: str
    secret: str

    def token(self, key: str) -> str:
        return token_for(self.secret, key)

    def address(self, token: str) -> str:
        return f"{self.local}{SEPARATOR}{token}@{self.domain}"


def bounce_addresses(smtp_conn_id: str, conn: Any) -> BounceAddresses | None:
    """The connection's VERP addresses, or None when it sets no `bounce_address` (then the envelope
    sender is its `from_email`). `conn` is the ledger (the package's own secret lives there)."""
    from airflow.sdk import BaseHook

    from alertas_rapidas.ledger.link_secrets import link_secret
    from alertas_rapidas.task_errors import ConfigurationError

    configured = BaseHook.get_connection(smtp_conn_id).extra_dejson.get(EXTRA)
    if not configured:
        return None
    local, at, domain = str(configured).strip().rpartition("@")
    longest = 64 - len(SEPARATOR) - TOKEN_LENGTH  # a local part holds at most 64 characters
    if not at or not local or "." not in domain or SEPARATOR in local or len(local) > longest:
        raise ConfigurationError(
            f"connection {smtp_conn_id!r}, extra {EXTRA}: {configured!r} is not an address such as "
            f"bounces@example.com (no '{SEPARATOR}' in it, at most {longest} characters before the @)"
        )
    return BounceAddresses(local, domain, link_secret(SECRET, conn))
