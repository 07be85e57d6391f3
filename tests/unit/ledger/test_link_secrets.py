"""The `signed_ref` template filter: an opaque HMAC-SHA256 token keyed by a link secret (an Airflow
Variable when set), read when the mail is rendered; a Variable too short to be a secret stops the
render. (Without the Variable the package's own secret signs: tests/e2e/ledger/test_recovery.py.)"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from alertas_rapidas.templating import signed_ref, template_environment

SECRET = "s3cr3t-for-the-survey-links-0001"


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_TEST_LINK_SECRET", SECRET)
    return "alertas_test_link_secret"


def test_the_token_is_the_hmac_sha256_of_the_value_with_the_secret(secret):
    token = signed_ref("sale:42", secret)
    assert token == hmac.new(SECRET.encode(), b"sale:42", hashlib.sha256).hexdigest()
    assert len(token) == 64
    assert set(token) <= set("0123456789abcdef")
    assert signed_ref("sale:42", secret) == token  # stable: the survey site recomputes it
    assert signed_ref("wo:42", secret) != token  # a work order and a sale never share a token
    assert SECRET not in token


def test_templates_use_it_as_a_filter(secret):
    env = template_environment()
    rendered = env.from_string("{{ url | replace('{ref}', ref | signed_ref(variable)) }}").render(
        url="https://encuestas.example/s/{ref}", ref="wo:7", variable=secret
    )
    expected = hmac.new(SECRET.encode(), b"wo:7", hashlib.sha256).hexdigest()
    assert rendered == f"https://encuestas.example/s/{expected}"


def test_a_short_secret_stops_the_render(monkeypatch):
    from alertas_rapidas.ledger.link_secrets import LinkSecretError

    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_SHORT_SECRET", "short")
    with pytest.raises(LinkSecretError, match="'alertas_short_secret' must hold a secret of at least 16"):
        signed_ref("sale:1", "alertas_short_secret")
