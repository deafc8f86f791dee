"""The dispatcher's triage board: requests waiting for a decision, then open work
sorted by time to breach (the most overdue first).

Everything shown is one window of ``store.queries.board_page``; the table never
holds more than a few screens of rows, so the board costs the same at a thousand
open work orders as at a hundred thousand. Each decision is one key; the footer
shows the keys that apply to the row under the cursor, and a key pressed on a row
it does not apply to says why.

The filter box runs its query as soon as a key arrives; keys typed while one runs
are coalesced into one more query when it ends (the table runs one refresh at a
time and drops superseded results), so typing is never delayed by a debounce.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from wo_tui import clock
from wo_tui.config import SlaPolicy
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import services as sv
from wo_tui.domain import sla
from wo_tui.domain.refs import wo_label
from wo_tui.errors import WoError
from wo_tui.screens.base import ListScreen, update_text
from wo_tui.screens.triage import ask_duplicate_of, ask_priority, ask_reject
from wo_tui.store import queries
from wo_tui.store.queries import BoardFilter, BoardRow, Counts
from wo_tui.text import clean_line
from wo_tui.widgets.chrome import WoFooter
from wo_tui.widgets.paged_table import Column, PagedTable
from wo_tui.widgets.pickers import (
    AssignChoice,
    AssigneePicker,
    ConfirmDialog,
    MenuDialog,
    PriorityChoice,
    ReasonPrompt,
    ask,
)

STATUS_SHORT = {
    lc.OPEN: "open",
    lc.ASSIGNED: "assigned",
    lc.IN_PROGRESS: "in progress",
    lc.ON_HOLD: "on hold",
    lc.COMPLETED: "to review",
    lc.REQ_NEW: "request",
}


def is_overdue(row: BoardRow, now: datetime) -> bool:
    return row.status in lc.ACTIVE and row.due_at is not None and row.due_at < now


def target(row: BoardRow, policy: SlaPolicy) -> datetime | None:
    """What the row is racing: a request its response target, work its resolution."""
    if row.is_request:
        if row.submitted_at is None:
            return None
        return sla.due_dates(row.submitted_at, row.priority, policy)[0]
    return row.due_at if row.status in lc.ACTIVE else None


def due_style(row: BoardRow, now: datetime, policy: SlaPolicy) -> str:
    due = target(row, policy)
    if due is None:
        return ""
    if due < now:
        return "bold red" if row.is_request else "bold"
    return "bold yellow" if (due - now).total_seconds() < 4 * 3600 else ""


def due_label(row: BoardRow, now: datetime, policy: SlaPolicy) -> str:
    """A request's clock is its response target; work's is its resolution target.
    Completed work is no longer racing anything: it says whether it finished in time."""
    if row.status == lc.COMPLETED and row.completed_at is not None and row.due_at is not None:
        over = row.completed_at - row.due_at
        return f"done +{sla.format_span(over)}" if over.total_seconds() > 0 else "done on time"
    return sla.breach_label(target(row, policy) if row.is_request else row.due_at, now)


def short_name(name: str) -> str:
    """``Carlos Mendez`` as ``Carlos M.``: a narrow column still tells people apart."""
    first, _, rest = name.partition(" ")
    return f"{first} {rest[0]}." if rest and not name.startswith("(") else name


def work_columns(now: Callable[[], datetime], policy: SlaPolicy) -> list[Column]:
    """Columns of the board and the queue (the same row type). At 80 columns the
    asset tag still shows (the title gives way); wide terminals widen the asset and
    the assignee and add the team and the urgency x impact."""
    return [
        Column("Number", 10, lambda r: r.label),
        Column("P", 2, lambda r: f"P{r.priority}", lambda r: "bold" if r.priority <= 2 else ""),
        Column("Title", 0, lambda r: r.title),
        Column("Asset", 7, lambda r: r.asset_tag, grow=7),
        Column("Status", 11, lambda r: STATUS_SHORT.get(r.status, r.status)),
        Column(
            "Assignee",
            10,
            lambda r: r.assignee,
            hide_below=72,
            grow=14,
            short=lambda r: short_name(r.assignee),
        ),
        Column(
            "Team",
            12,
            lambda r: r.team,
            hide_below=140,
            grow=6,
        ),
        Column("U/I", 5, lambda r: f"{r.urgency}x{r.impact}", hide_below=150),
        Column(
            "Due",
            12,
            lambda r: due_label(r, now(), policy),
            lambda r: due_style(r, now(), policy),
            align_right=True,
            grow=2,
        ),
    ]


@dataclass
class BoardSource:
    """The board's rows for one filter; runs in the table's worker threads."""

    store: Any
    flt: BoardFilter
    counts: Counts = field(default_factory=Counts)
    now: datetime = datetime.min

    def interrupt(self) -> None:
        self.store.stop_reads()

    def count(self) -> int:
        self.now = clock.now()
        self.counts = queries.board_counts(self.store, self.flt, self.now)
        return self.counts.total

    def fetch(self, offset: int, limit: int, after: Any, before: Any) -> list[BoardRow]:
        return queries.board_page(
            self.store,
            self.flt,
            self.now,
            limit,
            offset=offset,
            after=after,
            before=before,
            requests_total=self.counts.requests,
        )

    def last(self, limit: int) -> list[BoardRow]:
        return queries.board_last(self.store, self.flt, self.now, limit)

    def locate(self, row: BoardRow) -> tuple[int, BoardRow] | None:
        fresh = queries.board_row(self.store, self.flt, row.kind, row.number)
        if fresh is None:
            return None
        section, ts, ident = fresh.key
        probe = queries.board_page(
            self.store, self.flt, self.now, 1, after=(section, ts, ident - 1)
        )
        if not probe or probe[0].ident != fresh.ident:
            return None
        return queries.board_position(self.store, self.flt, self.now, fresh), fresh


def _bulk(
    fn: Callable[..., Any], rows: Sequence[BoardRow], **kwargs: Any
) -> tuple[list[Any], list[str]]:
    """Apply one verb to several rows: each its own transaction; refusals are collected."""
    done: list[Any] = []
    errors: list[str] = []
    for row in rows:
        try:
            done.append(fn(row, **kwargs))
        except WoError as exc:
            errors.append(exc.message)
    return done, errors


REQUEST_VERBS = {
    "approve": "approve_request",
    "reject": "reject_request",
    "duplicate": "mark_duplicate",
}
WORK_VERBS = {
    "assign": "assign",
    "close_wo": "close",
    "send_back": "send_back",
    "cancel_wo": "cancel",
}
VERB_WORDS = {
    "approve": "approve",
    "reject": "reject",
    "duplicate": "mark as a duplicate",
    "assign": "assign",
    "close_wo": "close",
    "send_back": "send back",
    "cancel_wo": "cancel",
}


class BoardScreen(ListScreen):
    """Triage board."""

    HELP = (
        "Requests waiting for triage come first, then open work by time to breach. "
        "Mark rows with space to approve or assign several at once. The footer shows "
        "the keys that apply to the row under the cursor."
    )
    BROWSE = True
    ROW_ACTIONS = frozenset({*REQUEST_VERBS, *WORK_VERBS, "priority"})
    BINDINGS: ClassVar[list[BindingType]] = [
        # The filter line says "escape clears": the footer keeps its room for the row's keys.
        Binding("escape", "back", "Back / clear filter", id="back", show=False),
        Binding("a", "approve", "Approve", id="board_approve"),
        Binding("r", "reject", "Reject", id="board_reject"),
        Binding("d", "duplicate", "Duplicate", id="board_duplicate"),
        Binding("s", "assign", "Assign", id="board_assign"),
        Binding("u", "priority", "Priority", id="board_priority"),
        Binding("c", "close_wo", "Close", id="board_close"),
        Binding("b", "send_back", "Send back", id="board_send_back"),
        Binding("x", "cancel_wo", "Cancel", id="board_cancel"),
        # Priority: the box must have the focus before the keys typed after "/" are
        # routed (they would go to the table and be lost, digits switching section).
        Binding("slash", "filter", "Filter", id="board_filter", priority=True),
        Binding("f", "quick_filter", "Filters", id="board_quick_filter"),
        Binding("o", "toggle('overdue')", "Overdue", id="board_overdue", show=False),
        Binding("U", "toggle('unassigned')", "Unassigned", id="board_unassigned", show=False),
        Binding("h", "toggle('on_hold')", "On hold", id="board_on_hold", show=False),
        Binding("exclamation_mark", "toggle('urgent')", "P1-P2", id="board_urgent", show=False),
        Binding("n", "app.section('intake')", "New request", id="board_new", show=False),
    ]
    DEFAULT_CSS = """
    BoardScreen #summary { height: auto; padding: 0 1; background: $boost; }
    BoardScreen #filter-line { height: auto; padding: 0 1; color: $warning; }
    BoardScreen #filter { display: none; height: 3; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.flt = BoardFilter()
        """Set with the site's response targets on mount."""
        self.source: BoardSource | None = None

    def compose(self) -> ComposeResult:
        yield Static("Triage board", id="summary")
        yield Input(id="filter", placeholder="filter: number, title, asset, description")
        yield Static("", id="filter-line")
        yield PagedTable(
            work_columns(clock.now, self.ctx.settings.sla),
            alert=lambda r: is_overdue(r, clock.now()),
            empty="Nothing waiting: no requests and no open work match.",
            id="board",
        )
        yield WoFooter()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#board", PagedTable)

    @property
    def row(self) -> BoardRow | None:
        return self.table.current if self.is_mounted else None

    def on_mount(self) -> None:
        self.table.minute = minute_now
        self._apply_filter(self._no_filter())
        self.table.focus()

    # ------------------------------------------------------------ data

    def _apply_filter(self, flt: BoardFilter) -> None:
        self.flt = flt
        self.source = BoardSource(self.ctx.store.cancellable(), flt)
        self.table.set_source(self.source)
        line = self.query_one("#filter-line", Static)
        update_text(line, Text(f"Filter: {flt.describe()}  (escape clears)" if flt.active else ""))
        line.display = flt.active

    def _no_filter(self) -> BoardFilter:
        hours = self.ctx.settings.sla.hours
        return BoardFilter(reply_hours=tuple((p, hours[p][0]) for p in sorted(hours)))

    def reload(self) -> None:
        self.table.reload()

    @on(PagedTable.Loaded)
    def _loaded(self) -> None:
        if self.source is None:
            return
        c = self.source.counts
        parts = [f"{c.requests:,} to triage"] if self.flt.shows_requests else []
        parts += [
            f"{n:,} {STATUS_SHORT[s]}" for s, n in c.by_status.items() if n or not self.flt.active
        ]
        summary = Text.assemble(("Triage board  ", "bold"), " · ".join(parts))
        if c.overdue:
            summary.append(f" · {c.overdue:,} overdue", style="bold red")
        update_text(self.query_one("#summary", Static), summary)

    @on(PagedTable.Selected)
    def _open(self, event: PagedTable.Selected) -> None:
        row: BoardRow = event.row
        if row.is_request:
            from wo_tui.screens.request_detail import RequestDetailScreen

            self.app.push_screen(RequestDetailScreen(row.number))
            return
        self.wo_app.open_work_order(row.number)

    # ------------------------------------------------------------ what is allowed

    def _targets(self, want: str) -> list[BoardRow]:
        """Marked rows of the wanted kind, or the row under the cursor."""
        marked = [r for r in self.table.marked if (r.kind == "request") == (want == "request")]
        if marked:
            return marked
        row = self.row
        if row is None or (row.kind == "request") != (want == "request"):
            return []
        return [row]

    def why_not(self, action: str) -> str | None:
        """In the words the service would use when it refuses: role, then row kind, then
        the lifecycle (so the sentence is the same as the CLI's)."""
        if action not in self.ROW_ACTIONS:
            return super().why_not(action)
        if not self.is_mounted:
            return None
        actor = self.ctx.actor
        row = self.row
        verb = REQUEST_VERBS.get(action) or WORK_VERBS.get(action) or "set_priority"
        try:
            perm.require(actor, verb)
        except WoError as refused:
            return refused.message
        if action == "approve" and self._targets("request"):
            return None
        if action == "assign" and any(
            lc.allowed("assign", r.status) for r in self.table.marked if not r.is_request
        ):
            return None
        if row is None:
            return "Nothing is selected: the board is empty."
        words = VERB_WORDS.get(action, "change the priority of")
        if action in REQUEST_VERBS:
            if not row.is_request:
                return f"{row.label} is a work order: only a request can be {_past(action)}."
            return None
        if row.is_request:
            if action == "priority":
                return None
            return f"{row.label} is a request: approve it (a) first, then {words} its work order."
        try:
            lc.check("set_priority" if action == "priority" else verb, row.label, row.status)
        except WoError as refused:
            return refused.message
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter":
            return not self.is_mounted or not self.query_one("#filter", Input).has_focus
        if action == "back":
            if not self.is_mounted:
                return True
            filtering = self.flt.active or self.query_one("#filter", Input).has_class("shown")
            return filtering or self.can_go_back()
        return super().check_action(action, parameters)

    def _refuse_unless(self, action: str) -> bool:
        return not self.explain(action)

    # ------------------------------------------------------------ the verbs

    def _done(self, what: str) -> Callable[[Any], None]:
        def report(result: tuple[list[Any], list[str]]) -> None:
            done, errors = result
            if done:
                self.notify(what.format(n=len(done), labels=_labels(done)), markup=False)
            for message in errors:
                self.notify(message, severity="error", markup=False, timeout=8)
            self.table.clear_marks()
            self.reload()

        return report

    def action_approve(self) -> None:
        rows = self._targets("request")
        if not rows or not self._refuse_unless("approve"):
            return
        ctx = self.ctx
        self.run_db(
            _bulk,
            lambda r: f"{r.label} as {wo_label(sv.approve_request(ctx, r.number).number)}",
            rows,
            then=self._done("Approved {labels}"),
        )

    def action_reject(self) -> None:
        row = self.row
        if row is None or not self._refuse_unless("reject"):
            return
        ctx = self.ctx

        def rejected(reason: str) -> None:
            self.run_db(
                _bulk,
                lambda r: _label(r, sv.reject_request(ctx, r.number, reason)),
                [row],
                then=self._done("Rejected {labels}"),
            )

        ask_reject(self, row.label, rejected)

    def action_duplicate(self) -> None:
        row = self.row
        if row is None or not self._refuse_unless("duplicate"):
            return
        ctx = self.ctx

        def picked(number: int) -> None:
            self.run_db(
                _bulk,
                lambda r: _label(r, sv.mark_duplicate(ctx, r.number, number)),
                [row],
                then=self._done("{labels} marked as a duplicate"),
            )

        ask_duplicate_of(self, row.label, row.asset_tag, picked)

    def action_assign(self) -> None:
        if not self._refuse_unless("assign"):
            return
        rows = [r for r in self._targets("work_order") if lc.allowed("assign", r.status)]
        if not rows:
            return
        ctx = self.ctx
        what = rows[0].label if len(rows) == 1 else f"{len(rows)} work orders"

        def chosen(choice: AssignChoice) -> None:
            self.run_db(
                _bulk,
                lambda r: _label(
                    r,
                    sv.assign(
                        ctx,
                        r.number,
                        assignee=choice.assignee,
                        team=choice.team,
                        expected_version=r.version,
                    ),
                ),
                rows,
                then=self._done(f"Assigned {{labels}} to {choice.label}"),
            )

        ask(self, AssigneePicker(f"Assign {what} to"), chosen)

    def action_priority(self) -> None:
        row = self.row
        if row is None or not self._refuse_unless("priority"):
            return
        ctx = self.ctx

        def chosen(choice: PriorityChoice) -> None:
            def change(r: BoardRow) -> str:
                if r.is_request:
                    sv.set_request_priority(ctx, r.number, choice.urgency, choice.impact)
                else:
                    sv.set_priority(
                        ctx, r.number, choice.urgency, choice.impact, expected_version=r.version
                    )
                return r.label

            self.run_db(
                _bulk, change, [row], then=self._done(f"{{labels}} is now P{choice.priority}")
            )

        ask_priority(self, row.label, row.urgency, row.impact, chosen)

    def action_close_wo(self) -> None:
        """Asks first, as the detail screen does: closed work is frozen."""
        row = self.row
        if row is None or not self._refuse_unless("close_wo"):
            return
        ctx = self.ctx

        def confirmed(yes: bool) -> None:
            if yes:
                self.run_db(
                    _bulk,
                    lambda r: _label(r, sv.close(ctx, r.number, expected_version=r.version)),
                    [row],
                    then=self._done("Closed {labels}"),
                )

        ask(
            self,
            ConfirmDialog(
                f"Close {row.label}?",
                f"{clean_line(row.title)}\nClosed work is history: it cannot be edited.",
            ),
            confirmed,
        )

    def action_send_back(self) -> None:
        row = self.row
        if row is None or not self._refuse_unless("send_back"):
            return
        ctx = self.ctx

        def reason_given(reason: str) -> None:
            self.run_db(
                _bulk,
                lambda r: _label(
                    r, sv.send_back(ctx, r.number, reason, expected_version=r.version)
                ),
                [row],
                then=self._done("Sent {labels} back to the technician"),
            )

        ask(self, ReasonPrompt(f"Send {row.label} back", "What still needs doing"), reason_given)

    def action_cancel_wo(self) -> None:
        row = self.row
        if row is None or not self._refuse_unless("cancel_wo"):
            return
        ctx = self.ctx

        def reason_given(reason: str) -> None:
            def confirmed(yes: bool) -> None:
                if yes:
                    self.run_db(
                        _bulk,
                        lambda r: _label(
                            r, sv.cancel(ctx, r.number, reason, expected_version=r.version)
                        ),
                        [row],
                        then=self._done("Cancelled {labels}"),
                    )

            title = clean_line(row.title)
            ask(
                self,
                ConfirmDialog(f"Cancel {row.label}?", f"{title}\nReason: {reason}"),
                confirmed,
            )

        ask(self, ReasonPrompt(f"Cancel {row.label}", "Reason for cancelling"), reason_given)

    # ------------------------------------------------------------ filters

    def action_filter(self) -> None:
        """The box takes the focus before the next key is routed: what is typed straight
        after ``/`` (a pasted number, keys typed ahead over SSH) is filter text. In the
        box, ``/`` is text (the binding is off while it has the focus)."""
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.display = True
        self.set_focus(box)
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_now(self) -> None:
        text = clean_line(self.query_one("#filter", Input).value)
        if text != self.flt.text:
            self._apply_filter(replace(self.flt, text=text))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self._filter_now()
        self.table.focus()

    def action_toggle(self, name: str) -> None:
        self._apply_filter(replace(self.flt, **{name: not getattr(self.flt, name)}))

    def action_quick_filter(self) -> None:
        self.run_db(_filter_choices, self.ctx.store, then=self._choose_filter)

    def _choose_filter(self, choices: list[tuple[str, str]]) -> None:
        def chosen(key: str) -> None:
            kind, _, value = key.partition(":")
            if kind == "clear":
                self._clear_filter()
            elif kind == "team":
                team_id, _, name = value.partition(":")
                self._apply_filter(replace(self.flt, team_id=int(team_id), team_name=name))
            elif kind == "site":
                site_id, _, name = value.partition(":")
                self._apply_filter(replace(self.flt, site_id=int(site_id), site_name=name))
            else:
                self.action_toggle(kind)

        ask(self, MenuDialog("Quick filter", choices), chosen)

    def _clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        box.display = False
        self._apply_filter(self._no_filter())
        self.table.focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if self.flt.active or box.has_class("shown"):
            self._clear_filter()
            return
        super().action_back()


def _past(action: str) -> str:
    return {"approve": "approved", "reject": "rejected", "duplicate": "marked a duplicate"}[action]


def _filter_choices(store: Any) -> list[tuple[str, str]]:
    choices = [
        ("overdue", "Overdue (o)"),
        ("unassigned", "Unassigned (U)"),
        ("urgent", "P1-P2 (!)"),
        ("on_hold", "On hold (h)"),
    ]
    choices += [(f"team:{t.team_id}:{t.name}", f"Team {t.name}") for t in queries.teams(store)]
    choices += [
        (f"site:{s.row_id}:{s.key}", f"Site {s.key} {s.name}") for s in queries.sites(store)
    ]
    choices.append(("clear", "Clear every filter"))
    return choices


def _label(row: BoardRow, _result: object) -> str:
    """What a verb reports back: the label of the row it acted on."""
    return row.label


def _labels(done: Sequence[str]) -> str:
    more = f" and {len(done) - 5} more" if len(done) > 5 else ""
    return ", ".join(done[:5]) + more


def minute_now() -> int:
    return int(clock.now().timestamp() // 60)
