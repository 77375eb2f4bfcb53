"""Many Slack workspaces: the app installs through OAuth, and each workspace's token is looked up.

With ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_STATE_SECRET`` set, bolt's OAuth
flow serves ``GET /slack/install`` and ``GET /slack/oauth_redirect``; an installation (a
workspace's, or an Enterprise Grid organisation's org-wide one) is saved by slack_sdk's SQLAlchemy
installation store in the bot's database, so every replica finds it. The OAuth state is kept in
the database too (slack_sdk's state store, ten minutes) and signed with ``SLACK_STATE_SECRET``, so
the replica that receives the redirect need not be the one that started the install. Both stores
run on the storage's own loop (``Storage.run``), as every other statement does.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.storage import Storage
from handlers.context import Context
from handlers.settings import SlackSettings

logger = logging.getLogger(__name__)

# The bot scopes of bot/slack_manifest.yaml, asked for at install.
SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "chat:write.public",
    "commands",
    "groups:history",
    "im:history",
    "im:write",
)
Workspace = tuple[str | None, str | None]  # (enterprise id, team id)
STATE_SECONDS = 10 * 60  # an install must be completed within this
TOKEN_SECONDS = 5 * 60  # a workspace's token is looked up again after this (reinstalls, removals)


class DatabaseInstallations(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store, on the bot's database and the storage's loop."""

    def __init__(self, storage: Storage, client_id: str) -> None:
        self.storage = storage
        self.inner = AsyncSQLAlchemyInstallationStore(client_id, storage.engine, logger=logger)

    @property
    def logger(self) -> logging.Logger:
        return logger

    async def async_save(self, installation: Installation) -> None:
        await self.storage.run(self.inner.async_save(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.storage.run(self.inner.async_save_bot(bot))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = self.inner.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        bot: Bot | None = await self.storage.run(found)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self.inner.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        installation: Installation | None = await self.storage.run(found)
        return installation

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.storage.run(self.inner.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        deleting = self.inner.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )
        await self.storage.run(deleting)

    async def bots(self) -> list[tuple[str | None, str | None, bool]]:
        """(enterprise id, team id, org-wide) of every installed bot, newest first."""
        table = self.inner.bots
        query = (
            table.select()
            .with_only_columns(table.c.enterprise_id, table.c.team_id, table.c.is_enterprise_install)
            .where(table.c.client_id == self.inner.client_id)
            .order_by(table.c.installed_at.desc())
        )

        async def read() -> list[tuple[str | None, str | None, bool]]:
            async with self.storage.engine.connect() as conn:
                rows = (await conn.execute(query)).all()
            seen: dict[tuple[str | None, str | None, bool], None] = {}
            for e, t, org in rows:
                seen.setdefault((e, t, bool(org)), None)
            return list(seen)

        return await self.storage.run(read())


class SignedStates(AsyncOAuthStateStore):
    """OAuth states kept in the database for :data:`STATE_SECONDS`, each signed with the state
    secret: a state is consumed once, on any replica, and only if this deployment issued it."""

    def __init__(self, storage: Storage, secret: str) -> None:
        self.storage = storage
        self.key = secret.encode()
        self.inner = AsyncSQLAlchemyOAuthStateStore(STATE_SECONDS, storage.engine, logger=logger)

    @property
    def logger(self) -> logging.Logger:
        return logger

    def _sign(self, state: str) -> str:
        return hmac.new(self.key, state.encode(), hashlib.sha256).hexdigest()

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state: str = await self.storage.run(self.inner.async_issue())
        return f"{state}.{self._sign(state)}"

    async def async_consume(self, state: str) -> bool:
        raw, _, signature = state.rpartition(".")
        if not raw or not hmac.compare_digest(self._sign(raw), signature):
            logger.warning("Refused an OAuth state this deployment did not sign")
            return False
        consumed: bool = await self.storage.run(self.inner.async_consume(raw))
        return consumed


def workspace_clients(settings: SlackSettings, ctx: Context, template: AsyncWebClient) -> WorkspaceClients:
    """The OAuth settings for bolt and the per-workspace clients, on the bot's database."""
    oauth = settings.oauth
    storage = ctx.store
    if oauth is None or not isinstance(storage, Storage):
        raise ValueError("Slack OAuth needs SLACK_CLIENT_ID and the bot's database")
    installations = DatabaseInstallations(storage, oauth.client_id)
    bolt_settings = AsyncOAuthSettings(
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        scopes=list(SCOPES),
        installation_store=installations,
        state_store=SignedStates(storage, oauth.state_secret),
    )
    return WorkspaceClients(installations, template, bolt_settings)


class WorkspaceClients:
    """A Web API client with the right bot token: per workspace (events), or for a channel or a
    person the scheduler posts to (the workspace whose bot can see them, remembered)."""

    def __init__(
        self, installations: DatabaseInstallations, template: AsyncWebClient, settings: AsyncOAuthSettings
    ) -> None:
        self.installations = installations
        self.template = template
        self.settings = settings
        self._tokens: dict[tuple[str | None, str | None], tuple[float, str | None]] = {}
        self._targets: dict[str, Workspace] = {}

    def client(self, token: str) -> AsyncWebClient:
        t = self.template
        return AsyncWebClient(
            token=token, base_url=t.base_url, session=t.session, retry_handlers=t.retry_handlers
        )

    async def token(self, enterprise: str | None, team: str | None) -> str | None:
        """The bot token of a workspace (or of its Enterprise Grid organisation's org-wide install)."""
        key = (enterprise, team)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_SECONDS:
            return cached[1]
        bot = await self.installations.async_find_bot(enterprise_id=enterprise, team_id=team)
        if bot is None and enterprise:
            bot = await self.installations.async_find_bot(
                enterprise_id=enterprise, team_id=None, is_enterprise_install=True
            )
        token = bot.bot_token if bot is not None else None
        self._tokens[key] = (time.monotonic(), token)
        return token

    async def remove(self, enterprise: str | None, team: str | None) -> None:
        """A workspace removed the app: its installation leaves the database, and its cached token
        (and the channels it was known to have) this replica's memory."""
        await self.installations.async_delete_all(enterprise_id=enterprise, team_id=team)
        self._tokens.pop((enterprise, team), None)
        self._targets = {k: v for k, v in self._targets.items() if v != (enterprise, team)}

    async def for_workspace(self, enterprise: str | None, team: str | None) -> AsyncWebClient | None:
        token = await self.token(enterprise, team)
        return self.client(token) if token else None

    async def candidates(self, target: str) -> list[tuple[Workspace, AsyncWebClient]]:
        """Clients to try for a channel or person the scheduler posts to: the workspace known to
        have it first, then every other installation (ids are unique across workspaces, so at most
        one workspace has it: Slack answers the others ``channel_not_found``)."""
        known = self._targets.get(target)
        keys = [(e, t) for e, t, _ in await self.installations.bots()]
        if known in keys:
            keys.remove(known)
            keys.insert(0, known)
        found = []
        for key in keys:
            if (client := await self.for_workspace(*key)) is not None:
                found.append((key, client))
        return found

    def remember(self, target: str, workspace: Workspace) -> None:
        self._targets[target] = workspace
