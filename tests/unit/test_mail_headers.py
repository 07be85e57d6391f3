"""The headers of every alert (Date, Message-ID, Auto-Submitted, display names, List-Unsubscribe),
the strict machine check of sent messages, unsubscribe tokens and the `recurring` setting."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alertas_rapidas import unsubscribes
from alertas_rapidas.config import FamilyConfigError, load_family_config
from alertas_rapidas.contracts.plan import OutgoingMessage, Plan
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.rendering import MessageRenderer, format_sender
from alertas_rapidas.unsubscribes import TokenError, UnsubscribeLinks, make_token, read_token
from tests.support.mail_checks import message_problems, strict_message
from tests.unit.test_rendering import outgoing

SECRET = "unit-test-unsubscribe-secret-0001"
NOON_BA = datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=ZoneInfo("America/Argentina/Buenos_Aires"))
URL = "https://alertas.example.com/alertas-unsubscribe/{token}"


def renderer(**options) -> MessageRenderer:
    return MessageRenderer(
        "customer_statements",
        "customer_statements",
        sender=format_sender("Autosur S.A.", "alertas@autosur.example.com"),
        **options,
    )


def render(message: OutgoingMessage | None = None, **options) -> bytes:
    mail = renderer(**options).render(message or outgoing(), message_id="<m1@alertas-rapidas>")
    return bytes(mail)


# --- Date, Auto-Submitted, Message-ID --------------------------------------------------------------


def test_date_is_the_render_time_in_the_family_time_zone():
    raw = render(clock=lambda zone: NOON_BA.astimezone(zone))
    mail = strict_message(raw)
    assert mail["Date"] == "Tue, 01 Dec 2026 08:00:00 -0300"
    raw = render(timezone="Europe/Madrid", clock=lambda zone: NOON_BA.astimezone(zone))
    assert strict_message(raw)["Date"] == "Tue, 01 Dec 2026 12:00:00 +0100"


def test_date_defaults_to_now():
    before = datetime.now(ZoneInfo("UTC")).replace(microsecond=0)
    when = parsedate_to_datetime(str(strict_message(render())["Date"]))
    assert when.utcoffset().total_seconds() == -3 * 3600  # Buenos Aires
    assert before <= when <= datetime.now(ZoneInfo("UTC"))


def test_every_alert_is_auto_submitted_and_passes_the_strict_checks():
    raw = render(outgoing(pdf=True))
    mail = strict_message(raw)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"] == "<m1@alertas-rapidas>"
    assert message_problems(raw) == []
    assert message_problems(render(outgoing(language="en"))) == []


# --- the strict check fails on what the old output lacked -----------------------------------------


def without(raw: bytes, *names: str) -> bytes:
    head, body = raw.split(b"\r\n\r\n", 1)
    kept = [line for line in head.split(b"\r\n") if line.split(b":", 1)[0].decode() not in names]
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def test_the_check_names_a_missing_date_auto_submitted_or_message_id():
    raw = render()
    assert message_problems(without(raw, "Date")) == ["Date: appears 0 times (want exactly once)"]
    assert message_problems(without(raw, "Auto-Submitted")) == [
        "Auto-Submitted: appears 0 times (want exactly once)"
    ]
    assert message_problems(without(raw, "Message-ID")) == ["Message-ID: appears 0 times (want exactly once)"]
    undated = raw.replace(b"Date: ", b"Date: 1 Dec 2026 08:00:00 -0000\r\nX-Old-Date: ", 1)
    assert "Date: no time zone offset" in message_problems(undated)


def test_the_check_names_a_wrong_mime_structure():
    raw = render(outgoing(pdf=True))
    html_only = raw.replace(b"Content-Type: text/plain", b"Content-Type: text/x-other", 1)
    assert any("want text/plain then text/html" in p for p in message_problems(html_only))
    unnamed = raw.replace(b'; filename="estado-de-cuenta-C001-2026-10.pdf"', b"", 1)
    assert any("without a file name" in p for p in message_problems(unnamed))
    broken = raw.replace(b"boundary=", b"boundary-gone=", 1)
    assert message_problems(broken)  # strict parse: no boundary in a multipart


# --- display names -----------------------------------------------------------------------------------


def test_each_addressee_gets_its_display_name_and_data_cannot_add_a_header():
    message = outgoing(
        recipient_ref="employee:7",
        to=["ana.perez@autosur.example.com", "bruno.diaz@autosur.example.com"],
        cc=["carla.ruiz@autosur.example.com"],
        display_name=None,
        names={
            "ana.perez@autosur.example.com": "Ana Pérez",
            "bruno.diaz@autosur.example.com": "Bruno\r\nBcc: x@example.com",
            "carla.ruiz@autosur.example.com": "Ruiz, Carla",
        },
    )
    raw = render(message)
    mail = strict_message(raw)
    assert [(a.display_name, a.addr_spec) for a in mail["To"].addresses] == [
        ("Ana Pérez", "ana.perez@autosur.example.com"),
        ("Bruno Bcc: x@example.com", "bruno.diaz@autosur.example.com"),
    ]
    assert [(a.display_name, a.addr_spec) for a in mail["Cc"].addresses] == [
        ("Ruiz, Carla", "carla.ruiz@autosur.example.com")
    ]
    assert mail.get_all("Bcc") is None and message_problems(raw) == []
    # The names survive the batch file between transform and render.
    assert OutgoingMessage.from_dict(message.to_dict()).names == message.names


def test_a_customer_keeps_its_display_name():
    mail = strict_message(render())
    assert str(mail["To"]) == '"Transportes del Sur S.R.L." <pagos@transportes.example.com>'


# --- List-Unsubscribe ---------------------------------------------------------------------------------


def test_a_recurring_alert_carries_one_click_list_unsubscribe_headers():
    links = UnsubscribeLinks("customer_statements", SECRET, URL, "bajas@autosur.example.com")
    raw = render(unsubscribe=links)
    mail = strict_message(raw)
    token = make_token(SECRET, "customer_statements", "customer:1", "es")
    assert mail["List-Unsubscribe"] == (
        f"<https://alertas.example.com/alertas-unsubscribe/{token}>, "
        f"<mailto:bajas@autosur.example.com?subject=unsubscribe%20{token}>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"pagos@transportes" not in raw.split(b"List-Unsubscribe:", 1)[1].split(b"\r\n", 1)[0]
    assert message_problems(raw) == []


def test_a_recurring_alert_shows_the_link_at_the_foot_of_both_bodies():
    links = UnsubscribeLinks("customer_statements", SECRET, URL, "bajas@autosur.example.com")
    for language, label in (
        ("es", "Dejar de recibir estos avisos"),
        ("en", "Unsubscribe from these e-mails"),
    ):
        mail = strict_message(render(outgoing(language=language), unsubscribe=links))
        url = URL.replace("{token}", make_token(SECRET, "customer_statements", "customer:1", language))
        html = mail.get_body(("html",)).get_content()
        assert f'<a href="{url}" style="color: #777;" data-text-url>{label}</a>' in html
        text = mail.get_body(("plain",)).get_content()
        assert text.rstrip().endswith(f"{label}: {url}")
    plain = strict_message(render())
    assert "data-text-url" not in plain.get_body(("html",)).get_content()
    assert "Dejar de recibir" not in plain.get_body(("plain",)).get_content()


def test_the_text_fallback_of_an_html_body_keeps_a_marked_link_address():
    from alertas_rapidas.rendering import _html_to_text

    html = '<p>Hola</p><p><a href="https://x.example/u/a?b=1&amp;c=2" data-text-url>Baja</a></p><a href="https://y">Y</a>'
    assert _html_to_text(html) == "Hola\nBaja: https://x.example/u/a?b=1&c=2\nY\n"


def test_mailto_only_has_no_one_click_and_a_non_recurring_alert_has_no_headers():
    mail = strict_message(
        render(unsubscribe=UnsubscribeLinks("x_y", SECRET, None, "bajas@autosur.example.com"))
    )
    assert str(mail["List-Unsubscribe"]).startswith(
        "<mailto:bajas@autosur.example.com?subject=unsubscribe%20"
    )
    assert mail["List-Unsubscribe-Post"] is None
    plain = strict_message(render())
    assert plain["List-Unsubscribe"] is None and plain["List-Unsubscribe-Post"] is None


def test_a_mailto_address_is_percent_encoded_so_it_cannot_break_the_header():
    links = UnsubscribeLinks("x_y", SECRET, None, "baja?x=1&y>@autosur.example.com")
    [target] = links.headers("customer:1", "es")["List-Unsubscribe"].split(", ")
    assert target.startswith("<mailto:baja%3Fx%3D1%26y%3E@autosur.example.com?subject=unsubscribe%20")
    assert target.count("<") == 1 and target.count(">") == 1 and target.count("?") == 1


def test_the_check_refuses_one_click_without_https():
    raw = render(unsubscribe=UnsubscribeLinks("x_y", SECRET, None, "bajas@autosur.example.com"))
    raw = raw.replace(
        b"List-Unsubscribe:", b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nList-Unsubscribe:"
    )
    assert message_problems(raw) == [
        "List-Unsubscribe-Post needs an https target in List-Unsubscribe (RFC 8058)"
    ]


def test_tokens_are_signed_and_hold_no_address():
    token = make_token(SECRET, "birthday_greetings", "customer:42", "en")
    assert token == make_token(SECRET, "birthday_greetings", "customer:42", "en")  # stable
    assert read_token(SECRET, token) == unsubscribes.Token("birthday_greetings", "customer:42", "en")
    body, sig = token.split(".")
    other = make_token(SECRET, "birthday_greetings", "customer:43", "en").split(".")[0]
    for bad in (f"{other}.{sig}", f"{body}.{sig[::-1]}", token + "x", "", "a.b.c", "%%%.%%%"):
        with pytest.raises(TokenError):
            read_token(SECRET, bad)
    with pytest.raises(TokenError):
        read_token("another-secret-0000000000", token)


def test_a_secret_variable_too_short_stops_a_recurring_family_as_a_configuration_error(monkeypatch):
    from alertas_rapidas.ledger.link_secrets import LinkSecretError
    from alertas_rapidas.task_errors import configuration_problem

    config, _ = load_family_config(FAMILIES_DIR / "birthday_greetings.yaml")
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", "short")
    with pytest.raises(LinkSecretError, match="'alertas_unsubscribe_secret' must hold .* 16") as error:
        unsubscribes.links_for(config)
    assert "alertas_unsubscribe_secret" in configuration_problem(error.value)  # fails on try 1
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", SECRET)
    links = unsubscribes.links_for(config)
    assert links is not None and links.url == URL and links.mailto == "bajas@example.com"


def test_unsubscribed_recipients_move_to_the_skipped():
    plan = Plan(candidates=3, messages=[outgoing(recipient_ref=f"customer:{n}") for n in (1, 2, 3)])
    unsubscribes.skip_unsubscribed(plan, {"customer:2", "customer:9"})
    assert [m.recipient_ref for m in plan.messages] == ["customer:1", "customer:3"]
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("customer:2", "unsubscribed")]


# --- the recurring setting -----------------------------------------------------------------------------


@pytest.mark.families
def test_recurring_families_are_the_statements_reminders_and_greetings():
    """The shipped statements, reminders and greetings are recurring; the legal documents are not.
    Other families (one added as files) may be either: this names the shipped ones only."""
    recurring, other = set(), set()
    for path in sorted(FAMILIES_DIR.glob("[a-z]*.yaml")):
        config, _ = load_family_config(path)
        (recurring if config.recurring else other).add(config.key)
    assert {
        "customer_statements",
        "appointment_reminders",
        "birthday_greetings",
        "service_due",
        "warranty_expiring",
        "vehicle_documents_expiring",
        "invoices_due_soon",
        "satisfaction_surveys",
    } <= recurring
    assert {"sales_documents", "overdue_invoices_dunning", "rejected_cheques"} <= other  # legal documents
    assert not any(
        load_family_config(FAMILIES_DIR / f"{key}.yaml")[0].audience != "customers" for key in recurring
    )


def family_file(tmp_path: Path, extra: str, audience: str = "customers") -> Path:
    (tmp_path / "_defaults.yaml").write_text("", encoding="utf-8")
    path = tmp_path / "customer_statements.yaml"
    path.write_text(
        "key: customer_statements\ntitle: Statements\ndescription: monthly statements\n"
        f"audience: {audience}\nschedule: {{cron: '0 8 1 * *'}}\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("extra", "audience", "error"),
    [
        ("recurring: true\n", "customers", "recurring: true needs unsubscribe.url or unsubscribe.mailto"),
        (
            "recurring: true\nunsubscribe: {mailto: bajas@example.com}\n",
            "internal",
            "not to audience 'internal'",
        ),
        ("unsubscribe: {url: 'http://x.example/{token}'}\n", "customers", "must be an https URL"),
        ("unsubscribe: {url: 'https://x.example/baja'}\n", "customers", "must hold {token} exactly once"),
        ("unsubscribe: {url: 'https://x.example/{token}>, <https://evil/'}\n", "customers", "angle brackets"),
    ],
)
def test_bad_unsubscribe_settings_are_refused(tmp_path, extra, audience, error):
    with pytest.raises(FamilyConfigError) as exc:
        load_family_config(family_file(tmp_path, extra, audience))
    assert error in str(exc.value)
