"""Demo data: a plausible maintenance department to try the app on, or to load
a million work orders for benchmarks.

Two sites with buildings and areas, about 150 assets, two teams of four
technicians, a dispatcher, a requester, a parts catalogue with prices, and work
orders spread over the last 18 months in every status, each consistent with the
lifecycle: closed work has start, completion and close times, labour, a
resolution and cause/remedy codes; on-hold work has a reason; some active work is
overdue; a few new requests wait for triage.

The same seed and the same ``clock.now()`` give the same data. Rows are built as
plain dicts and written with core ``executemany`` in large transactions (no ORM
objects), so a million work orders take minutes. Every work order and request
gets an ``import`` audit event holding every field, like a CSV import.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from wo_tui import clock
from wo_tui.config import Settings
from wo_tui.domain import admin, identity, sla
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.importing import (
    AUDIT_TABLE,
    LABOUR_TABLE,
    PART_USAGE_TABLE,
    REQ_TABLE,
    WO_TABLE,
    audit_row,
    bulk_cache,
    insert_chunks,
    insert_work_orders,
    next_id,
    reserve_numbers,
)
from wo_tui.domain.services import Ctx
from wo_tui.errors import ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import Asset, Location, Note, Part, Site, Team, User

DEFAULT_WORK_ORDERS = 300
BATCH = 20_000
HISTORY_DAYS = 548

NOTE_TABLE = Note.__table__  # type: ignore[attr-defined]
ASSET_TABLE = Asset.__table__  # type: ignore[attr-defined]
PART_TABLE = Part.__table__  # type: ignore[attr-defined]
LOCATION_TABLE = Location.__table__  # type: ignore[attr-defined]

SITES: list[tuple[str, str, dict[str, list[str]]]] = [
    (
        "NPL",
        "North Plant",
        {
            "Production Hall": ["Line 1", "Line 2", "Packing"],
            "Utilities Building": ["Boiler Room", "Chiller Plant", "Compressor Room"],
            "Warehouse": ["Loading Dock", "High Bay"],
        },
    ),
    (
        "HQ",
        "Head Office",
        {
            "Tower A": ["Basement Plant Room", "Lobby", "Roof"],
            "Car Park": ["Level P1", "Level P2"],
        },
    ),
]

MECH, ELEC = "Mechanical", "Electrical"
TECHNICIANS = [
    ("alice", "Alice Fitter", MECH, 4500),
    ("bob", "Bob Wrench", MECH, 4000),
    ("carlos", "Carlos Mendes", MECH, 4200),
    ("dmitri", "Dmitri Volkov", MECH, 3900),
    ("erin", "Erin Sparks", ELEC, 5000),
    ("farah", "Farah Khan", ELEC, 4800),
    ("george", "George Okafor", ELEC, 4400),
    ("hana", "Hana Sato", ELEC, 4600),
]
OTHERS = [
    ("dana", "Dana Dispatch", perm.DISPATCHER),
    ("rita", "Rita Reception", perm.REQUESTER),
]
REQUESTERS = [
    "Line 1 supervisor",
    "Line 2 supervisor",
    "Warehouse lead",
    "Reception desk",
    "Security control room",
    "Facilities manager",
    "Quality lab",
    "BMS alarm",
]

PARTS: list[tuple[str, str, str, int]] = [
    ("BRG-6204", "Bearing 6204-2RS", "ea", 1250),
    ("BRG-6205", "Bearing 6205-2RS", "ea", 1480),
    ("BRG-6306", "Bearing 6306-ZZ", "ea", 2390),
    ("SEAL-25", "Mechanical seal 25 mm", "ea", 8900),
    ("SEAL-40", "Mechanical seal 40 mm", "ea", 12400),
    ("GSK-DN50", "Flange gasket DN50", "ea", 320),
    ("CPL-INS", "Coupling insert", "ea", 1875),
    ("IMP-80", "Pump impeller 80 mm", "ea", 21500),
    ("VB-A42", "V-belt A42", "ea", 1190),
    ("VB-B55", "V-belt B55", "ea", 1640),
    ("FLT-G4", "Panel filter G4 592x592", "ea", 845),
    ("FLT-F7", "Bag filter F7 592x592", "ea", 3420),
    ("ACT-24V", "Damper actuator 24 V", "ea", 18900),
    ("SNS-TMP", "Duct temperature sensor", "ea", 4650),
    ("R410A", "Refrigerant R410A", "kg", 5800),
    ("CND-BRUSH", "Condenser tube brush set", "ea", 7300),
    ("IGN-EL", "Ignition electrode", "ea", 3850),
    ("PRV-3B", "Pressure relief valve 3 bar", "ea", 9600),
    ("FLM-SNS", "Flame sensor", "ea", 6200),
    ("ROL-50", "Conveyor roller 50 mm", "ea", 2450),
    ("CVB-M", "Conveyor belt", "m", 4100),
    ("GRS-400", "Grease cartridge 400 g", "ea", 990),
    ("OIL-GB1", "Gear oil 1 l", "l", 1450),
    ("MTR-075", "Motor 0.75 kW", "ea", 26500),
    ("DR-ROLLER", "Lift door roller", "ea", 3100),
    ("DR-CONT", "Door contact switch", "ea", 2750),
    ("LFT-ROPE-LUBE", "Rope lubricant", "ea", 2300),
    ("PIR-SNS", "Door presence sensor", "ea", 11800),
    ("DR-CLOSER", "Overhead door closer", "ea", 8450),
    ("RD-SPRING", "Roller door spring", "ea", 13900),
    ("LED-T8", "LED tube T8 1500 mm", "ea", 1150),
    ("LED-600", "LED panel 600x600", "ea", 4290),
    ("EM-BATT", "Emergency light battery", "ea", 2380),
    ("PHC-1", "Photocell switch", "ea", 2890),
    ("CTR-9A", "Contactor 9 A", "ea", 3360),
    ("FUSE-10", "Fuse 10 A (10 pack)", "pk", 990),
    ("CMP-OIL5", "Compressor oil 5 l", "ea", 6900),
    ("CMP-AF", "Compressor air filter", "ea", 4250),
    ("DRY-FLT", "Dryer filter element", "ea", 5600),
    ("DRN-VLV", "Condensate drain valve", "ea", 7900),
]


@dataclass(frozen=True)
class Fault:
    title: str
    description: str
    resolution: str
    cause: str
    remedy: str
    parts: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Kind:
    prefix: str
    category: str
    names: tuple[str, ...]
    count: int
    areas: tuple[str, ...]
    team: str
    criticality: int
    faults: tuple[Fault, ...]
    service: str
    service_parts: tuple[tuple[str, float], ...] = ()
    first_tag: int = 1


F = Fault
ASSET_KINDS: list[Kind] = [
    Kind(
        "P",
        "pump",
        ("Feed pump", "Chilled water pump", "Condensate pump", "Transfer pump", "Sump pump"),
        30,
        ("Line 1", "Line 2", "Boiler Room", "Chiller Plant", "Basement Plant Room"),
        MECH,
        2,
        (
            F(
                "{tag} leaking at the seal",
                "Water dripping from the shaft seal of {tag}, small puddle under the pump.",
                "Replaced the mechanical seal and gasket, ran 30 min, no leak.",
                "LEAK",
                "REPL",
                (("SEAL-25", 1), ("GSK-DN50", 1)),
            ),
            F(
                "{tag} bearing noise",
                "Grinding noise from {tag} motor end, louder at start-up.",
                "Replaced drive-end bearing, greased, vibration back to normal.",
                "WEAR",
                "REPL",
                (("BRG-6204", 2), ("GRS-400", 1)),
            ),
            F(
                "{tag} tripped on overload",
                "{tag} stops after a few minutes, overload relay trips.",
                "Found clogged strainer raising the load; cleaned it and reset the overload.",
                "BLOCK",
                "CLEAN",
            ),
            F(
                "{tag} low discharge pressure",
                "Discharge pressure on {tag} reads 1.2 bar, should be 3.",
                "Impeller worn; fitted a new impeller and coupling insert.",
                "WEAR",
                "REPL",
                (("IMP-80", 1), ("CPL-INS", 1)),
            ),
        ),
        "Quarterly pump service {tag}",
        (("GRS-400", 1),),
        101,
    ),
    Kind(
        "AHU",
        "hvac",
        ("Air handler",),
        20,
        ("Production Hall", "Roof", "Basement Plant Room", "Warehouse"),
        MECH,
        2,
        (
            F(
                "{tag} filter pressure alarm",
                "BMS shows high filter differential pressure on {tag}.",
                "Replaced panel and bag filters; differential back to 120 Pa.",
                "BLOCK",
                "REPL",
                (("FLT-G4", 4), ("FLT-F7", 4)),
            ),
            F(
                "{tag} belt squealing",
                "Loud squeal from {tag} fan section when it starts.",
                "Belts glazed: replaced both belts and re-tensioned.",
                "WEAR",
                "REPL",
                (("VB-A42", 2),),
            ),
            F(
                "{tag} not reaching supply temperature",
                "Area served by {tag} too warm, supply air 19 C against 14 C set point.",
                "Damper actuator stuck; replaced it and recalibrated the loop.",
                "CTRL",
                "REPL",
                (("ACT-24V", 1),),
            ),
            F(
                "{tag} fan motor tripped",
                "{tag} fan off, overload tripped twice this morning.",
                "Loose terminal in the motor box; remade the connection and reset.",
                "ELEC",
                "REPAIR",
            ),
        ),
        "Monthly AHU inspection {tag}",
        (("FLT-G4", 4),),
    ),
    Kind(
        "CH",
        "chiller",
        ("Chiller",),
        6,
        ("Chiller Plant", "Roof"),
        MECH,
        1,
        (
            F(
                "{tag} high head pressure alarm",
                "{tag} trips on high head pressure in the afternoon.",
                "Condenser coils fouled; cleaned the tubes, pressure normal under load.",
                "BLOCK",
                "CLEAN",
                (("CND-BRUSH", 1),),
            ),
            F(
                "{tag} refrigerant leak suspected",
                "Low suction pressure on {tag}, oil stain at the service valve.",
                "Leak at the flare joint repaired, pressure tested, recharged.",
                "LEAK",
                "REPAIR",
                (("R410A", 4),),
            ),
        ),
        "Quarterly chiller service {tag}",
    ),
    Kind(
        "B",
        "boiler",
        ("Gas boiler",),
        6,
        ("Boiler Room", "Basement Plant Room"),
        MECH,
        1,
        (
            F(
                "{tag} lockout: flame failure",
                "{tag} in lockout, display shows flame failure, no heating.",
                "Flame sensor dirty and electrode worn; replaced both, 5 clean starts.",
                "WEAR",
                "REPL",
                (("FLM-SNS", 1), ("IGN-EL", 1)),
            ),
            F(
                "{tag} relief valve weeping",
                "Water from the relief valve drain of {tag}.",
                "Relief valve seat damaged; replaced the valve.",
                "LEAK",
                "REPL",
                (("PRV-3B", 1),),
            ),
        ),
        "Annual boiler inspection {tag}",
    ),
    Kind(
        "CV",
        "conveyor",
        ("Infeed conveyor", "Packing conveyor", "Transfer conveyor"),
        24,
        ("Line 1", "Line 2", "Packing", "Loading Dock"),
        MECH,
        2,
        (
            F(
                "{tag} belt tracking off",
                "Belt on {tag} runs to one side and rubs the frame.",
                "Adjusted the tail pulley and tracking rollers; runs centred.",
                "WEAR",
                "ADJ",
            ),
            F(
                "{tag} roller seized",
                "Seized roller on {tag}, belt burning at one spot.",
                "Replaced two seized rollers.",
                "WEAR",
                "REPL",
                (("ROL-50", 2),),
            ),
            F(
                "{tag} gearbox overheating",
                "{tag} gearbox too hot to touch, smell of oil.",
                "Oil low; topped up gear oil and fixed a leaking drain plug.",
                "LUBE",
                "LUBE",
                (("OIL-GB1", 2),),
            ),
        ),
        "Monthly conveyor check {tag}",
        (("GRS-400", 1),),
        101,
    ),
    Kind(
        "L",
        "lift",
        ("Passenger lift", "Goods lift"),
        10,
        ("Lobby", "Warehouse", "Level P1"),
        ELEC,
        1,
        (
            F(
                "{tag} stuck between floors",
                "{tag} stopped between 2 and 3, nobody inside, alarm raised by security.",
                "Door lock contact faulty; replaced it, tested all landings.",
                "ELEC",
                "REPL",
                (("DR-CONT", 1),),
            ),
            F(
                "{tag} doors not closing fully",
                "Doors of {tag} reopen repeatedly at ground floor.",
                "Worn door rollers replaced and track cleaned.",
                "WEAR",
                "REPL",
                (("DR-ROLLER", 2),),
            ),
            F(
                "{tag} levelling out by 2 cm",
                "{tag} stops about 2 cm below the floor, trip hazard.",
                "Re-adjusted the levelling sensor.",
                "CTRL",
                "ADJ",
            ),
        ),
        "Monthly lift service {tag}",
        (("LFT-ROPE-LUBE", 1),),
    ),
    Kind(
        "D",
        "door",
        ("Roller door", "Automatic door", "Fire door"),
        24,
        ("Loading Dock", "High Bay", "Lobby", "Level P2"),
        MECH,
        3,
        (
            F(
                "{tag} jammed half open",
                "{tag} stuck half open, cannot secure the area.",
                "Broken spring replaced, door balanced.",
                "WEAR",
                "REPL",
                (("RD-SPRING", 1),),
            ),
            F(
                "{tag} sensor not detecting people",
                "{tag} closes on people walking through.",
                "Presence sensor failed; replaced and set the detection field.",
                "ELEC",
                "REPL",
                (("PIR-SNS", 1),),
            ),
            F(
                "{tag} not latching",
                "{tag} does not close on its own and stays ajar.",
                "Adjusted the closer speed and latch.",
                "MISUSE",
                "ADJ",
            ),
        ),
        "Six-monthly door inspection {tag}",
    ),
    Kind(
        "LT",
        "lighting",
        ("Lighting circuit", "Emergency lighting"),
        20,
        ("Production Hall", "High Bay", "Level P1", "Level P2", "Lobby"),
        ELEC,
        4,
        (
            F(
                "{tag} lights flickering",
                "Several fittings on {tag} flicker, staff complaining of headaches.",
                "Replaced failed LED tubes.",
                "WEAR",
                "REPL",
                (("LED-T8", 6),),
            ),
            F(
                "{tag} failed monthly test",
                "Two fittings on {tag} did not stay lit during the test.",
                "Batteries exhausted; replaced both and retested for 3 h.",
                "WEAR",
                "REPL",
                (("EM-BATT", 2),),
            ),
            F(
                "{tag} on all day",
                "{tag} stays on in daylight.",
                "Photocell fault; replaced it.",
                "ELEC",
                "REPL",
                (("PHC-1", 1),),
            ),
        ),
        "Emergency lighting test {tag}",
    ),
    Kind(
        "C",
        "compressor",
        ("Air compressor",),
        10,
        ("Compressor Room",),
        MECH,
        2,
        (
            F(
                "{tag} pressure not building",
                "Plant air at 5 bar, {tag} runs continuously.",
                "Drain valve stuck open; replaced it, pressure holds at 7.5 bar.",
                "WEAR",
                "REPL",
                (("DRN-VLV", 1),),
            ),
            F(
                "{tag} oil carry-over",
                "Oil in the air lines downstream of {tag}.",
                "Separator and dryer filter replaced, oil changed.",
                "WEAR",
                "REPL",
                (("DRY-FLT", 1), ("CMP-OIL5", 1)),
            ),
            F(
                "{tag} tripped on high temperature",
                "{tag} stopped with a high temperature alarm.",
                "Cooler blocked with dust; cleaned it and reset.",
                "BLOCK",
                "CLEAN",
            ),
        ),
        "2000-hour compressor service {tag}",
        (("CMP-AF", 1), ("CMP-OIL5", 1)),
    ),
]

NOTES = [
    "Isolated and locked out before starting.",
    "Parts ordered, delivery expected in two days.",
    "Operator says it is worst first thing in the morning.",
    "Agreed with production: can stop the line after 14:00.",
    "Vendor engineer booked for Thursday.",
    "Access needs a permit; requested from security.",
    "Temporary fix in place, keep an eye on it.",
    "Checked the history: same fault three months ago.",
    "Photos taken and attached to the shared drive.",
    "Customer informed of the delay.",
]
HOLDS = [
    "waiting parts: order placed",
    "waiting access: area in use",
    "waiting vendor: specialist visit booked",
]
CANCEL_REASONS = [
    "Raised twice; the other work order covers it.",
    "Asset being replaced under the capital project.",
    "Fault cleared itself; operator confirmed.",
]
REJECT_REASONS = [
    "Not maintenance: ask IT.",
    "Cosmetic; covered by the annual redecoration.",
]
FOLLOW_UP_SHARE = 0.06


@dataclass
class DemoResult:
    sites: int = 0
    assets: int = 0
    technicians: int = 0
    parts: int = 0
    work_orders: int = 0
    requests: int = 0
    rows: int = 0
    seconds: float = 0.0


@dataclass
class _World:
    """What the generator draws from: ids of the rows set up first."""

    now: datetime
    actor_id: int
    assets: list[tuple[int, str, int, int, Kind]] = field(default_factory=list)
    teams: dict[str, int] = field(default_factory=dict)
    techs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)
    requester_login_id: int = 0


def _status_for(rnd: random.Random, age_days: float) -> str:
    if age_days > 120:
        # A real backlog has a stale tail, but not work on hold for a year and a half.
        table = [(lc.CLOSED, 94), (lc.CANCELLED, 5), (lc.COMPLETED, 1)]
    elif age_days > 45:
        table = [
            (lc.CLOSED, 90),
            (lc.CANCELLED, 5),
            (lc.COMPLETED, 1),
            (lc.ON_HOLD, 2),
            (lc.ASSIGNED, 2),
        ]
    elif age_days > 7:
        table = [
            (lc.CLOSED, 58),
            (lc.COMPLETED, 10),
            (lc.IN_PROGRESS, 9),
            (lc.ON_HOLD, 8),
            (lc.ASSIGNED, 8),
            (lc.CANCELLED, 4),
            (lc.OPEN, 3),
        ]
    else:
        table = [
            (lc.OPEN, 20),
            (lc.ASSIGNED, 24),
            (lc.IN_PROGRESS, 25),
            (lc.ON_HOLD, 8),
            (lc.COMPLETED, 13),
            (lc.CLOSED, 8),
            (lc.CANCELLED, 2),
        ]
    return rnd.choices([s for s, _ in table], [w for _, w in table])[0]


def _age(rnd: random.Random) -> float:
    """Days ago: a quarter of the work is from the last six weeks, like a real backlog."""
    r = rnd.random()
    if r < 0.08:
        return rnd.uniform(0.05, 7)
    if r < 0.25:
        return rnd.uniform(7, 45)
    return rnd.uniform(45, HISTORY_DAYS)


def _fit(start: datetime, spans: list[float], limit: datetime) -> list[datetime]:
    """Lay spans (minutes) end to end from ``start``; squeeze them to end before ``limit``."""
    total = sum(spans)
    room = (limit - start).total_seconds() / 60 - 1
    scale = min(1.0, room / total) if total > 0 else 1.0
    out, at = [], start
    for span in spans:
        at = at + timedelta(minutes=max(span * scale, 0.0))
        out.append(at)
    return out


class _Generator:
    def __init__(self, world: _World, rnd: random.Random, policy: Any) -> None:
        self.w = world
        self.rnd = rnd
        self.policy = policy

    def work_order(
        self, age_days: float, *, parent: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """One work order with its notes, labour and parts (rows without ids yet)."""
        rnd, w = self.rnd, self.w
        now = w.now
        if parent is not None:
            asset = next(a for a in w.assets if a[0] == parent["asset_id"])
            requested = parent["completed_at"] + timedelta(minutes=rnd.uniform(5, 120))
            if requested >= now:
                requested = now - timedelta(minutes=1)
            kind_name = lc.FOLLOW_UP
        else:
            asset = rnd.choice(w.assets)
            requested = now - timedelta(days=age_days)
            kind_name = rnd.choices([lc.REACTIVE, lc.CORRECTIVE, lc.PREVENTIVE], [45, 35, 20])[0]
        asset_id, tag, loc_id, site_id, kind = asset
        age = (now - requested).total_seconds() / 86400
        status = _status_for(rnd, age)
        if kind_name == lc.PREVENTIVE:
            urgency, impact = 3, 2
            title = kind.service.format(tag=tag)
            description = f"Routine service of {tag} to the maintenance plan checklist."
            resolution = "Service done to the checklist; no defects found."
            cause, remedy = "", ""
            part_list = kind.service_parts
        else:
            fault = rnd.choice(kind.faults)
            urgency = rnd.choices([1, 2, 3], [15, 50, 35])[0]
            impact = rnd.choices([1, 2, 3], [20, 50, 30])[0]
            if parent is not None:
                title = f"Follow-up: {parent['title']}"[:200]
                description = f"Finish the permanent repair after {parent['title']}."
            else:
                title = fault.title.format(tag=tag)
                description = fault.description.format(tag=tag)
            resolution, cause, remedy = fault.resolution, fault.cause, fault.remedy
            part_list = fault.parts
        prio = sla.priority(urgency, impact)
        response_due, due = sla.due_dates(requested, prio, self.policy)
        team_name = kind.team
        crew = w.techs[team_name]
        tech_id, tech_rate = rnd.choice(crew)
        row: dict[str, Any] = {
            "title": title,
            "description": description,
            "kind": kind_name,
            "source": rnd.choice(lc.SOURCES) if kind_name == lc.REACTIVE else "inspection",
            "requester": rnd.choice(REQUESTERS) if kind_name == lc.REACTIVE else "",
            "urgency": urgency,
            "impact": impact,
            "priority": prio,
            "status": status,
            "site_id": site_id,
            "asset_id": asset_id,
            "location_id": loc_id,
            "assignee_id": None,
            "team_id": None,
            "parent_id": None,
            "pm_schedule_id": None,
            "estimated_minutes": rnd.choice([30, 60, 90, 120, 240]),
            "requested_at": requested,
            "approved_at": None,
            "response_due_at": response_due,
            "due_at": due,
            "started_at": None,
            "completed_at": None,
            "closed_at": None,
            "cancelled_at": None,
            "resolution": "",
            "cause_code": "",
            "remedy_code": "",
            "no_parts_used": False,
            "follow_up": "",
            "hold_reason": "",
            "cancel_reason": "",
            "send_back_reason": "",
            "updated_at": requested,
            "updated_by_id": w.actor_id,
            "version": 1,
        }
        response = self.policy.response(prio).total_seconds() / 60
        resolve = self.policy.resolution(prio).total_seconds() / 60
        late = rnd.random() < 0.12
        spans = [
            rnd.uniform(2, 60),
            rnd.uniform(0.1, 0.9) * response * (3 if late else 1),
            rnd.uniform(0.05, 0.5) * resolve * (3 if late else 1),
            rnd.uniform(60, 4 * 24 * 60),
        ]
        approved, started, completed, closed = _fit(requested, spans, now)
        row["approved_at"] = approved
        notes: list[dict[str, Any]] = []
        labour: list[dict[str, Any]] = []
        used: list[dict[str, Any]] = []
        if status not in (lc.OPEN, lc.CANCELLED):
            row["assignee_id"] = tech_id
            row["team_id"] = w.teams[team_name]
        last = approved
        if status in (lc.IN_PROGRESS, lc.ON_HOLD, lc.COMPLETED, lc.CLOSED):
            row["started_at"] = started
            last = started
        if status == lc.ON_HOLD:
            row["hold_reason"] = rnd.choice(HOLDS)
        if status in (lc.COMPLETED, lc.CLOSED):
            row.update(
                completed_at=completed,
                resolution=resolution,
                cause_code=cause,
                remedy_code=remedy,
                follow_up="none",
            )
            last = completed
            if status == lc.CLOSED:
                row["closed_at"] = closed
                last = closed
        if status == lc.CANCELLED:
            row["assignee_id"] = None
            row["team_id"] = None
            row["cancelled_at"] = started
            row["cancel_reason"] = rnd.choice(CANCEL_REASONS)
            last = started
        row["updated_at"] = last
        worked = status in (lc.IN_PROGRESS, lc.ON_HOLD, lc.COMPLETED, lc.CLOSED)
        if worked:
            finish = row["completed_at"] or now
            entries = rnd.randint(1, 3) if row["completed_at"] else rnd.randint(0, 2)
            for _ in range(entries):
                at = started + (finish - started) * rnd.random()
                who, rate = (tech_id, tech_rate) if rnd.random() < 0.8 else rnd.choice(crew)
                labour.append(
                    {
                        "user_id": who,
                        "work_date": at.astimezone().date(),
                        "minutes": rnd.choice([15, 30, 45, 60, 90, 120, 180, 240]),
                        "rate_cents": rate,
                        "created_at": at,
                        "created_by_id": who,
                    }
                )
            if row["completed_at"] and part_list and rnd.random() < 0.75:
                for number, qty in part_list:
                    pid, cost = w.parts[number]
                    used.append(
                        {
                            "part_id": pid,
                            "quantity": qty,
                            "unit_cost_cents": cost,
                            "created_at": completed,
                            "created_by_id": tech_id,
                        }
                    )
            if row["completed_at"] and not used:
                row["no_parts_used"] = True
        for _ in range(rnd.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]):
            at = requested + (last - requested) * rnd.random()
            notes.append(
                {
                    "author_id": row["assignee_id"] or w.actor_id,
                    "created_at": at,
                    "body": rnd.choice(NOTES),
                }
            )
        return row, notes, labour, used


def _setup(ctx: Ctx, result: DemoResult) -> _World:
    """Teams, people, sites, locations, assets and parts (small: ordinary services
    for people, bulk inserts for the rest)."""
    store = ctx.store
    for name in (MECH, ELEC):
        admin.add_team(ctx, name, 4 * 38 * 60)
    me = ctx.actor.login
    for login, name, team, rate in TECHNICIANS:
        if login != me:
            admin.add_user(
                ctx, login, perm.TECHNICIAN, display_name=name, team=team, rate_cents=rate
            )
    for login, name, role in OTHERS:
        if login != me:
            admin.add_user(ctx, login, role, display_name=name)
    result.technicians = len(TECHNICIANS)
    now = clock.now()
    world = _World(now=now, actor_id=ctx.actor.id)
    with store.write() as s:
        world.teams = {n: i for i, n in s.execute(select(Team.id, Team.name))}
        users = {
            login: (uid, rate, team)
            for uid, login, rate, team in s.execute(
                select(User.id, User.login, User.hourly_rate_cents, User.team_id)
            )
        }
        for login, _, team, _ in TECHNICIANS:
            if login in users:
                uid, rate, _t = users[login]
                world.techs.setdefault(team, []).append((uid, rate))
        areas: dict[str, list[tuple[int, int]]] = {}
        loc_id = next_id(s, LOCATION_TABLE)
        locations, audits = [], []
        for code, name, buildings in SITES:
            site_row = Site(code=code, name=name)
            s.add(site_row)
            s.flush()
            assert site_row.id is not None
            result.sites += 1
            audits.append(
                audit_row(
                    now, ctx.actor.id, "site", {"id": site_row.id, "code": code, "name": name}
                )
            )
            for building, rooms in buildings.items():
                bid = loc_id
                loc_id += 1
                locations.append(
                    {
                        "id": bid,
                        "site_id": site_row.id,
                        "parent_id": None,
                        "name": building,
                        "path": f"{name} / {building}",
                    }
                )
                areas.setdefault(building, []).append((bid, site_row.id))
                for room in rooms:
                    locations.append(
                        {
                            "id": loc_id,
                            "site_id": site_row.id,
                            "parent_id": bid,
                            "name": room,
                            "path": f"{name} / {building} / {room}",
                        }
                    )
                    areas.setdefault(room, []).append((loc_id, site_row.id))
                    loc_id += 1
        insert_chunks(s, LOCATION_TABLE, locations)
        audits += [audit_row(now, ctx.actor.id, "location", r) for r in locations]
        part_id = next_id(s, PART_TABLE)
        parts = []
        for offset, (number, name, unit, cost) in enumerate(PARTS):
            parts.append(
                {
                    "id": part_id + offset,
                    "number": number,
                    "name": name,
                    "unit": unit,
                    "unit_cost_cents": cost,
                    "active": True,
                }
            )
            world.parts[number] = (part_id + offset, cost)
        insert_chunks(s, PART_TABLE, parts)
        audits += [audit_row(now, ctx.actor.id, "part", r) for r in parts]
        result.parts = len(parts)
        asset_id = next_id(s, ASSET_TABLE)
        assets = []
        rnd = random.Random(7)
        for kind in ASSET_KINDS:
            for i in range(kind.count):
                number = kind.first_tag + i
                tag = (
                    f"{kind.prefix}-{number:03d}"
                    if kind.first_tag > 1
                    else f"{kind.prefix}-{number:02d}"
                )
                loc, site_id = rnd.choice(
                    [spot for area in kind.areas for spot in areas.get(area, [])]
                )
                base = kind.names[i % len(kind.names)]
                assets.append(
                    {
                        "id": asset_id,
                        "tag": tag,
                        "name": f"{base} {i // len(kind.names) + 1}",
                        "category": kind.category,
                        "site_id": site_id,
                        "location_id": loc,
                        "parent_id": None,
                        "criticality": kind.criticality,
                        "in_service_at": now - timedelta(days=365 * rnd.randint(2, 15)),
                    }
                )
                world.assets.append((asset_id, tag, loc, site_id, kind))
                asset_id += 1
        insert_chunks(s, ASSET_TABLE, assets)
        audits += [audit_row(now, ctx.actor.id, "asset", r) for r in assets]
        insert_chunks(s, AUDIT_TABLE, audits)
        result.assets = len(assets)
    return world


def _write_batch(
    s: Session,
    world: _World,
    batch: list[tuple[dict[str, Any], list[Any], list[Any], list[Any]]],
    result: DemoResult,
) -> None:
    """Give a batch its ids and numbers, add requests for reactive work, insert it all."""
    first_number = reserve_numbers(s, "WO", len(batch))
    first_id = next_id(s, WO_TABLE)
    wos, notes, labour, parts, requests = [], [], [], [], []
    for offset, (row, n, lab, used) in enumerate(batch):
        row["id"] = first_id + offset
        row["number"] = first_number + offset
        if isinstance(row["parent_id"], dict):
            row["parent_id"] = row["parent_id"]["id"]
        wos.append(row)
        for item in n:
            notes.append({**item, "work_order_id": row["id"]})
        for item in lab:
            labour.append({**item, "work_order_id": row["id"]})
        for item in used:
            parts.append({**item, "work_order_id": row["id"]})
        if row["kind"] == lc.REACTIVE:
            requests.append(
                {
                    "requester": row["requester"],
                    "contact": "",
                    "source": row["source"],
                    "site_id": row["site_id"],
                    "asset_id": row["asset_id"],
                    "location_id": row["location_id"],
                    "title": row["title"],
                    "description": row["description"],
                    "urgency": row["urgency"],
                    "impact": row["impact"],
                    "priority": row["priority"],
                    "status": lc.REQ_APPROVED,
                    "submitted_by_id": world.requester_login_id or world.actor_id,
                    "submitted_at": row["requested_at"],
                    "triaged_by_id": world.actor_id,
                    "triaged_at": row["approved_at"],
                    "reject_reason": "",
                    "work_order_id": row["id"],
                }
            )
    # The search index is kept by triggers: a note inserted after its work order
    # re-indexes that work order, one by one. On SQLite the notes go first (foreign
    # keys checked at commit instead), so each work order is indexed once, with its notes.
    notes_first = s.get_bind().dialect.name == "sqlite"
    if notes_first:
        s.execute(text("PRAGMA defer_foreign_keys = ON"))
        insert_chunks(s, NOTE_TABLE, notes)
    insert_work_orders(s, wos)
    insert_chunks(
        s, AUDIT_TABLE, [audit_row(r["updated_at"], world.actor_id, "work_order", r) for r in wos]
    )
    _insert_requests(s, world, requests, result)
    if not notes_first:
        insert_chunks(s, NOTE_TABLE, notes)
    insert_chunks(s, LABOUR_TABLE, labour)
    insert_chunks(s, PART_USAGE_TABLE, parts)
    result.work_orders += len(wos)
    result.rows += len(wos) * 2 + len(notes) + len(labour) + len(parts)


def _insert_requests(
    s: Session, world: _World, requests: list[dict[str, Any]], result: DemoResult
) -> None:
    if not requests:
        return
    first_number = reserve_numbers(s, "REQ", len(requests))
    first_id = next_id(s, REQ_TABLE)
    for offset, row in enumerate(requests):
        row["id"] = first_id + offset
        row["number"] = first_number + offset
    insert_chunks(s, REQ_TABLE, requests)
    insert_chunks(
        s,
        AUDIT_TABLE,
        [
            audit_row(r["triaged_at"] or r["submitted_at"], world.actor_id, "work_request", r)
            for r in requests
        ],
    )
    result.requests += len(requests)
    result.rows += len(requests) * 2


def _triage_queue(s: Session, world: _World, rnd: random.Random, result: DemoResult) -> None:
    """New requests waiting for the dispatcher, plus a few already turned away."""
    rows = []
    for i in range(18):
        asset_id, tag, loc, site_id, kind = rnd.choice(world.assets)
        fault = rnd.choice(kind.faults)
        urgency, impact = rnd.choice([1, 2, 2, 3]), rnd.choice([1, 2, 3])
        status = lc.REQ_NEW if i < 14 else lc.REQ_REJECTED
        submitted = world.now - timedelta(minutes=rnd.uniform(5, 3 * 24 * 60))
        rows.append(
            {
                "requester": rnd.choice(REQUESTERS),
                "contact": f"ext. {rnd.randint(2000, 2999)}",
                "source": rnd.choice(lc.SOURCES),
                "site_id": site_id,
                "asset_id": asset_id,
                "location_id": loc,
                "title": fault.title.format(tag=tag),
                "description": fault.description.format(tag=tag),
                "urgency": urgency,
                "impact": impact,
                "priority": urgency + impact - 1,
                "status": status,
                "submitted_by_id": world.requester_login_id or world.actor_id,
                "submitted_at": submitted,
                "triaged_by_id": world.actor_id if status != lc.REQ_NEW else None,
                "triaged_at": submitted + timedelta(minutes=30) if status != lc.REQ_NEW else None,
                "reject_reason": rnd.choice(REJECT_REASONS) if status == lc.REQ_REJECTED else "",
                "work_order_id": None,
            }
        )
    _insert_requests(s, world, rows, result)


def load(
    ctx: Ctx,
    *,
    work_orders: int = DEFAULT_WORK_ORDERS,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Fill an empty database with the demo site and ``work_orders`` work orders."""
    perm.require(ctx.actor, "manage_users", "(load demo data)")
    if work_orders < 0:
        raise ValidationError("The number of work orders cannot be negative.")
    with ctx.store.read() as s:
        existing = s.execute(select(func.count()).select_from(Site)).scalar_one()
    if existing:
        raise ValidationError(
            f"{ctx.store.label} already has sites: demo data goes into a new database "
            "(wo-tui --db demo.db demo)."
        )
    began = time.perf_counter()
    result = DemoResult()
    world = _setup(ctx, result)
    with ctx.store.read() as s:
        world.requester_login_id = (
            s.execute(select(User.id).where(User.login == "rita")).scalar() or 0
        )
    rnd = random.Random(seed)
    gen = _Generator(world, rnd, ctx.settings.sla)
    # Oldest first, so numbers rise with time as they would have in real life.
    ages = sorted((_age(rnd) for _ in range(work_orders)), reverse=True)
    made = 0
    while made < work_orders:
        batch: list[tuple[dict[str, Any], list[Any], list[Any], list[Any]]] = []
        while made < work_orders and len(batch) < BATCH:
            item = gen.work_order(ages[made])
            batch.append(item)
            made += 1
            row = item[0]
            if (
                made < work_orders
                and row["completed_at"] is not None
                and row["kind"] in lc.NEEDS_CAUSE
                and rnd.random() < FOLLOW_UP_SHARE
            ):
                row["follow_up"] = "needed"
                row["remedy_code"] = "TEMP"
                child = gen.work_order(0.0, parent=row)
                child[0]["parent_id"] = row
                batch.append(child)
                made += 1
        with ctx.store.write() as s:
            bulk_cache(s)
            _write_batch(s, world, batch, result)
        if progress:
            progress(made, work_orders)
    with ctx.store.write() as s:
        _triage_queue(s, world, rnd, result)
    ctx.store.sync_id_sequences()
    result.seconds = time.perf_counter() - began
    return result


def bootstrap(store: Store, settings: Settings) -> Ctx:
    """Make the account running the demo an admin (so the app opens on the new
    database) and return its context."""
    login = identity.os_login()
    admin.bootstrap_admin(store, login)
    return Ctx(store, identity.actor_for(store, login), settings)
