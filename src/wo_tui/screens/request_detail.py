"""One work request, all of it, so a dispatcher reads it before deciding: who asked and
how to reach them, about what, how bad, how long is left to respond, what else is
open on the same asset, and what has happened to it.

The decisions are the board's (approve, reject, duplicate of, urgency and impact),
asked with the same dialogs (``screens.triage``) and made by the same services. A
request has no version: a decision someone else made meanwhile is refused by the
service ("already approved") and the record shows the fresh state. Stored text is
user text, shown as ``Content`` and never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wo_tui import clock
from wo_tui.domain import formreads, sla, views
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import services as sv
from wo_tui.domain.formreads import OpenWork
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import req_label, wo_label
from wo_tui.domain.views import RequestDetail
from wo_tui.errors import WoError
from wo_tui.screens.base import RecordScreen
from wo_tui.screens.detail import timeline_lines, user_line, when
from wo_tui.screens.triage import ask_duplicate_of, ask_priority, ask_reject
from wo_tui.text import clean
from wo_tui.widgets.pickers import ConfirmDialog, PriorityChoice, ask

DUPLICATE_LIMIT = 10
CLOCK_SECONDS = 30
"""How often the time left to respond is redrawn (it moves with the clock, not the data)."""

STATUS_TEXT = {
    lc.REQ_NEW: "waiting for triage",
    lc.REQ_APPROVED: "approved",
    lc.REQ_REJECTED: "rejected",
    lc.REQ_DUPLICATE: "duplicate",
}

# action -> permission; each needs the request still waiting for triage
_TRIAGE: dict[str, str] = {
    "approve": "approve_request",
    "reject": "reject_request",
    "duplicate": "mark_duplicate",
    "priority": "set_priority",
}


@dataclass(frozen=True)
class RequestRecord:
    request: RequestDetail
    duplicates: tuple[OpenWork, ...]


def read_record(store: Any, number: int, actor: Actor) -> RequestRecord:
    """The request, and the open work on its asset for those who may see others' work
    (a requester sees their own request, not other people's jobs)."""
    request = views.request_detail(store, number, actor=actor)
    duplicates: tuple[OpenWork, ...] = ()
    if request.asset_tag and perm.may(actor, "view_all_requests"):
        duplicates = tuple(
            formreads.open_work_for_asset(
                store, request.asset_tag, DUPLICATE_LIMIT, besides=request.number
            )
        )
    return RequestRecord(request, duplicates)


class RequestDetailScreen(RecordScreen):
    """A work request's record and the triage decisions open on it now."""

    BROWSE = True
    HELP = (
        "A work request: what was asked, by whom, how urgent, what else is open on the "
        "asset. Approve, reject, mark it a duplicate or change urgency and impact here."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve", id="request_approve"),
        Binding("r", "reject", "Reject", id="request_reject"),
        Binding("d", "duplicate", "Duplicate of", id="request_duplicate"),
        Binding("u", "priority", "Urgency/impact", id="request_priority"),
        Binding("w", "work_order", "Work order", id="request_work_order"),
        Binding("j", "scroll('down')", "Down", id="request_down", show=False),
        Binding("k", "scroll('up')", "Up", id="request_up", show=False),
    ]
    DEFAULT_CSS = """
    RequestDetailScreen #duplicates { height: auto; max-height: 8; }
    RequestDetailScreen #clock.-late { color: $error; text-style: bold; }
    """

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.record: RequestRecord | None = None

    @property
    def request(self) -> RequestDetail | None:
        return self.record.request if self.record else None

    def sections(self) -> ComposeResult:
        yield Static("", id="clock")
        yield Static("", id="outcome")
        yield Static("", id="duplicates-caption", classes="caption")
        yield OptionList(id="duplicates", compact=True)
        yield Static("Description", classes="caption")
        yield Static("", id="description")

    def on_mount(self) -> None:
        self.sub_title = req_label(self.number)
        self.set_interval(CLOCK_SECONDS, self._show_clock)
        self.reload()

    def reload(self) -> None:
        self.run_db(
            read_record,
            self.ctx.store,
            self.number,
            self.ctx.actor,
            then=self._show,
            group="request",
            exclusive=True,
        )

    def _show(self, record: RequestRecord) -> None:
        """Redrawn only when it changed: others' changes elsewhere arrive every second."""
        if record == self.record:
            return
        self.record = record
        r = record.request
        self.sub_title = r.label
        self.reveal()
        self.query_one("#title", Static).update(
            user_line("$label  $title", label=r.label, title=r.title)
        )
        asset = f"{r.asset_tag} {r.asset_name}" if r.asset_tag else "-"
        self.query_one("#fields", Static).update(
            Content("\n").join(
                [
                    user_line(
                        "[b]$status[/]  $prio  urgency $u  impact $i",
                        status=STATUS_TEXT.get(r.status, r.status),
                        prio=sla.PRIORITY_LABELS.get(r.priority, f"P{r.priority}"),
                        u=sla.LEVELS.get(r.urgency, "?"),
                        i=sla.LEVELS.get(r.impact, "?"),
                    ),
                    user_line(
                        "Asked by $requester  contact $contact",
                        requester=r.requester or "-",
                        contact=r.contact or "-",
                    ),
                    user_line("Source $source", source=r.source or "-"),
                    user_line("Asset $asset", asset=asset),
                    user_line(
                        "Location $loc  site $site", loc=r.location or "-", site=r.site or "-"
                    ),
                    user_line(
                        "Submitted by $who at $at",
                        who=r.submitted_by or "-",
                        at=when(r.submitted_at),
                    ),
                ]
            )
        )
        self._show_clock()
        self._show_outcome(r)
        self._show_duplicates(record.duplicates, r)
        self.query_one("#description", Static).update(Content(clean(r.description) or "-"))
        timeline = timeline_lines(r.timeline)
        self.query_one("#timeline", Static).update(timeline)
        self.query_one("#timeline-side", Static).update(timeline)
        self.refresh_bindings()

    def _response_due(self, r: RequestDetail) -> datetime:
        return sla.due_dates(r.submitted_at, r.priority, self.ctx.settings.sla)[0]

    def _show_clock(self) -> None:
        """Respond by when, and how long is left (or how late it is) while it waits;
        once triaged, whether that was in time."""
        r = self.request
        if r is None:
            return
        due = self._response_due(r)
        box = self.query_one("#clock", Static)
        if r.status == lc.REQ_NEW:
            left = sla.breach_label(due, clock.now())
            late = due < clock.now()
        elif r.triaged_at is not None:
            over = r.triaged_at - due
            late = over.total_seconds() > 0
            left = f"triaged {sla.format_span(over)} late" if late else "triaged in time"
        else:
            left, late = "-", False
        box.set_class(late and r.status == lc.REQ_NEW, "-late")
        box.update(user_line("Respond by $due  ($left)", due=when(due), left=left))

    def _show_outcome(self, r: RequestDetail) -> None:
        lines: list[Content] = []
        if r.triaged_by:
            lines.append(
                user_line(
                    "Triaged by $who at $at",
                    who=r.triaged_by,
                    at=when(r.triaged_at),
                )
            )
        if r.reject_reason:
            lines.append(user_line("Rejected: $reason", reason=r.reject_reason))
        if r.work_order is not None:
            w = r.work_order
            verb = "Duplicate of" if r.status == lc.REQ_DUPLICATE else "Became"
            lines.append(
                user_line(
                    f"{verb} $label  $status  $title  (w opens it)",
                    label=w.label,
                    status=lc.STATUS_LABELS.get(w.status, w.status),
                    title=w.title,
                )
            )
        outcome = self.query_one("#outcome", Static)
        outcome.display = bool(lines)
        outcome.update(Content("\n").join(lines))

    def _show_duplicates(self, found: tuple[OpenWork, ...], r: RequestDetail) -> None:
        caption = self.query_one("#duplicates-caption", Static)
        options = self.query_one("#duplicates", OptionList)
        shown = bool(r.asset_tag) and perm.may(self.ctx.actor, "view_all_requests")
        caption.display = options.display = shown
        if not shown:
            return
        caption.update(
            user_line(
                "Possible duplicates: open work on $tag (tab, then enter opens)",
                tag=r.asset_tag,
            )
        )
        highlighted = options.highlighted
        options.clear_options()
        for work in found:
            options.add_option(
                Option(
                    user_line(
                        "$label  $status  $title",
                        label=work.label,
                        status=work.status,
                        title=work.title,
                    ),
                    id=f"{'r' if work.is_request else 'w'}{work.number}",
                )
            )
        if not found:
            options.add_option(Option(Content("none"), disabled=True))
        else:
            options.highlighted = min(highlighted or 0, len(found) - 1)

    @on(OptionList.OptionSelected, "#duplicates")
    def _open_duplicate(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id
        if not oid:
            return
        number = int(oid[1:])
        if oid[0] == "w":
            self.wo_app.open_work_order(number)
        else:
            self.app.push_screen(RequestDetailScreen(number))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        r = self.request
        actor = self.ctx.actor
        if action in _TRIAGE:
            return perm.may(actor, _TRIAGE[action]) and r is not None and r.status == lc.REQ_NEW
        if action == "work_order":
            return r is not None and r.work_order is not None and perm.may(actor, "view_all_work")
        return super().check_action(action, parameters)

    # ------------------------------------------------------------ the decisions

    def _refused(self, error: WoError) -> None:
        """Someone else decided first, most likely: say so and show what they did."""
        self.show_error(error)
        self.reload()

    def _label(self) -> str:
        return req_label(self.number)

    def action_approve(self) -> None:
        label = self._label()

        def approved(wo: Any) -> None:
            work = wo_label(wo.number)
            self.notify(f"Approved {label} as {work}.", markup=False)
            self.reload()

            def open_it(yes: bool) -> None:
                if yes:
                    self.wo_app.open_work_order(wo.number)

            ask(self, ConfirmDialog(f"{label} is now {work}", f"Open {work} now?"), open_it)

        self.run_db(
            sv.approve_request, self.ctx, self.number, then=approved, on_error=self._refused
        )

    def action_reject(self) -> None:
        label = self._label()

        def rejected(reason: str) -> None:
            self.run_db(
                sv.reject_request,
                self.ctx,
                self.number,
                reason,
                then=self.done(f"Rejected {label}."),
                on_error=self._refused,
            )

        ask_reject(self, label, rejected)

    def action_duplicate(self) -> None:
        r = self.request
        if r is None:
            return
        label = self._label()

        def picked(number: int) -> None:
            self.run_db(
                sv.mark_duplicate,
                self.ctx,
                self.number,
                number,
                then=self.done(f"{label} marked as a duplicate of {wo_label(number)}."),
                on_error=self._refused,
            )

        ask_duplicate_of(self, label, r.asset_tag, picked)

    def action_priority(self) -> None:
        r = self.request
        if r is None:
            return
        label = self._label()

        def chosen(choice: PriorityChoice) -> None:
            self.run_db(
                sv.set_request_priority,
                self.ctx,
                self.number,
                choice.urgency,
                choice.impact,
                then=self.done(f"{label} is now P{choice.priority}."),
                on_error=self._refused,
            )

        ask_priority(self, label, r.urgency, r.impact, chosen)

    def action_work_order(self) -> None:
        r = self.request
        if r is not None and r.work_order is not None:
            self.wo_app.open_work_order(r.work_order.number)
