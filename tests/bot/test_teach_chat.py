"""Teaching from chat, end to end: an admin's ``stats`` offers each unanswered question with the
entries that come closest (a select menu in Slack, a card in Teams); a choice teaches the question
to the entry, or marks it as not answered by that entry's document, and the bot reloads, so the
next asking gets the new answer. Also ``hvorfor``/``why``. Real slack-bolt and botbuilder on
``create_app``; the fake Slack and Bot Connector on 127.0.0.1; the made-up mini knowledge, copied.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot import slack
from bot.server import create_app
from bot.slack_render import NOT_ANSWERED_ACTION, TEACH_ACTION, escape
from handlers.context import Context
from handlers.texts import t
from knowledge.service import KnowledgeService, build_snapshot
from tests.aiohttp_types import AiohttpClient, AiohttpServer
from tests.bot.both_platforms import ADMIN, TEAMS_ADMIN, serve_both
from tests.bot.slack_fakes import Call, FakeSlack, Signer, payload
from tests.bot.teams_fakes import CHANNEL_TOKEN, FakeConnector, activity, strings
from tests.knowledge import knowledge_sets
from tests.testbot import MakeBot

EMPLOYEE = "U0EMPLOYEE"
PERSONAL = "a:1personal-conversation-e1"
COLLEAGUE = "hvad gør jeg hvis min kollega er syg"  # unanswered; the sick-leave rules come close
SALARY = "hvad med dialog om løn"  # unanswered; the dialogue theme is offered as "did you mean"
FOCUS = "fokusområdet om sundhed"  # unanswered; Nordby's statement on health comes close


@dataclass
class Server:
    http: TestClient[web.Request, web.Application]
    ctx: Context
    slack: FakeSlack
    connector: FakeConnector
    teams_url: str
    kdir: Path
    signer: Signer

    async def slash(self, text: str, rid: str, user: str = EMPLOYEE) -> Call:
        form = payload("slash_command", text=text, user_id=user, response_url=self.slack.response_url(rid))
        body, headers = self.signer.form(form)
        assert (await self.http.post(slack.ROUTE, data=body, headers=headers)).status == 200
        [call] = await self.slack.wait(lambda c: c.kind == "response_url" and c.method == rid, timeout=10)
        return call

    async def choose(self, menu: dict[str, Any], block_id: str, entry_id: str, rid: str, user: str) -> Call:
        """Pick ``entry_id`` in a stats menu, as Slack sends the choice (under an ephemeral reply)."""
        [option] = [o for o in menu["options"] if o["value"] == entry_id]
        data = payload(
            "block_actions",
            user={"id": user, "team_id": "T0TEST"},
            container={"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True},
            response_url=self.slack.response_url(rid),
        )
        del data["message"]  # Slack sends no message with a click on an ephemeral one
        data["actions"] = [
            {"type": "static_select", "action_id": menu["action_id"], "block_id": block_id,
             "selected_option": option, "action_ts": "1700000005.000200"}
        ]  # fmt: skip
        body, headers = self.signer.interaction(data)
        assert (await self.http.post(slack.ROUTE, data=body, headers=headers)).status == 200
        [call] = await self.slack.wait(lambda c: c.kind == "response_url" and c.method == rid, timeout=30)
        return call

    async def teams(self, aad: str, *, text: str | None = None, value: Any = None) -> list[dict[str, Any]]:
        """A personal message (or a card's submit) from ``aad``; the activities the bot sent back."""
        body = activity("message_personal" if value is None else "card_submit", self.teams_url)
        if text is not None:
            body["text"] = text
        if value is not None:
            body["value"] = value
        body["from"] = {**body["from"], "aadObjectId": aad}
        before = len(self.connector.calls)
        headers = {"Authorization": f"Bearer {CHANNEL_TOKEN}"}
        assert (await self.http.post("/api/messages", json=body, headers=headers)).status in (200, 201)
        return [c.body for c in self.connector.calls[before:]]

    async def audit_log(self) -> list[tuple[str, str, str, str, str]]:
        await self.ctx.settle()  # the audit lines are written in the background
        return list(await self.ctx.store.audit_log())

    async def version(self) -> str:
        return str((await (await self.http.get("/healthz")).json())["knowledge"]["version"])

    async def answer(self, question: str, rid: str) -> str:
        return (await self.slash(question, rid)).text()


@pytest.fixture
async def server(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, tmp_path: Path, testbot: MakeBot
) -> AsyncIterator[Server]:
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge_sets.MINI, kdir)
    p = await serve_both(
        aiohttp_client, aiohttp_server, testbot, KnowledgeService(kdir, build_snapshot(kdir))
    )
    yield Server(p.http, p.ctx, p.slack, p.teams, p.teams_url, kdir, Signer())


def menus(call: Call, question: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The block id and the two menus (by action id) under ``question`` in a stats reply."""
    [block] = [b for b in call.body["blocks"] if b.get("block_id") == f"grundlag_teach:{question}"]
    return block["block_id"], {m["action_id"]: m for m in block["elements"]}


async def test_an_admin_teaches_an_unanswered_question_from_slack(server: Server) -> None:
    assert "Kilde:" not in await server.answer(COLLEAGUE, "q1")
    assert "Kilde:" not in await server.answer(COLLEAGUE.capitalize() + "?", "q2")
    before = await server.version()

    stats = await server.slash("stats", "stats", user=ADMIN)
    said = stats.text()
    assert escape(t("admin.stats.group", count=2, text=COLLEAGUE)) in said
    assert "bedste bud: testrup-sygefravaer “Retningslinjer for sygefravær”" in said
    assert escape(t("teach.offer", question=COLLEAGUE, count=2)) in said
    block_id, menu = menus(stats, COLLEAGUE)
    assert menu[TEACH_ACTION]["placeholder"]["text"] == "Svar med …"
    assert menu[NOT_ANSWERED_ACTION]["placeholder"]["text"] == "Svar ikke fra …"
    assert "Retningslinjer for sygefravær (testrup-sygefravaer)" in [
        o["text"]["text"] for o in menu[TEACH_ACTION]["options"]
    ]

    done = await server.choose(menu[TEACH_ACTION], block_id, "testrup-sygefravaer", "teach", ADMIN)
    said = done.text()
    assert done.body["response_type"] == "ephemeral" and done.body.get("replace_original") is False
    assert (
        escape(
            t(
                "teach.added",
                question=COLLEAGUE,
                language="da",
                entry="testrup-sygefravaer",
                file="testrup-politik.yaml",
            )
        )
        in said
    )
    assert escape(t("teach.answers", entry="testrup-sygefravaer")) in said
    after = await server.version()
    assert after != before and after in said  # reloaded: the reply reports the new version
    assert COLLEAGUE in (server.kdir / "testrup-politik.yaml").read_text(encoding="utf-8")
    assert "Kilde: Testrup Kommune · Personalepolitik · Sygefravær" in await server.answer(COLLEAGUE, "q3")
    assert [row[1:] for row in reversed(await server.audit_log())] == [
        (f"slack:{ADMIN}", "teach", "ok", "testrup-sygefravaer (testrup-politik.yaml)"),
        (f"slack:{ADMIN}", "reload", "ok", f"{before}->{after}"),
    ]


async def test_an_admin_marks_a_question_not_answered_by_a_document_from_slack(server: Server) -> None:
    offered = await server.answer(SALARY, "q1")
    assert "Tema: Vi skaber resultater gennem dialog" in offered  # as "did you mean"

    stats = await server.slash("stats", "stats", user=ADMIN)
    block_id, menu = menus(stats, SALARY)
    documents = [o["text"]["text"] for o in menu[NOT_ANSWERED_ACTION]["options"]]
    assert "Testrup Kommune · Personalepolitik" in documents and len(documents) == len(set(documents))
    [value] = [o["value"] for o in menu[NOT_ANSWERED_ACTION]["options"]
               if o["text"]["text"] == "Testrup Kommune · Personalepolitik"]  # fmt: skip

    done = await server.choose(menu[NOT_ANSWERED_ACTION], block_id, value, "mark", ADMIN)
    assert escape(
        t("teach.declined_added", question=SALARY, organization="Testrup Kommune",
          document="Personalepolitik", file="testrup-politik.yaml")
    ) in done.text()  # fmt: skip
    assert "Tema: Vi skaber resultater gennem dialog" not in await server.answer(SALARY, "q2")
    assert "Kilde: Testrup Kommune" in await server.answer("hvad betyder resultater gennem dialog", "q3")
    [audit] = [row for row in await server.audit_log() if row[2] == "not-answered"]
    assert audit[1:] == (f"slack:{ADMIN}", "not-answered", "ok", f"{value} (testrup-politik.yaml)")


async def test_an_employee_cannot_teach(server: Server) -> None:
    await server.answer(COLLEAGUE, "q1")
    stats = await server.slash("stats", "stats", user=ADMIN)
    block_id, menu = menus(stats, COLLEAGUE)
    before = (server.kdir / "testrup-politik.yaml").read_text(encoding="utf-8")

    done = await server.choose(menu[TEACH_ACTION], block_id, "testrup-sygefravaer", "teach", EMPLOYEE)

    assert escape(t("admin.refused", command="teach")) in done.text()
    assert (server.kdir / "testrup-politik.yaml").read_text(encoding="utf-8") == before
    assert (await server.audit_log())[0][1:4] == (f"slack:{EMPLOYEE}", "teach", "refused")


async def test_a_choice_that_would_break_an_answer_changes_nothing(server: Server) -> None:
    shutil.copy(knowledge_sets.MINI.parent / "teaching" / "testrup-sundhedsordning.yaml", server.kdir)
    await server.slash("reload", "reload", user=ADMIN)
    question = "hvor tit kan jeg få et sundhedstjek"
    block_id = f"grundlag_teach:{question}"  # as if it had been offered
    menu = {"action_id": TEACH_ACTION, "options": [{"text": {"type": "plain_text", "text": "x"},
                                                    "value": "testrup-sundhedsordning"}]}  # fmt: skip
    before = await server.version()

    done = await server.choose(menu, block_id, "testrup-sundhedsordning", "teach", ADMIN)

    said = done.text()
    assert "Intet ændret: testrup-sundhedsordning.yaml would break answers the bot gives now" in said
    assert "entry testrup-sundhedstjek no longer answers its own question" in said
    assert await server.version() == before
    assert "Kilde: Testrup Kommune · Personalepolitik · Sundhed" in await server.answer(question, "q")


async def test_an_admin_teaches_from_a_teams_card(server: Server) -> None:
    await server.teams("00000000-0000-0000-0000-0000000000e1", text=FOCUS)
    [reply] = await server.teams(TEAMS_ADMIN, text="stats")
    card = reply["attachments"][0]["content"]
    [choice_set] = [b for b in card["body"] if b["type"] == "Input.ChoiceSet"]
    assert (
        "Vi passer på hinandens sundhed (nordby-statement-sundhed) · Nordby Kommune · Ledelsesgrundlag"
        in [c["title"] for c in choice_set["choices"]]
    )
    buttons = [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert [b["title"] for b in buttons] == ["Svar med det valgte", "Svar ikke fra dets dokument"]
    before = await server.version()

    sent = await server.teams(
        TEAMS_ADMIN, value={**buttons[0]["data"], choice_set["id"]: "nordby-statement-sundhed"}
    )

    said = " ".join(s for body in sent for s in strings(body))
    assert t("teach.answers", entry="nordby-statement-sundhed") in said
    assert await server.version() != before
    [answer] = await server.teams("00000000-0000-0000-0000-0000000000e1", text=FOCUS)
    assert "Nordby Kommune · Ledelsesgrundlag · Sundhed" in " ".join(strings(answer))
    assert (await server.audit_log())[1][1:4] == (f"teams:{TEAMS_ADMIN}", "teach", "ok")


async def test_a_card_submitted_without_a_choice_asks_for_one(server: Server) -> None:
    value = {"grundlagbot": "teach", "question": FOCUS, "choice": "teach-1", "teach-1": ""}
    sent = await server.teams(TEAMS_ADMIN, value=value)
    assert t("teach.no_choice") in " ".join(s for body in sent for s in strings(body))


async def test_no_one_teaches_through_teams_without_an_app_id(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot, tmp_path: Path
) -> None:
    fake, url = connector
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge_sets.MINI, kdir)
    ctx = testbot(
        KnowledgeService(kdir, build_snapshot(kdir)), admins=frozenset({f"teams:{TEAMS_ADMIN}"})
    ).ctx
    client = await aiohttp_client(create_app(ctx))  # local mode: the sender is not vouched for
    body = activity("card_submit", url)
    body["from"] = {**body["from"], "aadObjectId": TEAMS_ADMIN}
    body["value"] = {"grundlagbot": "teach", "question": FOCUS, "choice": "teach-1",
                     "teach-1": "nordby-statement-sundhed"}  # fmt: skip
    before = (kdir / "nordby-grundlag.yaml").read_text(encoding="utf-8")

    assert (await client.post("/api/messages", json=body)).status in (200, 201)

    assert t("admin.refused", command="teach") in " ".join(strings(fake.sent(PERSONAL)[-1].body))
    assert (kdir / "nordby-grundlag.yaml").read_text(encoding="utf-8") == before


async def test_why_explains_to_an_admin_and_answers_anyone_else(server: Server) -> None:
    explained = await server.slash("hvorfor hvor tit kan jeg få et sundhedstjek", "w1", user=ADMIN)
    said = explained.text()
    assert "Spørgsmålet er læst som: sundhedstjek" in said and "→ svarer herfra" in said
    assert explained.body["response_type"] == "ephemeral"

    answered = await server.answer("hvorfor tilbyder kommunen sundhedstjek", "w2")
    assert "Ansatte kan få et sundhedstjek hvert andet år." in answered and "læst som" not in answered

    usage = await server.slash("hvorfor", "w3", user=ADMIN)
    assert escape(t("why.usage", "da")) in usage.text()

    [reply] = await server.teams(TEAMS_ADMIN, text="why how often can I get a health check")
    assert "The question was read as: " in " ".join(strings(reply))
