"""Admin operations through the real server: signed Slack slash commands and Teams activities to
``create_app`` (slack-bolt and botbuilder included), replies read at fakes on 127.0.0.1, health
and metrics over HTTP, the database read straight from its file."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import slack
from bot.slack_render import escape
from handlers import admin
from handlers.context import Context
from handlers.texts import t
from knowledge.model import Entry
from knowledge.reload import answers_itself
from tests.aiohttp_types import AiohttpClient, AiohttpServer
from tests.bot.both_platforms import ADMIN, TEAMS_ADMIN, Platforms, serve_both
from tests.bot.slack_fakes import Call, Signer, payload
from tests.bot.teams_fakes import CHANNEL_TOKEN, activity, strings
from tests.knowledge.edits import (
    BROKEN_YAML,
    copy_knowledge,
    document_files,
    organizations_with_one_file,
    serving,
)
from tests.testbot import MakeBot

EMPLOYEE = "U0EMPLOYEE"


@dataclass
class Server(Platforms):
    """Both platforms on a copy of the knowledge files (``kdir``), with a Slack signer."""

    kdir: Path
    signer: Signer

    async def slash(self, text: str, rid: str, user: str = EMPLOYEE, channel: str = "C0GENERAL") -> int:
        form = payload(
            "slash_command",
            text=text,
            user_id=user,
            channel_id=channel,
            response_url=self.slack.response_url(rid),
        )
        response = await self.http.post(
            slack.ROUTE, data=(signed := self.signer.form(form))[0], headers=signed[1]
        )
        return response.status

    async def reply(self, rid: str) -> Call:
        [call] = await self.slack.wait(lambda c: c.kind == "response_url" and c.method == rid, timeout=10)
        return call

    async def teams_message(self, text: str, aad: str) -> str:
        body = activity("message_personal", self.teams_url, text=text)
        body["from"] = {**body["from"], "aadObjectId": aad}
        before = len(self.teams.calls)
        token = {"Authorization": f"Bearer {CHANNEL_TOKEN}"}
        response = await self.http.post("/api/messages", json=body, headers=token)
        assert response.status in (200, 201)
        return " ".join(" ".join(strings(c.body)) for c in self.teams.calls[before:])

    async def health(self) -> dict[str, Any]:
        response = await self.http.get("/healthz")
        knowledge: dict[str, Any] = (await response.json())["knowledge"]
        return knowledge

    async def metric(self, line_start: str) -> str:
        text = await (await self.http.get("/metrics")).text()
        return next((line for line in text.splitlines() if line.startswith(line_start)), "")


@pytest.fixture
async def server(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, tmp_path: Path, testbot: MakeBot
) -> AsyncIterator[Server]:
    kdir = copy_knowledge(tmp_path)
    p = await serve_both(aiohttp_client, aiohttp_server, testbot, serving(kdir))
    yield Server(**vars(p), kdir=kdir, signer=Signer())


def self_answering(ctx: Context, besides: str | None = None) -> Entry:
    """An entry that answers its own first question, from another organisation than ``besides``."""
    snap = ctx.knowledge.current
    return next(e for e in snap.kb.entries if e.organization != besides and answers_itself(snap.matcher, e))


async def test_a_non_admin_cannot_reload_from_slack_or_teams(server: Server) -> None:
    before = await server.health()
    document_files(server.kdir)[organizations_with_one_file(server.kdir)[0]].unlink()

    assert await server.slash("reload", "na", user=EMPLOYEE) == 200
    assert escape(t("admin.refused", command="reload")) in (await server.reply("na")).text()
    said = await server.teams_message("reload", aad="00000000-0000-0000-0000-0000000000e1")
    assert t("admin.refused", command="reload") in said

    assert await server.health() == before
    assert await server.metric("grundlagbot_reloads_total") == ""
    await server.ctx.settle()  # audit and statistics are written in the background
    assert [row[1:4] for row in await server.ctx.store.audit_log()] == [
        ("teams:00000000-0000-0000-0000-0000000000e1", "reload", "refused"),
        (f"slack:{EMPLOYEE}", "reload", "refused"),
    ]


async def test_a_broken_file_is_named_and_the_old_knowledge_keeps_answering(server: Server) -> None:
    entry = self_answering(server.ctx)
    before = await server.health()
    (server.kdir / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")

    await server.slash("reload", "bad", user=ADMIN)
    said = (await server.reply("bad")).text()
    await server.slash(entry.questions[0], "q1")
    answered = (await server.reply("q1")).text()

    assert "broken.yaml:" in said and before["version"] in said
    assert await server.health() == before
    assert escape(entry.answer.da) in answered
    assert await server.metric('grundlagbot_reloads_total{outcome="failed"}') == (
        'grundlagbot_reloads_total{outcome="failed"} 1.0'
    )


async def test_a_long_list_of_problems_reaches_slack_whole(server: Server) -> None:
    named = [f"ødelagt-{i:02d}-" + "fil" * 30 + ".yaml" for i in range(40)]
    for name in named:
        (server.kdir / name).write_text(BROKEN_YAML, encoding="utf-8")

    await server.slash("reload", "many", user=ADMIN)
    blocks = (await server.reply("many")).body["blocks"]

    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(blocks) <= 50 and all(len(text) <= 3000 for text in sections)
    shown = "".join(sections)
    listed = sorted(named)[: admin.MAX_PROBLEMS]  # the reply lists so many; the log has them all
    assert all(f"{name}:" in shown for name in listed)
    assert escape(t("admin.more", count=len(named) - len(listed))) in shown


async def test_a_removed_document_is_gone_and_healthz_shows_the_new_version(server: Server) -> None:
    organization = organizations_with_one_file(server.kdir)[0]
    gone = [e for e in server.ctx.knowledge.current.kb.entries if e.organization == organization]
    before = await server.health()
    document_files(server.kdir)[organization].unlink()

    said = await server.teams_message("reload", aad=TEAMS_ADMIN)
    after = await server.health()
    await server.slash(gone[0].questions[0], "q2")
    answered = (await server.reply("q2")).text()

    assert (
        f"{organization} · {gone[0].document}" in said and str(len(gone)) in said and after["version"] in said
    )
    assert after["version"] != before["version"] and after["loaded_at"] >= before["loaded_at"]
    assert after["entries"] == before["entries"] - len(gone)
    assert f"{organization} · " not in answered  # no source line from the removed document
    assert (
        await server.metric("grundlagbot_knowledge_entries ")
        == f"grundlagbot_knowledge_entries {after['entries']}.0"
    )
    await server.ctx.settle()  # audit and statistics are written in the background
    assert (await server.ctx.store.audit_log())[0][1:4] == (f"teams:{TEAMS_ADMIN}", "reload", "ok")


async def test_no_question_fails_while_a_reload_runs_under_load(server: Server) -> None:
    removed = organizations_with_one_file(server.kdir)[0]
    entry = self_answering(server.ctx, besides=removed)  # answered the same before and after
    document_files(server.kdir)[removed].unlink()
    questions = 40

    statuses = await asyncio.gather(
        server.slash("reload", "reload", user=ADMIN),
        *(server.slash(entry.questions[0], f"load{i}") for i in range(questions)),
    )
    replies = await server.slack.wait(lambda c: c.kind == "response_url", count=questions + 1, timeout=30)

    assert set(statuses) == {200}
    by_id = {c.method: c.text() for c in replies}
    assert t("admin.reload.ok", ms=0, version="", previous="").split(" ")[0] in by_id["reload"]
    assert all(escape(entry.answer.da) in by_id[f"load{i}"] for i in range(questions))
    order = [c.method for c in replies]
    assert order.index("reload") > 0, "no question was answered while the reload ran"


async def test_the_database_holds_no_user_or_channel_next_to_question_text(server: Server) -> None:
    user, channel, aad = "U0PRIVATEPERSON", "C0PRIVATECHANNEL", "00000000-0000-0000-0000-00000000beef"
    entry = self_answering(server.ctx)
    asked = [entry.questions[0], "hvad er der til frokost i kantinen i morgen", "hvem vinder fodboldkampen"]
    await server.slash(asked[0], "p1", user=user, channel=channel)
    await server.slash(asked[1], "p2", user=user, channel=channel)
    await server.reply("p1"), await server.reply("p2")
    await server.teams_message(asked[2], aad=aad)
    await server.slash("stats", "p3", user=user, channel=channel)  # refused, and audited
    await server.reply("p3")

    db = sqlite3.connect(server.ctx.settings.db_path)
    identities = (user, channel, aad, "29:1a2b3c-employee-teams-id", "a:1personal-conversation-e1")
    holding: set[str] = set()
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        columns = [r[1].lower() for r in db.execute(f"PRAGMA table_info({table})")]
        for row in db.execute(f"SELECT * FROM {table}"):
            cells = [str(c) for c in row]
            if any(q in c for q in asked for c in cells):
                holding.add(table)
                assert not {
                    c for c in columns if any(w in c for w in ("user", "channel", "conversation", "admin"))
                }
                assert not [c for c in cells for who in identities if who in c]
    assert holding, "the unanswered questions were not kept for the statistics at all"
    await server.ctx.settle()  # audit and statistics are written in the background
    assert set(asked[1:]) <= set(await server.ctx.store.unanswered())


async def test_stats_through_slack_show_unanswered_questions_without_identity(server: Server) -> None:
    for i, text in enumerate(
        ["hvad er der til frokost?", "Hvad er der til frokost", "hvad er der til frokost i dag"]
    ):
        await server.slash(text, f"s{i}", user=f"U0ASKER{i}", channel=f"C0ROOM{i}")
        await server.reply(f"s{i}")
    await server.ctx.settle()  # the statistics are written in the background

    await server.slash("stats", "stats", user=ADMIN)
    call = await server.reply("stats")
    said = call.text()

    assert "3× “" in said and "frokost" in said
    assert call.body["response_type"] == "ephemeral"
    # No "share in channel" or feedback buttons: a click would run the admin command again. The
    # only actions are the menus that teach the unanswered question.
    actions = [b for b in call.body.get("blocks", []) if b["type"] == "actions"]
    assert [b["block_id"] for b in actions] == ["grundlag_teach:hvad er der til frokost?"]
    assert not any(who in said for who in ("U0ASKER", "C0ROOM"))


@pytest.mark.slow
def test_sighup_reloads_the_running_server(tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "GRUNDLAGBOT_"))}
    env |= {"GRUNDLAGBOT_KNOWLEDGE": str(kdir), "GRUNDLAGBOT_DB": str(tmp_path / "bot.sqlite3")}
    exe = Path(sys.executable).parent / "grundlagbot"
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            before = _poll(port, lambda h: True)
            document_files(kdir)[organizations_with_one_file(kdir)[0]].unlink()
            proc.send_signal(signal.SIGHUP)
            after = _poll(port, lambda h: h["version"] != before["version"])
            assert after["entries"] < before["entries"] and proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(10)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(port: int, ready: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
    """/healthz's knowledge once ``ready`` says so (the server starts, or reloads, meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                health: dict[str, Any] = json.loads(r.read())["knowledge"]
            if ready(health):
                return health
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not get there in time")
