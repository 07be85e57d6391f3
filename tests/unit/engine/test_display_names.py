"""Display names the engine hands to the mail: every To person's and every Cc employee's full name
from the DMS, also when several people share one message (the old output named only a lone To)."""

from __future__ import annotations

from alertas_rapidas.rendering import MessageRenderer
from tests.support.mail_checks import message_problems, strict_message
from tests.unit.engine.test_plan import alert, plan


def test_people_together_and_their_cc_get_their_names_in_the_headers(tmp_path):
    spec = alert(
        recipients={
            "to": [{"role": "treasury", "branch": "branch_id"}],
            "together_as": "branch:{branch_id}",
            "cc": [{"role": "general_manager"}, {"addresses": ["caja@autosur.example"]}],
        },
        once_per="demo:{order_id}",
    )
    [message] = plan(spec, [{"order_id": 1, "branch_id": 1}]).messages
    assert message.to == ["ana@autosur.example", "beto@autosur.example"]
    assert message.display_name is None  # two people: no one name for the whole message
    assert message.names == {
        "ana@autosur.example": "Ana Tesorera",
        "beto@autosur.example": "Beto Tesorero",
        "gabi@autosur.example": "Gabi Gerente",
    }

    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "subject.txt").write_text("Pedidos", encoding="utf-8")
    (tmp_path / "demo" / "body.html").write_text("<p>Pedidos</p>", encoding="utf-8")
    renderer = MessageRenderer("demo", "demo", sender="alertas@autosur.example", templates_roots=(tmp_path,))
    raw = bytes(renderer.render(message, message_id="<k@alertas-rapidas>"))
    mail = strict_message(raw)
    assert str(mail["To"]) == "Ana Tesorera <ana@autosur.example>, Beto Tesorero <beto@autosur.example>"
    assert str(mail["Cc"]) == "Gabi Gerente <gabi@autosur.example>, caja@autosur.example"
    assert message_problems(raw) == []
