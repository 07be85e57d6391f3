"""One reader of the link secrets (`ledger.link_secrets.link_secret`): unsubscribe links and survey
links read theirs the same way, and no other module names a secret or reads its Variable."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

from alertas_rapidas import unsubscribes
from alertas_rapidas.config import load_family_config
from alertas_rapidas.ledger.link_secrets import SURVEY, UNSUBSCRIBE, link_secret
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.templating import signed_ref

PACKAGE = Path(unsubscribes.__file__).parent
UNSUBSCRIBE_VALUE = "unsubscribe-secret-for-the-reader-01"
SURVEY_VALUE = "survey-secret-for-the-reader-000001"


def test_unsubscribe_and_survey_links_read_their_secret_through_link_secret(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_VALUE)
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", SURVEY_VALUE)
    assert link_secret(UNSUBSCRIBE) == UNSUBSCRIBE_VALUE and link_secret(SURVEY) == SURVEY_VALUE

    config, _ = load_family_config(FAMILIES_DIR / "birthday_greetings.yaml")
    links = unsubscribes.links_for(config)
    assert links is not None and links.secret == link_secret(UNSUBSCRIBE)
    expected = hmac.new(SURVEY_VALUE.encode(), b"sale:1", hashlib.sha256).hexdigest()
    assert signed_ref("sale:1", SURVEY) == expected


def test_no_other_module_names_a_link_secret_or_reads_a_variable():
    reader = PACKAGE / "ledger" / "link_secrets.py"
    named = re.compile(r"""["']alertas_\w+_secret["']|Variable\.get\(""")
    others = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path != reader and named.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []
    assert not hasattr(unsubscribes, "read_secret")
