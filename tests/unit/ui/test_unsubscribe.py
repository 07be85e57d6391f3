"""The unsubscribe endpoint's answers, with its storage replaced by a list (the database side is
tested end to end in tests/e2e/ui/test_unsubscribe.py)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from alertas_rapidas.ui.unsubscribe import create_app
from alertas_rapidas.unsubscribes import make_token

SECRET = "unit-test-unsubscribe-secret-0002"


@pytest.fixture
def recorded() -> list[tuple[str, str, str]]:
    return []


@pytest.fixture
def client(recorded) -> TestClient:
    def record(family: str, ref: str, source: str) -> bool:
        recorded.append((family, ref, source))
        return True

    return TestClient(create_app(secret_of=lambda: SECRET, record=record))


def token(lang: str = "es") -> str:
    return make_token(SECRET, "birthday_greetings", "customer:7", lang)


def test_a_multipart_one_click_post_unsubscribes_from_the_family(client, recorded):
    """RFC 8058 allows multipart/form-data as well as a urlencoded body."""
    response = client.post(f"/{token()}", files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert recorded == [("birthday_greetings", "customer:7", "one-click")]
    assert (
        "Saludo de cumpleaños" in response.text and "Listo: no le enviaremos más este aviso." in response.text
    )


def test_a_get_only_asks_and_the_form_choices_record_family_or_all(client, recorded):
    page = client.get(f"/{token('en')}")
    assert page.status_code == 200 and recorded == []
    assert f'action="{token("en")}"' in page.text and 'name="scope" value="all"' in page.text
    assert "Birthday greetings" in page.text and page.headers["x-robots-tag"] == "noindex"
    client.post(f"/{token('en')}", data={"scope": "family"})
    client.post(f"/{token('en')}", data={"scope": "all"})
    assert recorded == [("birthday_greetings", "customer:7", "page"), ("*", "customer:7", "page")]


def test_a_bad_token_is_404_in_both_languages_and_nothing_is_recorded(client, recorded):
    for path in (
        "/x",
        f"/{token()[:-1]}",
        "/" + "a" * 401,
        f"/{make_token('other-secret-000000', 'f', 'customer:7', 'es')}",
    ):
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
        page = client.get(path)
        assert page.status_code == 404
        assert "El enlace no es válido" in page.text and "This link is not valid" in page.text
    assert recorded == []


def test_a_database_failure_is_503_in_the_recipients_language_and_logs_no_token(caplog):
    def broken(*_args):
        raise ConnectionError("db down at 10.0.0.5")

    client = TestClient(create_app(secret_of=lambda: SECRET, record=broken))
    with caplog.at_level(logging.INFO, logger="alertas_rapidas.ui.unsubscribe"):
        response = client.post(f"/{token('en')}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 503 and "Please try again later" in response.text
    assert "birthday_greetings" in caplog.text and "ConnectionError" in caplog.text
    assert token("en") not in caplog.text and "customer:7" not in caplog.text


def test_without_the_secret_the_endpoint_answers_503_not_an_error_page(caplog, recorded):
    def missing() -> str:
        raise KeyError("alertas_unsubscribe_secret")

    client = TestClient(create_app(secret_of=missing, record=lambda *a: recorded.append(a)))
    for method in ("get", "post"):
        response = getattr(client, method)(f"/{token()}")
        assert response.status_code == 503
        assert "No pudimos registrar la baja" in response.text and "Please try again later" in response.text
    assert recorded == [] and "alertas_unsubscribe_secret cannot be read: KeyError" in caplog.text
