"""A real IMAP server for the tests: Debian's Dovecot, started on loopback from a folder of its own.

Its configuration, state, log and mail (Maildir) all live in that folder; it listens on a free
port of 127.0.0.1 with one login (`bounces`, a random password, plain text on loopback only) and
stops with the test session. Nothing of the system's Dovecot is used or touched: no service, no
/etc/dovecot. Run as root, its mail processes run as `nobody`; otherwise as the current user.
"""

from __future__ import annotations

import imaplib
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

LOGIN = "bounces"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
info_log_path = {home}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_location = maildir:{home}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={home}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.password = secrets.token_urlsafe(12)
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        binary = dovecot_binary()
        if binary is None:
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        for folder in ("run", "state", "mail"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # Dovecot runs no mail process as root
            internal, login, mail = "dovecot", "dovenull", pwd.getpwnam("nobody")
            os.chown(self.home / "mail", mail.pw_uid, mail.pw_gid)
        else:
            me = pwd.getpwuid(os.geteuid())
            internal = login = me.pw_name
            mail = me
        (self.home / "users").write_text(f"{LOGIN}:{{PLAIN}}{self.password}\n")
        config = self.home / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                home=self.home,
                port=self.port,
                internal_user=internal,
                login_user=login,
                mail_uid=mail.pw_uid,
                mail_gid=mail.pw_gid,
            )
        )
        # -F: in the foreground, a child of this process, stopped by its pid
        self.process = subprocess.Popen([binary, "-F", "-c", str(config)], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client().logout()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        log = (self.home / "dovecot.log").read_text() if (self.home / "dovecot.log").exists() else ""
        self.stop()
        raise RuntimeError(f"Dovecot did not start on port {self.port}: {log[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(LOGIN, self.password)
        return client

    def connection_json(self) -> str:
        """The Airflow IMAP connection of this mailbox (the provider's `use_ssl` extra off)."""
        return json.dumps(
            {
                "conn_type": "imap",
                "host": "127.0.0.1",
                "port": self.port,
                "login": LOGIN,
                "password": self.password,
                "extra": {"use_ssl": False},
            }
        )

    def empty(self) -> None:
        """Remove every message and every folder but INBOX (between tests)."""
        client = self.client()
        try:
            _, folders = client.list()
            for line in folders or []:
                listed = re.match(r'\((.*?)\) (NIL|"[^"]*") (.*)$', line.decode() if line else "")
                name = listed.group(3).strip('"') if listed else ""
                if name and name != "INBOX":
                    client.delete(f'"{name}"')
            _, count = client.select("INBOX")
            if int(count[0] or 0):
                client.store("1:*", "+FLAGS", r"(\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            kind, data = client.append(f'"{folder}"', None, None, raw)
            assert kind == "OK", data
        finally:
            client.logout()

    def messages(self, folder: str) -> list[tuple[set[str], bytes]]:
        """Each message of `folder`: its flags and bytes (read without marking it seen)."""
        client = self.client()
        try:
            kind, _ = client.select(f'"{folder}"', readonly=True)
            if kind != "OK":
                return []
            _, data = client.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, raw = parts[0]
                flags = set(imaplib.ParseFlags(head)) if b"FLAGS" in head else set()
                found.append(({flag.decode() for flag in flags}, raw))
            return found
        finally:
            client.logout()
