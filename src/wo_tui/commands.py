"""Command palette (ctrl+p): jump to a work order by number or title words, to an
asset by tag or name, or run any action of the current screen by its name.

Lookups run in a thread (``asyncio.to_thread``) so typing never waits on the
database. Titles and names are user text: they are shown as ``Content(...)``,
never through ``Matcher.highlight`` (which parses markup) or ``help`` (also markup).
Work orders and assets are offered only to those who may open them (not requesters).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from wo_tui.domain import lifecycle as lc
from wo_tui.store import queries
from wo_tui.text import one_line

if TYPE_CHECKING:
    from wo_tui.app import WoApp

MAX_HITS = 12


def _search_work_orders(store: Any, text: str) -> list[queries.WorkOrderHit]:
    """The full-text index when this build has it, else the number / LIKE lookup."""
    try:
        from wo_tui.store import search
    except ImportError:
        return queries.find_work_orders(store, text, MAX_HITS)
    return [
        queries.WorkOrderHit(h.number, h.title, h.status, h.asset_tag or "")
        for h in search.search_work_orders(store, text, limit=MAX_HITS)
    ]


class WorkOrderCommands(Provider):
    """``123``, ``WO-123`` or words of a title."""

    @property
    def wo_app(self) -> WoApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        if not self.wo_app.may_browse_work():
            return
        if len(query.strip()) < 2 and not query.strip().isdigit():
            return
        hits = await asyncio.to_thread(_search_work_orders, self.wo_app.ctx.store, query)
        for rank, hit in enumerate(hits):
            status = lc.STATUS_LABELS.get(hit.status, hit.status)
            yield Hit(
                score=1.0 - rank / (2 * MAX_HITS),
                match_display=Content.assemble(
                    (hit.label, "bold"), " ", Content(one_line(hit.title, 60))
                ),
                command=partial(self.wo_app.open_work_order, hit.number),
                text=hit.label,
                help=f"Open work order ({status})",
            )


class AssetCommands(Provider):
    """Assets by tag or name: opens the asset's history."""

    async def search(self, query: str) -> Hits:
        app: WoApp = self.app  # type: ignore[assignment]
        if not app.may_browse_work() or len(query.strip()) < 2:
            return
        assets = await asyncio.to_thread(queries.find_assets, app.ctx.store, query, MAX_HITS)
        for rank, asset in enumerate(assets):
            yield Hit(
                score=0.9 - rank / (2 * MAX_HITS),
                match_display=Content.assemble(
                    ("asset ", "dim"),
                    (one_line(asset.key, 20), "bold"),
                    " ",
                    Content(one_line(asset.name, 50)),
                ),
                command=partial(app.open_asset, asset.key),
                text=asset.key,
                help="Asset history",
            )


class ActionCommands(Provider):
    """Every key of the screen the palette was opened from, by its name: those that
    do not apply now too, which then say why (as the key itself does).

    Names are the bindings' descriptions (ours, not user text), escaped all the same
    because ``Matcher.highlight`` reads markup."""

    def _actions(self) -> list[tuple[str, Any, str]]:
        from wo_tui.screens.base import screen_keys

        seen: set[str] = set()
        actions = []
        for info in screen_keys(self.screen):
            if info.description in seen:
                continue
            seen.add(info.description)
            about = f"key {' '.join(info.keys)}"
            if info.enabled:
                run = partial(info.node.run_action, info.action)
            else:
                reason = (info.reason or "not possible now").rstrip(".")
                run = partial(self.app.notify, f"{info.description}: {reason}.", markup=False)
                about += f" · not now: {reason}"
            actions.append((info.description, run, about))
        return actions

    async def discover(self) -> Hits:
        for name, run, about in self._actions():
            yield DiscoveryHit(Content(name), run, text=name, help=escape(about))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, about in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(escape(name)), run, text=name, help=escape(about)
                )
