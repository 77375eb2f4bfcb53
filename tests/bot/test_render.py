"""The three renderers of a :class:`Reply`, each from the reply's fields: plain text (the CLI, the
``ask --json`` text, the chat platforms' fallback), Slack Block Kit and the Teams Adaptive Card."""

from __future__ import annotations

import json
from typing import Any

from bot import plain_render, slack_render, teams_render
from handlers.messages import Contacts, Related, Reply, Source, Suggestion
from handlers.texts import t

SOURCE = Source(
    "Allerød Kommune",
    "Personale- og arbejdsmiljøpolitik",
    "Mobning",
    "Mobning er skadeligt for arbejdspladsen.\nAlle har derfor pligt til at reagere.",
)
CONTACTS = Contacts(
    "Fortæl det til din leder eller din tillidsrepræsentant.",
    Source("Allerød Kommune", "Personale- og arbejdsmiljøpolitik", "Ansvar", "Du skal orientere din leder."),
)
ANSWER = Reply(
    text="Det er et fælles ansvar at stoppe mobning.\n\nAlle skal reagere, hvis de ser det.",
    lead=t("followup.continued"),
    source=SOURCE,
    contacts=CONTACTS,
    see_also=(Related("Trivsel", "Allerød Kommune"), Related("Konflikter", "Allerød Kommune")),
    score=91.0,
    entry_id="allerod-pol-mobning-pligt",
    title="Mobning er et fælles ansvar",
)
DECLINED = Reply(
    text=t("ask.decline", "en"),
    answered=False,
    language="en",
    suggestions=(
        Suggestion("Health check", "how often can I get a health check?", "Testrup Kommune", 61.04),
    ),
    score=40.0,
)
COMMAND = Reply(text="Jeg kan svare på spørgsmål.\n• hjælp\n• tema", title=t("help.title"))

SOURCE_LINE = t("ask.source", organization=SOURCE.organization, document=SOURCE.document, section="Mobning")
CONTACTS_SOURCE = t(
    "ask.contacts_source", organization=SOURCE.organization, document=SOURCE.document, section="Ansvar"
)
SEE_ALSO = "\n".join(
    [
        t("followup.see_also"),
        t("followup.related", title="Trivsel", organization="Allerød Kommune"),
        t("followup.related", title="Konflikter", organization="Allerød Kommune"),
    ]
)


def test_plain_text_is_every_part_in_order() -> None:
    assert plain_render.render(ANSWER) == "\n\n".join(
        [
            t("followup.continued"),
            ANSWER.text,
            f"{SOURCE_LINE}\n{t('ask.quote', quote=SOURCE.quote)}",
            f"{t('ask.contacts', answer=CONTACTS.text)}\n{CONTACTS_SOURCE}",
            SEE_ALSO,
        ]
    )
    suggestion = t("ask.suggestion", "en", title="Health check", organization="Testrup Kommune")
    assert plain_render.render(DECLINED) == f"{DECLINED.text}\n\n{t('ask.suggestions', 'en')}\n{suggestion}"
    assert plain_render.render(COMMAND) == COMMAND.text  # a command's reply is its text, no title


def test_one_line_folds_every_line_break_and_keeps_every_part() -> None:
    line = plain_render.one_line(ANSWER)
    assert len(line.splitlines()) == 1 and "  " not in line
    for part in (ANSWER.text.split("\n\n")[1], SOURCE_LINE, CONTACTS.text, CONTACTS_SOURCE, "Konflikter"):
        assert part in line
    assert line == " ".join(plain_render.render(ANSWER).split())  # nothing but the breaks changed


def test_the_json_text_is_the_plain_text() -> None:
    data = json.loads(json.dumps(plain_render.to_json(ANSWER)))
    assert data == {
        "answered": True,
        "text": plain_render.render(ANSWER),
        "score": 91.0,
        "source": {
            "organization": SOURCE.organization,
            "document": SOURCE.document,
            "section": "Mobning",
            "quote": SOURCE.quote,
        },
        "suggestions": [],
    }
    declined = plain_render.to_json(DECLINED)
    assert declined["source"] is None and declined["suggestions"] == [
        {"title": "Health check", "organization": "Testrup Kommune", "score": 61.0}
    ]


def _texts(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(block type, its text) for the blocks that show text."""
    shown = []
    for block in blocks:
        if block["type"] == "section":
            shown.append(("section", block["text"]["text"]))
        elif block["type"] == "context":
            shown += [("context", e["text"]) for e in block["elements"]]
    return shown


def test_slack_lays_the_parts_out_in_blocks() -> None:
    esc = slack_render.escape
    fallback, blocks = slack_render.render(ANSWER)
    assert fallback == esc(plain_render.render(ANSWER))
    assert _texts(blocks) == [
        ("section", esc(f"{t('followup.continued')}\n\n{ANSWER.text}")),
        ("context", esc(SOURCE_LINE)),
        (
            "section",
            "&gt; Mobning er skadeligt for arbejdspladsen.\n&gt; Alle har derfor pligt til at reagere.",
        ),
        ("section", esc(t("ask.contacts", answer=CONTACTS.text))),
        ("context", esc(CONTACTS_SOURCE)),
        ("section", esc(SEE_ALSO)),
    ]
    [votes] = [b for b in blocks if b["type"] == "actions"]
    assert {e["value"] for e in votes["elements"]} == {ANSWER.entry_id}

    fallback, blocks = slack_render.render(DECLINED)
    assert _texts(blocks) == [("section", esc(DECLINED.text)), ("context", t("slack.did_you_mean", "en"))]
    [suggested] = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in suggested["elements"]] == ["how often can I get a health check?"]
    assert t("ask.suggestions", "en") in fallback  # the notification lists them as text


def _card_texts(items: list[dict[str, Any]]) -> list[str]:
    shown = []
    for item in items:
        if item["type"] == "RichTextBlock":
            shown += [run["text"] for run in item["inlines"]]
        elif item["type"] == "Container":
            shown += _card_texts(item["items"])
    return shown


def test_teams_lays_the_parts_out_in_a_card() -> None:
    card = teams_render.card(ANSWER)
    assert _card_texts(card["body"]) == [
        ANSWER.title,
        f"{t('followup.continued')}\n\n{ANSWER.text}",
        SOURCE_LINE,
        t("ask.quote", quote=SOURCE.quote),
        t("ask.contacts", answer=CONTACTS.text),
        CONTACTS_SOURCE,
        SEE_ALSO,
    ]
    assert card["fallbackText"] == f"{ANSWER.title}\n\n{plain_render.render(ANSWER)}"

    declined = teams_render.card(DECLINED)
    assert _card_texts(declined["body"]) == [DECLINED.text, t("ask.suggestions", "en")]
    [actions] = [b for b in declined["body"] if b["type"] == "ActionSet"]
    assert actions["actions"][0]["data"]["question"] == "how often can I get a health check?"
    assert teams_render.plain_text(COMMAND) == f"{COMMAND.title}\n\n{COMMAND.text}"


def _slack_sections(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(blocks) <= slack_render.MAX_BLOCKS and all(len(x) <= slack_render.SECTION_MAX for x in texts)
    return texts


def test_slack_splits_a_long_reply_over_sections_and_loses_no_line() -> None:
    lines = [f"linje {i:03d} " + "x" * 90 for i in range(100)]  # 10,000 characters
    _, blocks = slack_render.render(Reply(text="\n".join(lines), answered=False))
    shown = "\n".join(_slack_sections(blocks)).splitlines()
    assert shown == lines and len(blocks) == 4


def test_slack_says_how_many_lines_did_not_fit_in_fifty_blocks() -> None:
    lines = [f"linje {i:04d} " + "y" * 990 for i in range(200)]  # three to a section: 67 sections
    _, blocks = slack_render.render(Reply(text="\n".join(lines), answered=False, language="en", entry_id="e"))
    texts = _slack_sections(blocks)
    assert len(blocks) == slack_render.MAX_BLOCKS
    shown = [line for text in texts for line in text.splitlines()]
    *kept, note = shown
    assert kept == lines[: len(kept)]
    assert note == t("slack.more", "en", count=len(lines) - len(kept))
    one_long_line = "z" * 7000 + " &<>"
    _, blocks = slack_render.render(Reply(text=one_long_line))
    assert "".join(_slack_sections(blocks)) == slack_render.escape(one_long_line)
