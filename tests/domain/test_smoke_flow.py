from sqlmodel import select

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.store.models import AuditEvent, WorkOrder


def test_request_to_close(site) -> None:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Pump leaking\nunder the skid",
        urgency=1,
        impact=2,
        asset_tag="P-101",
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    assert wo.priority == 2 and wo.status == lc.OPEN and wo.title == "Pump leaking"
    wo = sv.assign(site.dispatcher, wo.number, assignee="alice", expected_version=wo.version)
    wo = sv.start(site.tech, wo.number)
    sv.add_note(site.tech, wo.number, "Seal is worn [/]")
    sv.log_labour(site.tech, wo.number, 90)
    sv.use_part(site.tech, wo.number, "SEAL-25", 1)
    wo = sv.complete(
        site.tech,
        wo.number,
        sv.Closeout(
            resolution="Replaced seal", cause_code="WEAR", remedy_code="REPL", follow_up=False
        ),
    )
    wo = sv.close(site.dispatcher, wo.number)
    with site.store.read() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == wo.number)).one()
        assert row.status == lc.CLOSED
        actions = [
            e.action for e in s.exec(select(AuditEvent).where(AuditEvent.work_order_id == row.id))
        ]
    assert actions == [
        "create",
        "approve",
        "assign",
        "start",
        "add_note",
        "log_labour",
        "use_part",
        "complete",
        "close",
    ]
