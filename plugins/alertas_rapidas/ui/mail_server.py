""" "Test the mail server": does `smtp_default` work with its server? Nothing is sent.

As a run's deliver task connects (`delivery.smtp_session.SmtpSession`: TLS required
where the connection asks for it, the certificate verified, the password only over TLS), then
says `MAIL FROM` with the sender a run uses and takes it back with `RSET`, and quits. Each step
is reported with its outcome, like Grafana's contact-point test: connect, TLS, login, sender.
"""

from __future__ import annotations

import logging
import ssl
import time
from typing import Any

log = logging.getLogger(__name__)

OK, FAILED, NOT_USED, NOT_REACHED = "ok", "failed", "not_used", "not_reached"


def _step(name: str, status: str, detail: str = "", code: str = "") -> dict[str, str]:
    """One step; `code` names a detail the page words in the user's language (plain_text, no_login,
    logged_in), else the page shows `detail` as it is (a server's reply, a classified reason)."""
    return {"step": name, "status": status, "detail": detail, "code": code}


def _failed_at(reason: str) -> str:
    """Which step a failure to open the session happened at, from its classified reason."""
    text = reason.lower()
    if "login" in text or "auth" in text or "password" in text:
        return "login"
    if "tls" in text or "certificate" in text or "ssl" in text or "ca_bundle" in text:
        return "tls"
    return "connect"


def check_mail_server(smtp_conn_id: str, user: str) -> dict[str, Any]:
    """Connect, secure, log in and try the sender as a run would; the steps and their outcomes."""
    from alertas_rapidas.delivery.smtp_session import SmtpSession

    started = time.monotonic()
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    steps: list[dict[str, str]] = []
    try:
        problem = session.open()
        conn = getattr(session, "smtp_connection", None)
        target = f"{conn.host}:{conn.port}" if conn is not None else smtp_conn_id
        security = (
            "implicit TLS"
            if conn is not None and session.use_ssl
            else "STARTTLS"
            if conn is not None and session.smtp_starttls
            else "none"
        )
        if problem is not None:
            where = _failed_at(problem.reason or "") if conn is not None else "connect"
            order = ["connect", "tls", "login"]
            for name in order:
                if order.index(name) < order.index(where):
                    steps.append(_step(name, OK, target if name == "connect" else security))
                elif name == where:
                    steps.append(_step(name, FAILED, problem.reason or ""))
                else:
                    steps.append(_step(name, NOT_REACHED))
            steps.append(_step("sender", NOT_REACHED))
        else:
            client = session.client()
            client.ehlo_or_helo_if_needed()  # as a run does before MAIL (a plain relay gets none yet)
            greeting = (client.ehlo_resp or client.helo_resp or b"").decode("utf-8", "replace").splitlines()
            steps.append(_step("connect", OK, f"{target} ({greeting[0] if greeting else 'no EHLO name'})"))
            sock = client.sock
            if isinstance(sock, ssl.SSLSocket):
                cipher = sock.cipher()
                steps.append(_step("tls", OK, f"{security}, {sock.version()}, {cipher[0] if cipher else ''}"))
            else:
                steps.append(_step("tls", NOT_USED, "plain text (a local relay only)", "plain_text"))
            logged_in = bool(session.smtp_user and session.smtp_password)
            steps.append(
                _step("login", OK if logged_in else NOT_USED, "logged in" if logged_in else "no login")
            )
            steps.append(_sender_step(session, client))
    except Exception as exc:  # anything the classification above did not foresee: one line
        steps.append(
            _step("connect", FAILED, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        )
    finally:
        try:
            session.quit()
        except Exception:
            session.reset()
    ok = all(step["status"] in (OK, NOT_USED) for step in steps)
    elapsed = round((time.monotonic() - started) * 1000)
    log.info("Alertas mail server check by %s: %s in %d ms", user, "ok" if ok else "failed", elapsed)
    return {"ok": ok, "connection": smtp_conn_id, "elapsed_ms": elapsed, "steps": steps}


def _sender_step(session: Any, client: Any) -> dict[str, str]:
    """MAIL FROM with the sender a run uses, then RSET: accepted or refused, nothing sent."""
    try:
        sender = session.sender()
    except ValueError as exc:
        return _step("sender", FAILED, str(exc))
    code, message = client.mail(sender)
    reply = f"{code} {message.decode('utf-8', 'replace')}".strip()
    client.rset()
    return _step("sender", OK if code == 250 else FAILED, f"{sender}: {reply}")
