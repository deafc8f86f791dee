"""One work order, all of it: fields, where it came from, what happened, what it cost.

Every action sends the version shown, so a change made meanwhile by someone else is
refused (``StaleEdit``) and the fresh state is shown instead of being overwritten.
All stored text is user text: it is cleaned and handed to widgets as ``Content``,
never parsed as markup, so a description can hold ``[/]`` or escape sequences and
still show literally. A wide terminal gets the timeline in a column of its own.
"""

from __future__ import annotations

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
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import wo_label
from wo_tui.domain.units import format_minutes, format_money
from wo_tui.domain.views import Change, TimelineEntry, WorkOrderDetail
from wo_tui.screens.base import RecordScreen
from wo_tui.screens.triage import ask_priority
from wo_tui.text import clean, clean_line, one_line
from wo_tui.widgets.pickers import (
    AssignChoice,
    AssigneePicker,
    ConfirmDialog,
    HoldChoice,
    HoldPrompt,
    PriorityChoice,
    ReasonPrompt,
    TextPrompt,
    ask,
)

VALUE_WIDTH = 40

# action -> (lifecycle action, permission) that must both allow it
_ACTIONS: dict[str, tuple[str, str]] = {
    "start": ("start", "start"),
    "hold": ("hold", "hold"),
    "resume": ("resume", "resume"),
    "complete": ("complete", "complete"),
    "note": ("add_note", "add_note"),
    "close": ("close", "close"),
    "send_back": ("send_back", "send_back"),
    "reopen": ("reopen", "reopen"),
    "assign": ("assign", "assign"),
    "priority": ("set_priority", "set_priority"),
    "cancel": ("cancel", "cancel"),
}
_WORK = frozenset({"start", "hold", "resume", "complete"})
"""Verbs a technician may use only on their own work (or their team's, unclaimed)."""


def _read(store: Any, number: int, actor: Actor) -> tuple[WorkOrderDetail, str]:
    """The work order and how to reach whoever asked for it, in one trip off the UI thread."""
    return (
        views.work_order_detail(store, number, actor=actor),
        formreads.requester_contact(store, number, actor=actor),
    )


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%a %d %b %Y %H:%M") if moment else "-"


def _met(value: bool | None) -> str:
    return {True: "met", False: "missed", None: "-"}[value]


def _value(value: Any) -> str:
    """An audited old or new value: short, one line, times in local time."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment.astimezone().strftime("%d %b %H:%M")
    return one_line(str(value), VALUE_WIDTH)


def user_line(template: str, **values: str) -> Content:
    """A line built from a template of ours and values that are user text."""
    return Content.from_markup(template, **{k: clean_line(v) for k, v in values.items()})


FIELD_LABELS = {
    "due_at": "Due",
    "response_due_at": "Respond by",
    "work_order_id": "Work order",
    "user_id": "Worked by",
    "minutes": "Time",
    "rate_cents": "Rate",
    "unit_cost_cents": "Unit cost",
}
"""Audited field names a person would not say; the rest read well as words
(``triaged_by_id`` -> Triaged by, ``parent_id`` -> Parent)."""

UNSHOWN_FIELDS = frozenset({"number", "labour_entry", "part_usage", "labour", "part"})
"""Row ids of the thing itself or of an entry: the line above already says what happened."""


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.removesuffix("_id").removesuffix("_at").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _shown_value(name: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _value(value)
    if name == "status" and isinstance(value, str):
        return lc.STATUS_LABELS.get(value, value.replace("_", " "))
    if name in ("urgency", "impact") and isinstance(value, int):
        return sla.LEVELS.get(value, str(value))
    if name == "priority" and isinstance(value, int):
        return f"P{value}"
    if name == "minutes" and isinstance(value, int):
        return format_minutes(value)
    if name.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    return _value(value)


def _change_lines(changes: tuple[Change, ...]) -> list[Content]:
    """``Field: old -> new`` for what changed as a person sees it: a value shown the
    same both sides (``Parent: - -> -``) or a new record's empty default is left out."""
    lines = []
    for c in changes:
        if c.field in UNSHOWN_FIELDS or (c.old is None and c.new in (0, False, "")):
            continue
        old, new = _shown_value(c.field, c.old), _shown_value(c.field, c.new)
        if old != new:
            lines.append(
                user_line("  $field: $old -> $new", field=field_label(c.field), old=old, new=new)
            )
    return lines


def timeline_lines(entries: tuple[TimelineEntry, ...]) -> Content:
    """Who did what when, and what it changed."""
    lines: list[Content] = []
    for entry in entries:
        head = user_line(
            "[dim]$at[/] [b]$who[/] $action",
            at=entry.at.astimezone().strftime("%d %b %H:%M"),
            who=entry.who,
            action=entry.action.replace("_", " "),
        )
        lines.append(head)
        if entry.note:
            lines.append(Content("  ") + Content(clean(entry.note)))
        lines.extend(_change_lines(entry.changes))
    return Content("\n").join(lines) if lines else Content("nothing yet")


class DetailScreen(RecordScreen):
    """A work order's record and the actions allowed on it now."""

    BROWSE = True
    HELP = "A work order: every field, its history and costs, and what can be done to it now."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start", id="detail_start"),
        Binding("s", "assign", "Assign", id="detail_assign"),
        Binding("u", "priority", "Priority", id="detail_priority"),
        Binding("h", "hold", "Hold", id="detail_hold"),
        Binding("r", "resume", "Resume", id="detail_resume"),
        Binding("c", "complete", "Complete", id="detail_complete"),
        Binding("n", "note", "Note", id="detail_note"),
        Binding("c", "close", "Close", id="detail_close"),
        Binding("b", "send_back", "Send back", id="detail_send_back"),
        Binding("x", "cancel", "Cancel", id="detail_cancel"),
        Binding("o", "reopen", "Reopen", id="detail_reopen"),
        Binding("a,y", "asset", "Asset", id="detail_asset"),
        Binding("P", "parent", "Parent", id="detail_parent", show=False),
        Binding("j", "scroll('down')", "Down", id="detail_down", show=False),
        Binding("k", "scroll('up')", "Up", id="detail_up", show=False),
    ]
    DEFAULT_CSS = """
    DetailScreen #linked { height: auto; max-height: 8; }
    DetailScreen #overdue { color: $error; text-style: bold; }
    """

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.detail: WorkOrderDetail | None = None
        self.contact = ""

    def sections(self) -> ComposeResult:
        yield Static("", id="overdue")
        yield Static("", id="sla")
        yield Static("Linked (tab, then enter opens)", classes="caption")
        yield OptionList(id="linked", compact=True)
        yield Static("Description", classes="caption")
        yield Static("", id="description")
        yield Static("Closeout", classes="caption")
        yield Static("", id="closeout")
        yield Static("Labour", classes="caption")
        yield Static("", id="labour")
        yield Static("Parts", classes="caption")
        yield Static("", id="parts")

    def on_mount(self) -> None:
        self.sub_title = wo_label(self.number)

    def on_screen_resume(self) -> None:
        """Shown first, or again after the closeout form or a linked work order: read it
        afresh, since what was done there changed it."""
        self.reload()

    def reload(self) -> None:
        self.run_db(
            _read,
            self.ctx.store,
            self.number,
            self.ctx.actor,
            then=self._show,
            group="detail",
            exclusive=True,
        )

    def _show(self, read: tuple[WorkOrderDetail, str]) -> None:
        """Redrawn only when it changed: others' changes elsewhere arrive every second."""
        d, contact = read
        if d == self.detail and contact == self.contact:
            return
        self.detail = d
        self.contact = contact
        self.sub_title = d.label
        self.reveal()
        self.query_one("#title", Static).update(
            user_line("$label  $title", label=d.label, title=d.title)
        )
        assignee = d.assignee_login and f"{d.assignee_login} ({d.assignee_name})"
        fields = [
            user_line(
                "[b]$status[/]  $prio  $kind  from $source",
                status=d.status_label,
                prio=d.priority_label,
                kind=d.kind.replace("_", " "),
                source=d.source,
            ),
            user_line(
                "Asked by $requester  contact $contact",
                requester=d.requester or "-",
                contact=contact or "-",
            ),
            user_line(
                "Urgency $u  impact $i",
                u=sla.LEVELS.get(d.urgency, "?"),
                i=sla.LEVELS.get(d.impact, "?"),
            ),
            user_line(
                "Asset $tag $name",
                tag=d.asset_tag or "-",
                name=d.asset_name,
            ),
            user_line("Location $loc  site $site", loc=d.location or "-", site=d.site or "-"),
            user_line("Assigned $who  team $team", who=assignee or "-", team=d.team or "-"),
            user_line(
                "Requested $req  approved $app",
                req=when(d.requested_at),
                app=when(d.approved_at),
            ),
            user_line(
                "Respond by $resp  due $due", resp=when(d.response_due_at), due=when(d.due_at)
            ),
            user_line(
                "Started $start  completed $done",
                start=when(d.started_at),
                done=when(d.completed_at),
            ),
        ]
        if d.closed_at or d.cancelled_at:
            fields.append(
                user_line("Closed $c  cancelled $x", c=when(d.closed_at), x=when(d.cancelled_at))
            )
        if d.estimated_minutes:
            fields.append(user_line("Estimate $est", est=format_minutes(d.estimated_minutes)))
        for label, reason in (
            ("On hold", d.hold_reason),
            ("Sent back", d.send_back_reason),
            ("Cancelled", d.cancel_reason),
        ):
            if reason:
                fields.append(user_line(f"{label}: $reason", reason=reason))
        if d.request is not None:
            r = d.request
            fields.append(
                user_line(
                    "From $label ($status) by $who at $at",
                    label=r.label,
                    status=r.status,
                    who=r.requester,
                    at=when(r.submitted_at),
                )
            )
        fields.append(
            user_line("Last changed by $who at $at", who=d.updated_by, at=when(d.updated_at))
        )
        self.query_one("#fields", Static).update(Content("\n").join(fields))
        overdue = self.query_one("#overdue", Static)
        overdue.display = d.overdue
        if d.overdue and d.due_at is not None:
            overdue.update(Content(f"Overdue: {sla.breach_label(d.due_at, clock.now())}"))
        self.query_one("#sla", Static).update(
            user_line(
                "SLA response $resp  resolution $res",
                resp=_met(d.response_met),
                res=_met(d.resolution_met),
            )
        )
        self._show_linked(d)
        self.query_one("#description", Static).update(Content(clean(d.description) or "-"))
        self.query_one("#closeout", Static).update(
            Content("\n").join(
                [
                    user_line(
                        "Cause $cause  remedy $remedy  follow-up $fu  $noparts",
                        cause=d.cause_code or "-",
                        remedy=d.remedy_code or "-",
                        fu=d.follow_up or "-",
                        noparts="no parts used" if d.no_parts_used else "",
                    ),
                    Content(clean(d.resolution) or "-"),
                ]
            )
        )
        labour = [
            user_line(
                "$time  $who  $day  $cost",
                time=format_minutes(e.minutes),
                who=e.login,
                day=e.work_date.isoformat(),
                cost=format_money(e.cost_cents),
            )
            for e in d.labour
        ]
        labour.append(
            user_line(
                "[b]Total $time  $cost[/]",
                time=format_minutes(d.labour_minutes),
                cost=format_money(d.labour_cents),
            )
        )
        self.query_one("#labour", Static).update(Content("\n").join(labour))
        parts = [
            user_line(
                "$qty $unit x $number $name  $cost",
                qty=f"{p.quantity:g}",
                unit=p.unit,
                number=p.part_number,
                name=p.name,
                cost=format_money(p.cost_cents),
            )
            for p in d.parts
        ]
        parts.append(user_line("[b]Total $cost[/]", cost=format_money(d.parts_cents)))
        parts.append(user_line("[b]Work order cost $cost[/]", cost=format_money(d.total_cents)))
        self.query_one("#parts", Static).update(Content("\n").join(parts))
        timeline = timeline_lines(d.timeline)
        self.query_one("#timeline", Static).update(timeline)
        self.query_one("#timeline-side", Static).update(timeline)
        self.refresh_bindings()

    def _show_linked(self, d: WorkOrderDetail) -> None:
        linked = self.query_one("#linked", OptionList)
        highlighted = linked.highlighted
        linked.clear_options()
        rows = ([("parent", d.parent)] if d.parent else []) + [
            ("follow-up", f) for f in d.follow_ups
        ]
        if d.request is not None and perm.may(self.ctx.actor, "view_all_requests"):
            linked.add_option(
                Option(
                    user_line(
                        "request $label  $status  by $who",
                        label=d.request.label,
                        status=d.request.status,
                        who=d.request.requester,
                    ),
                    id=f"r{d.request.number}",
                )
            )
        for role, work in rows:
            linked.add_option(
                Option(
                    user_line(
                        "$role $label  $status  $title",
                        role=role,
                        label=work.label,
                        status=lc.STATUS_LABELS.get(work.status, work.status),
                        title=work.title,
                    ),
                    id=f"w{work.number}",
                )
            )
        count = linked.option_count
        if not count:
            linked.add_option(Option(Content("none"), disabled=True))
        else:
            linked.highlighted = (
                highlighted if highlighted is not None and highlighted < count else 0
            )

    @on(OptionList.OptionSelected, "#linked")
    def _open_linked(self, event: OptionList.OptionSelected) -> None:
        """A work order opens its detail; the request it came from opens its record."""
        oid = event.option.id
        if not oid:
            return
        if oid[0] == "r":
            from wo_tui.screens.request_detail import RequestDetailScreen

            self.app.push_screen(RequestDetailScreen(int(oid[1:])))
        else:
            self.wo_app.open_work_order(int(oid[1:]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        d = self.detail
        if action in _ACTIONS:
            if d is None:
                return False
            transition, permission = _ACTIONS[action]
            actor = self.ctx.actor
            if action in _WORK and not perm.may_work_on(actor, d.assignee_id, d.team_id):
                return False
            if action == "assign" and self.check_action("start", parameters):
                return False  # s starts the job for whoever will do it, assigns for the others
            return perm.may(actor, permission) and lc.allowed(transition, d.status)
        if action == "asset":
            return d is not None and bool(d.asset_tag)
        if action == "parent":
            return d is not None and d.parent is not None
        return super().check_action(action, parameters)

    def _version(self) -> int | None:
        return self.detail.version if self.detail else None

    def action_start(self) -> None:
        self.run_db(
            sv.start,
            self.ctx,
            self.number,
            expected_version=self._version(),
            then=self.done(f"{wo_label(self.number)} started."),
        )

    def action_resume(self) -> None:
        self.run_db(
            sv.resume,
            self.ctx,
            self.number,
            expected_version=self._version(),
            then=self.done(f"{wo_label(self.number)} resumed."),
        )

    def action_close(self) -> None:
        version = self._version()

        def closed(yes: bool) -> None:
            if yes:
                self.run_db(
                    sv.close,
                    self.ctx,
                    self.number,
                    expected_version=version,
                    then=self.done(f"{wo_label(self.number)} closed."),
                )

        ask(
            self,
            ConfirmDialog(
                f"Close {wo_label(self.number)}?", "Closed work is history: it cannot be edited."
            ),
            closed,
        )

    def action_hold(self) -> None:
        version = self._version()

        def held(choice: HoldChoice) -> None:
            self.run_db(
                sv.hold,
                self.ctx,
                self.number,
                choice.code,
                choice.detail,
                expected_version=version,
                then=self.done(f"{wo_label(self.number)} on hold."),
            )

        ask(self, HoldPrompt(f"Hold {wo_label(self.number)}"), held)

    def _with_reason(self, verb: Any, title: str, label: str, done: str) -> None:
        """Ask why, then run ``verb(ctx, number, reason)`` against the version shown."""
        version = self._version()

        def given(reason: str) -> None:
            self.run_db(
                verb,
                self.ctx,
                self.number,
                reason,
                expected_version=version,
                then=self.done(done),
            )

        ask(self, ReasonPrompt(title, label), given)

    def action_send_back(self) -> None:
        label = wo_label(self.number)
        self._with_reason(
            sv.send_back, f"Send {label} back", "What is still wrong", f"{label} sent back."
        )

    def action_assign(self) -> None:
        version = self._version()
        label = wo_label(self.number)

        def chosen(choice: AssignChoice) -> None:
            self.run_db(
                sv.assign,
                self.ctx,
                self.number,
                assignee=choice.assignee,
                team=choice.team,
                expected_version=version,
                then=self.done(f"Assigned {label} to {choice.label}."),
            )

        ask(self, AssigneePicker(f"Assign {label} to"), chosen)

    def action_priority(self) -> None:
        d = self.detail
        if d is None:
            return
        version = d.version

        def chosen(choice: PriorityChoice) -> None:
            self.run_db(
                sv.set_priority,
                self.ctx,
                self.number,
                choice.urgency,
                choice.impact,
                expected_version=version,
                then=self.done(f"{d.label} is now P{choice.priority}."),
            )

        ask_priority(self, d.label, d.urgency, d.impact, chosen)

    def action_cancel(self) -> None:
        version = self._version()
        label = wo_label(self.number)

        def given(reason: str) -> None:
            def confirmed(yes: bool) -> None:
                if yes:
                    self.run_db(
                        sv.cancel,
                        self.ctx,
                        self.number,
                        reason,
                        expected_version=version,
                        then=self.done(f"{label} cancelled."),
                    )

            ask(self, ConfirmDialog(f"Cancel {label}?", f"Reason: {reason}"), confirmed)

        ask(self, ReasonPrompt(f"Cancel {label}", "Reason for cancelling"), given)

    def action_reopen(self) -> None:
        label = wo_label(self.number)
        self._with_reason(
            sv.reopen, f"Reopen {label}", "Why it needs more work", f"{label} reopened."
        )

    def action_note(self) -> None:
        def noted(body: str) -> None:
            self.run_db(
                sv.add_note,
                self.ctx,
                self.number,
                body,
                then=self.done("Note added."),
            )

        ask(self, TextPrompt(f"Note on {wo_label(self.number)}", "Note"), noted)

    def action_complete(self) -> None:
        from wo_tui.screens.closeout import CloseoutScreen

        self.app.push_screen(CloseoutScreen(self.number))

    def action_asset(self) -> None:
        if self.detail is not None and self.detail.asset_tag:
            self.wo_app.open_asset(self.detail.asset_tag)

    def action_parent(self) -> None:
        if self.detail is not None and self.detail.parent is not None:
            self.wo_app.open_work_order(self.detail.parent.number)
