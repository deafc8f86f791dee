"""Demo data: a plausible maintenance department to try the app on, or to load
a million work orders for benchmarks.

Two sites with buildings and areas, about 150 assets, two teams of four
technicians, a dispatcher, a requester, a parts catalogue with prices, and work
orders spread over the last 18 months in every status, each consistent with the
lifecycle: closed work has start, completion and close times, labour, a
resolution and cause/remedy codes; on-hold work has a reason; some active work is
overdue; a few new requests wait for triage. Eight PM schedules (monthly and
quarterly calendar ones, a floating one, a running-hours one with weekly readings)
have had their preventive work generated, done (mostly on time), skipped or
cancelled since they started, as ``pm run`` and the crew would have, so a ``pm run``
right after the demo finds nothing due that it has not already generated.

Each work order's audit trail is its story, in the shapes the services write: the
requester submits, the dispatcher approves or creates, assigns and closes (or
sends back, or cancels); the technician starts, holds and resumes, books labour
and parts, ticks the checklist, adds notes and completes; so ``audit verify``
replays it to the row. Only the newest ``LIVED`` work orders are lived like that:
older work came in at go-live as an import from the previous system (one
``import`` snapshot each), which keeps a million work orders to minutes.

The same seed and the same ``clock.now()`` give the same data. Rows are built as
plain dicts and written with core ``executemany`` in large transactions (no ORM
objects), with ids taken as ``importing.reserve_ids`` takes them.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as daytime
from functools import cache
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session

from wo_tui import clock
from wo_tui.config import Settings
from wo_tui.domain import admin, identity, pm, sla
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
    reserve_ids,
    reserve_numbers,
)
from wo_tui.domain.services import BOOKKEEPING, LABOUR_FIELDS, PART_FIELDS, Ctx, note_digest
from wo_tui.errors import ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    ChecklistItem,
    Location,
    MeterReading,
    Note,
    Part,
    PMOccurrence,
    PMSchedule,
    Site,
    Team,
    User,
)

DEFAULT_WORK_ORDERS = 300
LIVED = 20_000
"""How many of the newest work orders get their whole story in the audit trail; the
older ones came in at go-live as imports (one snapshot each), which keeps a million
work orders to minutes."""
BATCH = 20_000
HISTORY_DAYS = 548

NOTE_TABLE = Note.__table__  # type: ignore[attr-defined]
ASSET_TABLE = Asset.__table__  # type: ignore[attr-defined]
PART_TABLE = Part.__table__  # type: ignore[attr-defined]
LOCATION_TABLE = Location.__table__  # type: ignore[attr-defined]
CHECKLIST_TABLE = ChecklistItem.__table__  # type: ignore[attr-defined]
OCCURRENCE_TABLE = PMOccurrence.__table__  # type: ignore[attr-defined]
READING_TABLE = MeterReading.__table__  # type: ignore[attr-defined]
SCHEDULE_TABLE = PMSchedule.__table__  # type: ignore[attr-defined]

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
HOLD_AND_RESUME_SHARE = 0.08
SEND_BACK_SHARE = 0.03
SEND_BACK_REASONS = [
    "Resolution does not say what was replaced: add the part numbers.",
    "Operator reports the fault is back: please check again.",
    "No labour booked for the second visit.",
]
PM_RESOLUTION = "Service done to the checklist; no defects found."
PM_SKIP_REASON = "Plant shutdown: asset isolated for the overhaul."
PM_CANCEL_REASON = "Asset out of service during the shutdown; next visit covers it."
PM_LATE_SHARE = 0.15
METER_START = 11_800
"""Running hours on the demo compressor's meter when its schedule starts."""


@dataclass(frozen=True)
class Plan:
    """One demo PM schedule, on the first asset of its kind at its site."""

    site: str
    prefix: str
    title: str
    checklist: tuple[str, ...]
    every: tuple[int, str] | None = None
    mode: str = "fixed"
    day_of_month: int | None = None
    lead_days: int = 7
    meter: str = ""
    meter_every: float | None = None
    estimated_minutes: int = 90
    priority: int = 4


PLANS = [
    Plan(
        "NPL",
        "AHU",
        "Monthly AHU inspection {tag}",
        (
            "Filter differential pressure below 250 Pa",
            "Belts: wear and tension",
            "Fan bearings: no noise, not hot",
            "Condensate tray clean and draining",
        ),
        (1, "month"),
        day_of_month=1,
    ),
    Plan(
        "NPL",
        "P",
        "Quarterly pump service {tag}",
        ("Shaft seal: no leak", "Motor bearings greased", "Vibration within limits"),
        (3, "month"),
        lead_days=14,
        estimated_minutes=120,
    ),
    Plan(
        "NPL",
        "CV",
        "Monthly conveyor check {tag}",
        ("Belt tracking centred", "Rollers turn freely", "Gearbox oil level"),
        (1, "month"),
        day_of_month=15,
        estimated_minutes=60,
    ),
    Plan(
        "NPL",
        "CH",
        "Quarterly chiller service {tag}",
        ("Condenser coils clean", "Refrigerant pressures logged", "Oil level and colour"),
        (3, "month"),
        lead_days=14,
        estimated_minutes=240,
        priority=3,
    ),
    Plan(
        "NPL",
        "C",
        "2000-hour compressor service {tag}",
        ("Oil changed", "Air filter replaced", "Condensate drain tested"),
        meter="running_hours",
        meter_every=2000,
        lead_days=0,
        estimated_minutes=180,
        priority=3,
    ),
    Plan(
        "HQ",
        "L",
        "Monthly lift service {tag}",
        ("Door rollers and contacts", "Levelling at every landing", "Alarm and phone tested"),
        (1, "month"),
        day_of_month=10,
        priority=3,
    ),
    Plan(
        "HQ",
        "LT",
        "Monthly emergency lighting test {tag}",
        ("Every fitting lit for the test", "Log book signed"),
        (1, "month"),
        day_of_month=20,
        estimated_minutes=60,
    ),
    Plan(
        "HQ",
        "D",
        "Door lubrication and check {tag}",
        ("Hinges and rollers lubricated", "Closer speed and latch"),
        (8, "week"),
        mode="floating",
        lead_days=3,
        estimated_minutes=45,
        priority=5,
    ),
]


@dataclass
class DemoResult:
    sites: int = 0
    assets: int = 0
    technicians: int = 0
    parts: int = 0
    work_orders: int = 0
    requests: int = 0
    schedules: int = 0
    rows: int = 0
    seconds: float = 0.0


@dataclass
class _World:
    """What the generator draws from: ids of the rows set up first."""

    now: datetime
    actor_id: int
    dispatcher_id: int = 0
    requester_id: int = 0
    assets: list[tuple[int, str, int, int, Kind]] = field(default_factory=list)
    teams: dict[str, int] = field(default_factory=dict)
    techs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    logins: dict[int, str] = field(default_factory=dict)
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    go_live: datetime | None = None
    """Work requested before this came in as an import from the previous system."""


Step = tuple[datetime, int, str, Any]
"""(when, who, action, changes): one audit event of a work order's story; changes
is ``{field: [old, new]}``, or ``(table, index)`` for a note, labour entry or part
usage whose id is only known when it is written."""


class _Story:
    """A work order lived through the services' steps: each change is applied to the
    row the way ``services._wo_change`` applies it (only fields that change are in
    its event; the row's version, updated_at and updated_by_id follow), so the audit
    replay gives the row back."""

    def __init__(self, row: dict[str, Any], at: datetime, creator: int, lived: bool) -> None:
        row["updated_at"], row["updated_by_id"], row["version"] = at, creator, 1
        self.row = row
        self.lived = lived
        """False for work from before go-live: it came in as an import, so only the
        row is kept, not the steps."""
        self.created = dict(row) if lived else {}
        self.creator = creator
        self.steps: list[Step] = []

    def change(self, at: datetime, actor: int, action: str, **values: Any) -> None:
        row = self.row
        changes = {}
        for name, new in values.items():
            if row[name] != new:
                changes[name] = [row[name], new]
                row[name] = new
        if self.lived:
            self.steps.append((at, actor, action, changes))
        row["updated_at"], row["updated_by_id"] = at, actor
        row["version"] += 1

    def booked(self, at: datetime, actor: int, action: str, table: str, index: int) -> None:
        if self.lived:
            self.steps.append((at, actor, action, (table, index)))

    def tick(self, at: datetime, actor: int, position: int, result: str) -> None:
        if self.lived:
            self.steps.append((at, actor, "checklist", {f"item {position}": [None, result]}))


@dataclass
class _Job:
    """One work order to write, with everything that hangs off it."""

    story: _Story
    notes: list[dict[str, Any]] = field(default_factory=list)
    labour: list[dict[str, Any]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    occurrence: dict[str, Any] | None = None
    parent: _Job | None = None

    @property
    def row(self) -> dict[str, Any]:
        return self.story.row


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


def _between(
    rnd: random.Random, start: datetime, end: datetime, low: float, high: float
) -> datetime:
    return start + (end - start) * rnd.uniform(low, high)


def _blank_row(**values: Any) -> dict[str, Any]:
    """A work order as ``_new_work_order`` creates it (status open, nothing done yet)."""
    row: dict[str, Any] = {
        "source": "operator",
        "requester": "",
        "parent_id": None,
        "pm_schedule_id": None,
        "status": lc.OPEN,
        **lc.NOT_YET_DONE,
    }
    row.update(values)
    return row


class _Generator:
    def __init__(self, world: _World, rnd: random.Random, policy: Any) -> None:
        self.w = world
        self.rnd = rnd
        self.policy = policy

    def _labour(
        self,
        job: _Job,
        crew: list[tuple[int, int]],
        tech: tuple[int, int],
        start: datetime,
        end: datetime,
        count: int,
    ) -> None:
        """Time booked while the work went on, mostly by the assignee."""
        rnd = self.rnd
        for at in sorted(_between(rnd, start, end, 0.05, 1.0) for _ in range(count)):
            who, rate = tech if rnd.random() < 0.8 else rnd.choice(crew)
            job.labour.append(
                {
                    "user_id": who,
                    "work_date": at.astimezone().date(),
                    "minutes": rnd.choice([15, 30, 45, 60, 90, 120, 180, 240]),
                    "rate_cents": rate,
                    "created_at": at,
                    "created_by_id": who,
                }
            )
            job.story.booked(at, who, "log_labour", "labour", len(job.labour) - 1)

    def _parts(
        self,
        job: _Job,
        tech_id: int,
        at: datetime,
        part_list: tuple[tuple[str, float], ...],
        share: float,
    ) -> None:
        """The parts of the job, booked as it is completed (most of the time)."""
        if not part_list or self.rnd.random() >= share:
            return
        for number, qty in part_list:
            pid, cost = self.w.parts[number]
            job.parts.append(
                {
                    "part_id": pid,
                    "quantity": qty,
                    "unit_cost_cents": cost,
                    "created_at": at,
                    "created_by_id": tech_id,
                }
            )
            job.story.booked(at, tech_id, "use_part", "part", len(job.parts) - 1)

    def _notes(self, job: _Job, since: datetime, assigned: datetime | None) -> None:
        """Notes by the dispatcher before the work was assigned, by the technician after."""
        rnd, row = self.rnd, job.row
        last = row["updated_at"]
        count = rnd.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]
        for at in sorted(_between(rnd, since, last, 0.0, 1.0) for _ in range(count)):
            tech = row["assignee_id"]
            author = tech if tech is not None and assigned is not None and at >= assigned else 0
            author = author or self.w.dispatcher_id
            job.notes.append({"author_id": author, "created_at": at, "body": rnd.choice(NOTES)})
            job.story.booked(at, author, "add_note", "note", len(job.notes) - 1)

    def work_order(
        self, age_days: float, *, parent: _Job | None = None, follow_up_room: bool = False
    ) -> _Job:
        """One reactive, corrective or follow-up work order lived through to its status."""
        rnd, w = self.rnd, self.w
        now = w.now
        dispatcher = w.dispatcher_id
        if parent is not None:
            prow = parent.row
            asset = next(a for a in w.assets if a[0] == prow["asset_id"])
            requested = min(prow["completed_at"], now - timedelta(minutes=1))
            kind_name = lc.FOLLOW_UP
        else:
            asset = rnd.choice(w.assets)
            requested = now - timedelta(days=age_days)
            kind_name = rnd.choices([lc.REACTIVE, lc.CORRECTIVE], [55, 45])[0]
        asset_id, tag, loc_id, site_id, kind = asset
        age = (now - requested).total_seconds() / 86400
        status = _status_for(rnd, age)
        fault = rnd.choice(kind.faults)
        urgency = rnd.choices([1, 2, 3], [15, 50, 35])[0]
        impact = rnd.choices([1, 2, 3], [20, 50, 30])[0]
        if parent is not None:
            title = f"Follow-up: {parent.row['title']}"[:200]
            description = f"Finish the permanent repair after {parent.row['title']}."
        else:
            title = fault.title.format(tag=tag)
            description = fault.description.format(tag=tag)
        prio = sla.priority(urgency, impact)
        response_due, due = sla.due_dates(requested, prio, self.policy)
        crew = w.techs[kind.team]
        tech = rnd.choice(crew)
        response = self.policy.response(prio).total_seconds() / 60
        resolve = self.policy.resolution(prio).total_seconds() / 60
        late = rnd.random() < 0.12
        spans = [
            0.0 if parent is not None else rnd.uniform(2, 60),
            rnd.uniform(0.1, 0.9) * response * (3 if late else 1),
            rnd.uniform(0.05, 0.5) * resolve * (3 if late else 1),
            rnd.uniform(60, 4 * 24 * 60),
        ]
        approved, started, completed, closed = _fit(requested, spans, now)
        row = _blank_row(
            title=title,
            description=description,
            kind=kind_name,
            source=rnd.choice(lc.SOURCES) if kind_name == lc.REACTIVE else "inspection",
            requester=rnd.choice(REQUESTERS) if kind_name == lc.REACTIVE else "",
            urgency=urgency,
            impact=impact,
            priority=prio,
            site_id=site_id,
            asset_id=asset_id,
            location_id=loc_id,
            estimated_minutes=rnd.choice([30, 60, 90, 120, 240]),
            requested_at=requested,
            approved_at=approved,
            response_due_at=response_due,
            due_at=due,
        )
        # A follow-up is raised by the technician completing its parent, in that step.
        creator = parent.row["assignee_id"] if parent is not None else dispatcher
        lived = w.go_live is None or requested >= w.go_live
        job = _Job(_Story(row, approved, creator, lived), parent=parent)
        story = job.story
        assigned_at: datetime | None = None
        if status == lc.CANCELLED:
            story.change(
                started,
                dispatcher,
                "cancel",
                status=lc.CANCELLED,
                cancelled_at=started,
                cancel_reason=rnd.choice(CANCEL_REASONS),
            )
        elif status != lc.OPEN:
            assigned_at = _between(rnd, approved, started, 0.05, 0.5)
            story.change(
                assigned_at,
                dispatcher,
                "assign",
                assignee_id=tech[0],
                team_id=w.teams[kind.team],
                status=lc.ASSIGNED,
            )
        if status in (lc.IN_PROGRESS, lc.ON_HOLD, lc.COMPLETED, lc.CLOSED):
            done = status in (lc.COMPLETED, lc.CLOSED)
            send_back = status == lc.CLOSED and rnd.random() < SEND_BACK_SHARE
            # The first visit ends at the first completion when the work was sent back.
            first = _between(rnd, started, completed, 0.5, 0.7) if send_back else completed
            finish = first if done else now
            story.change(started, tech[0], "start", status=lc.IN_PROGRESS, started_at=started)
            if status == lc.ON_HOLD or rnd.random() < HOLD_AND_RESUME_SHARE:
                held = _between(rnd, started, finish, 0.1, 0.4)
                story.change(
                    held, tech[0], "hold", status=lc.ON_HOLD, hold_reason=rnd.choice(HOLDS)
                )
                if status != lc.ON_HOLD:
                    resumed = _between(rnd, held, finish, 0.2, 0.6)
                    story.change(resumed, tech[0], "resume", status=lc.IN_PROGRESS, hold_reason="")
            visits = rnd.randint(1, 3) if done else rnd.randint(0, 2)
            self._labour(job, crew, tech, started, finish, visits)
            if done:
                self._parts(job, tech[0], first, fault.parts, 0.75)
                needed = (
                    parent is None
                    and follow_up_room
                    and kind_name in lc.NEEDS_CAUSE
                    and rnd.random() < FOLLOW_UP_SHARE
                )
                closeout = {
                    "status": lc.COMPLETED,
                    "completed_at": first,
                    "resolution": fault.resolution,
                    "cause_code": fault.cause,
                    "remedy_code": "TEMP" if needed else fault.remedy,
                    "no_parts_used": not job.parts,
                    "follow_up": "needed" if needed else "none",
                    "send_back_reason": "",
                }
                story.change(first, tech[0], "complete", **closeout)
                if send_back:
                    back = _between(rnd, first, completed, 0.2, 0.5)
                    story.change(
                        back,
                        dispatcher,
                        "send_back",
                        status=lc.IN_PROGRESS,
                        completed_at=None,
                        send_back_reason=rnd.choice(SEND_BACK_REASONS),
                    )
                    self._labour(job, crew, tech, back, completed, 1)
                    story.change(
                        completed,
                        tech[0],
                        "complete",
                        **{**closeout, "completed_at": completed},
                    )
                if status == lc.CLOSED:
                    story.change(closed, dispatcher, "close", status=lc.CLOSED, closed_at=closed)
        self._notes(job, approved, assigned_at)
        return job

    def pm_work(
        self,
        sched_id: int,
        plan: Plan,
        asset: tuple[int, str, int, int, Kind],
        due: date,
        generated: datetime,
        key: str,
        grace: timedelta,
        cancel: bool = False,
    ) -> _Job:
        """One work order as ``pm run`` generates it, then worked as far as ``now``."""
        rnd, w = self.rnd, self.w
        now, dispatcher = w.now, w.dispatcher_id
        asset_id, tag, loc_id, site_id, kind = asset
        urgency = min(3, plan.priority)
        response_due, sla_due = sla.due_dates(generated, plan.priority, self.policy)
        row = _blank_row(
            title=plan.title.format(tag=tag),
            description=f"Preventive maintenance of {tag} to the checklist.",
            kind=lc.PREVENTIVE,
            requester=f"PM #{sched_id}",
            urgency=urgency,
            impact=plan.priority - urgency + 1,
            priority=plan.priority,
            site_id=site_id,
            asset_id=asset_id,
            location_id=loc_id,
            pm_schedule_id=sched_id,
            estimated_minutes=plan.estimated_minutes,
            requested_at=generated,
            approved_at=generated,
            response_due_at=response_due,
            due_at=sla_due,
        )
        lived = w.go_live is None or generated >= w.go_live
        job = _Job(_Story(row, generated, dispatcher, lived))
        story = job.story
        due_at = pm.due_datetime(due)
        values: dict[str, Any] = {"due_at": due_at}
        if response_due is not None and response_due > due_at:
            values["response_due_at"] = max(due_at, generated)
        values.update(team_id=w.teams[kind.team], status=lc.ASSIGNED)
        story.change(generated, dispatcher, "pm_meter" if plan.meter else "pm_calendar", **values)
        job.checklist = [
            {"position": i, "text": text, "result": "", "note": ""}
            for i, text in enumerate(plan.checklist, start=1)
        ]
        job.occurrence = {
            "schedule_id": sched_id,
            "occurrence_key": key,
            "due_at": due_at,
            "status": pm.GENERATED,
            "reason": "",
            "created_at": generated,
        }
        crew = w.techs[kind.team]
        tech = rnd.choice(crew)
        room = max((due_at - generated).total_seconds() / 3600, 2.0)
        assigned = generated + timedelta(hours=rnd.uniform(0.5, min(20.0, room / 4)))
        if assigned < now:
            story.change(assigned, dispatcher, "assign", assignee_id=tech[0])
        if cancel:
            at = min(assigned + timedelta(days=1), now - timedelta(minutes=1))
            story.change(
                at,
                dispatcher,
                "cancel",
                status=lc.CANCELLED,
                cancelled_at=at,
                cancel_reason=PM_CANCEL_REASON,
            )
            job.occurrence.update(status=pm.CANCELLED, reason="work order cancelled")
            return job
        begin = max(assigned, due_at - timedelta(days=3))
        end = due_at - timedelta(minutes=plan.estimated_minutes * 1.5)
        if rnd.random() < PM_LATE_SHARE:
            start = max(due_at + grace, begin) + timedelta(hours=rnd.uniform(2, 120))
        elif begin < end:
            start = _between(rnd, begin, end, 0.1, 0.9)
        else:
            start = assigned + timedelta(hours=rnd.uniform(1, 6))
        if start >= now:
            return job
        finish = start + timedelta(minutes=plan.estimated_minutes * rnd.uniform(0.7, 1.5))
        done = finish < now
        story.change(start, tech[0], "start", status=lc.IN_PROGRESS, started_at=start)
        items = len(job.checklist)
        for item in job.checklist:
            at = start + (finish - start) * item["position"] / (items + 1)
            if at < now:
                item["result"] = "pass"
                story.tick(at, tech[0], item["position"], "pass")
        self._labour(job, crew, tech, start, finish if done else now, rnd.randint(1, 2))
        if not done:
            return job
        self._parts(job, tech[0], finish, kind.service_parts, 0.9)
        story.change(
            finish,
            tech[0],
            "complete",
            status=lc.COMPLETED,
            completed_at=finish,
            resolution=PM_RESOLUTION,
            no_parts_used=not job.parts,
            follow_up="none",
        )
        closed = finish + timedelta(hours=rnd.uniform(2, 72))
        if closed < now:
            story.change(closed, dispatcher, "close", status=lc.CLOSED, closed_at=closed)
        return job


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
        world.logins = {uid: login for login, (uid, _, _) in users.items()}
        world.dispatcher_id = users["dana"][0] if "dana" in users else ctx.actor.id
        world.requester_id = users["rita"][0] if "rita" in users else ctx.actor.id
        for login, _, team, _ in TECHNICIANS:
            if login in users:
                uid, rate, _t = users[login]
                world.techs.setdefault(team, []).append((uid, rate))
        areas: dict[str, list[tuple[int, int]]] = {}
        loc_ids = iter(
            reserve_ids(
                s,
                LOCATION_TABLE,
                sum(1 + len(rooms) for _, _, buildings in SITES for rooms in buildings.values()),
            )
        )
        locations, audits = [], []
        for code, name, buildings in SITES:
            site_row = Site(code=code, name=name)
            s.add(site_row)
            s.flush()
            assert site_row.id is not None
            world.sites[code] = site_row.id
            result.sites += 1
            audits.append(
                audit_row(
                    now, ctx.actor.id, "site", {"id": site_row.id, "code": code, "name": name}
                )
            )
            for building, rooms in buildings.items():
                bid = next(loc_ids)
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
                    room_id = next(loc_ids)
                    locations.append(
                        {
                            "id": room_id,
                            "site_id": site_row.id,
                            "parent_id": bid,
                            "name": room,
                            "path": f"{name} / {building} / {room}",
                        }
                    )
                    areas.setdefault(room, []).append((room_id, site_row.id))
        insert_chunks(s, LOCATION_TABLE, locations)
        audits += [audit_row(now, ctx.actor.id, "location", r) for r in locations]
        parts = []
        for part_id, (number, name, unit, cost) in zip(
            reserve_ids(s, PART_TABLE, len(PARTS)), PARTS, strict=True
        ):
            parts.append(
                {
                    "id": part_id,
                    "number": number,
                    "name": name,
                    "unit": unit,
                    "unit_cost_cents": cost,
                    "active": True,
                }
            )
            world.parts[number] = (part_id, cost)
        insert_chunks(s, PART_TABLE, parts)
        audits += [audit_row(now, ctx.actor.id, "part", r) for r in parts]
        result.parts = len(parts)
        asset_ids = iter(reserve_ids(s, ASSET_TABLE, sum(k.count for k in ASSET_KINDS)))
        assets = []
        rnd = random.Random(7)
        for kind in ASSET_KINDS:
            for i in range(kind.count):
                asset_id = next(asset_ids)
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
        insert_chunks(s, ASSET_TABLE, assets)
        audits += [audit_row(now, ctx.actor.id, "asset", r) for r in assets]
        insert_chunks(s, AUDIT_TABLE, audits)
        result.assets = len(assets)
    return world


# ---------------------------------------------------------------- preventive maintenance


@dataclass
class _PmHistory:
    """What the PM schedules have been through: their work orders (oldest first),
    skipped dates, meter readings, and each schedule's state as ``pm run`` leaves it."""

    jobs: list[_Job] = field(default_factory=list)
    skipped: list[tuple[int, date, date, datetime]] = field(default_factory=list)
    """(schedule id, date skipped, next due date, when the dispatcher skipped it)"""
    readings: list[dict[str, Any]] = field(default_factory=list)
    schedules: dict[int, dict[str, Any]] = field(default_factory=dict)


def _plan_asset(world: _World, plan: Plan) -> tuple[int, str, int, int, Kind]:
    mine = [a for a in world.assets if a[4].prefix == plan.prefix]
    at_site = [a for a in mine if a[3] == world.sites.get(plan.site)]
    return (at_site or mine)[0]


def _calendar(plan: Plan) -> pm.Calendar | None:
    if plan.every is None:
        return None
    return pm.Calendar(plan.every[0], plan.every[1], (), plan.day_of_month, plan.mode)


def _grace(plan: Plan) -> timedelta:
    """10 % of the interval: what PM compliance allows after the due date."""
    if plan.every is None:
        return timedelta(0)
    value, unit = plan.every
    return timedelta(days=0.1 * value * pm.INTERVAL_DAYS[unit])


def _history(
    gen: _Generator, world: _World, plans: list[tuple[int, Plan]], start: date
) -> _PmHistory:
    """Every schedule lived from ``start`` to now the way ``pm run`` (daily, 02:00 UTC)
    and the crew would have: each due date (less lead time) becomes a work order."""
    rnd, now = gen.rnd, world.now
    today = now.astimezone(UTC).date()
    out = _PmHistory()
    for sched_id, plan in plans:
        asset = _plan_asset(world, plan)
        cal = _calendar(plan)
        state: dict[str, Any] = {"last_done_at": None}
        out.schedules[sched_id] = state
        if cal is None:
            _meter_history(gen, world, out, sched_id, plan, asset, start, state)
            continue
        lead = timedelta(days=plan.lead_days)
        due = cal.fixed_on_or_after(start, start) if plan.mode == "fixed" else start
        while due - lead <= today:
            run_at = datetime.combine(due - lead, daytime(2), UTC)
            first_run = datetime.combine(start, daytime(2), UTC)
            generated = min(max(run_at, first_run), now - timedelta(minutes=1))
            old = (today - due).days > 60
            if plan.mode == "fixed" and old and rnd.random() < 0.03:
                nxt = cal.fixed_on_or_after(start, due + timedelta(days=1))
                at = max(run_at, first_run) + timedelta(hours=8)
                out.skipped.append((sched_id, due, nxt, at))
                due = nxt
                continue
            cancel = plan.mode == "fixed" and old and rnd.random() < 0.03
            job = gen.pm_work(
                sched_id,
                plan,
                asset,
                due,
                generated,
                f"cal:{due.isoformat()}",
                _grace(plan),
                cancel,
            )
            out.jobs.append(job)
            done = job.row["completed_at"]
            if done is not None:
                state["last_done_at"] = max(filter(None, (state["last_done_at"], done)))
            if plan.mode == "fixed":
                due = cal.fixed_on_or_after(start, due + timedelta(days=1))
            elif done is None:
                break
            else:
                due = cal.floating_after(max(done.astimezone(UTC).date(), due))
        state["next_due_at"] = pm.due_datetime(due)
    return out


def _meter_history(
    gen: _Generator,
    world: _World,
    out: _PmHistory,
    sched_id: int,
    plan: Plan,
    asset: tuple[int, str, int, int, Kind],
    start: date,
    state: dict[str, Any],
) -> None:
    """Weekly readings of a running-hours meter; a PM each time it has run
    ``meter_every`` hours since the reading at the last PM's completion."""
    rnd, now = gen.rnd, world.now
    assert plan.meter_every is not None
    crew = world.techs[asset[4].team]
    value = baseline = float(METER_START)
    active: _Job | None = None
    taken: list[tuple[datetime, float]] = []
    at = datetime.combine(start, daytime(7), UTC)
    while at < now:
        taken.append((at, value))
        out.readings.append(
            {
                "asset_id": asset[0],
                "meter": plan.meter,
                "value": value,
                "read_at": at,
                "recorded_by_id": rnd.choice(crew)[0],
            }
        )
        if active is not None and active.row["completed_at"] is not None:
            done = active.row["completed_at"]
            if done <= at:
                baseline = max(v for t, v in taken if t <= done)
                state["last_done_at"] = done
                active = None
        target = baseline + plan.meter_every
        if active is None and value >= target:
            run_at = datetime.combine(at.date() + timedelta(days=1), daytime(2), UTC)
            generated = min(run_at, now - timedelta(minutes=1))
            active = gen.pm_work(
                sched_id,
                plan,
                asset,
                generated.date(),
                generated,
                f"meter:{target:.0f}",
                timedelta(0),
            )
            out.jobs.append(active)
        at += timedelta(days=7)
        value += round(rnd.uniform(85, 115))
    if active is not None and active.row["completed_at"] is not None:
        done = active.row["completed_at"]
        baseline = max(v for t, v in taken if t <= done)
        state["last_done_at"] = done
    state["last_meter_value"] = baseline
    state["next_due_at"] = None


def _schedules(ctx: Ctx, world: _World, start: date) -> list[tuple[int, Plan]]:
    """The demo's PM schedules, made by the dispatcher through ``pm.create_schedule``."""
    dispatcher = Ctx(
        ctx.store, identity.actor_for(ctx.store, world.logins[world.dispatcher_id]), ctx.settings
    )
    made = []
    for plan in PLANS:
        asset = _plan_asset(world, plan)
        every = plan.every or (None, "")
        sched = pm.create_schedule(
            dispatcher,
            pm.ScheduleInput(
                title=plan.title.format(tag=asset[1]),
                asset_tag=asset[1],
                instructions=f"Preventive maintenance of {asset[1]} to the checklist.",
                checklist=list(plan.checklist),
                team=asset[4].team,
                estimated_minutes=plan.estimated_minutes,
                priority=plan.priority,
                interval_value=every[0],
                interval_unit=every[1],
                day_of_month=plan.day_of_month,
                mode=plan.mode,
                lead_days=plan.lead_days,
                meter=plan.meter,
                meter_every=plan.meter_every,
                meter_baseline=float(METER_START) if plan.meter else None,
                starts_on=start,
            ),
        )
        assert sched.id is not None
        made.append((sched.id, plan))
    return made


def _pm_start(world: _World, policy: Any, seed: int, budget: int) -> tuple[date, int]:
    """The day the schedules started, and how many work orders they have had since:
    18 months ago, or later when their work would be more than ``budget`` work
    orders (a small demo stays mostly reactive)."""
    today = world.now.astimezone(UTC).date()
    plans = list(enumerate(PLANS))
    days = float(HISTORY_DAYS)
    while days >= 1:
        start = today - timedelta(days=int(days))
        trial = _history(_Generator(world, random.Random(seed), policy), world, plans, start)
        if len(trial.jobs) <= budget:
            return start, len(trial.jobs)
        days *= 0.7
    return today + timedelta(days=45), 0


def _finish_pm(s: Session, world: _World, history: _PmHistory) -> int:
    """Skipped dates, meter readings and each schedule's state; returns rows written."""
    dispatcher = world.dispatcher_id
    occurrences, audits = [], []
    for sched_id, due, nxt, at in history.skipped:
        due_at, next_at = pm.due_datetime(due), pm.due_datetime(nxt)
        occurrences.append(
            {
                "schedule_id": sched_id,
                "occurrence_key": f"cal:{due.isoformat()}",
                "due_at": due_at,
                "status": pm.SKIPPED,
                "reason": PM_SKIP_REASON,
                "work_order_id": None,
                "created_at": at,
            }
        )
        changes = {
            "next_due_at": [due_at, next_at],
            "skipped": [None, due.isoformat()],
            "reason": [None, PM_SKIP_REASON],
        }
        audits.append(_event(at, dispatcher, "pm_schedule", sched_id, None, "skip", changes))
    insert_chunks(s, OCCURRENCE_TABLE, occurrences)
    insert_chunks(s, READING_TABLE, history.readings)
    for r in history.readings:
        changes = {r["meter"]: [None, r["value"]]}
        audits.append(
            _event(
                r["read_at"],
                r["recorded_by_id"],
                "asset",
                r["asset_id"],
                None,
                "meter_reading",
                changes,
            )
        )
    insert_chunks(s, AUDIT_TABLE, audits)
    for sched_id, state in history.schedules.items():
        s.execute(update(SCHEDULE_TABLE).where(SCHEDULE_TABLE.c.id == sched_id).values(**state))
    return len(occurrences) + len(history.readings) + len(audits)


# ---------------------------------------------------------------- writing


def _json(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _event(
    at: datetime,
    actor: int,
    entity: str,
    entity_id: int,
    work_order_id: int | None,
    action: str,
    changes: dict[str, list[Any]],
) -> dict[str, Any]:
    """An audit row as ``services._audit`` writes it."""
    return {
        "at": at,
        "actor_id": actor,
        "entity": entity,
        "entity_id": entity_id,
        "work_order_id": work_order_id,
        "action": action,
        "changes": json.dumps(changes, ensure_ascii=False, default=_json),
    }


WO_FIELDS = tuple(c.name for c in WO_TABLE.columns if c.name not in BOOKKEEPING)
REQ_FIELDS = tuple(c.name for c in REQ_TABLE.columns if c.name not in BOOKKEEPING)


@cache
def _digest(body: str) -> str:
    return note_digest(body)


def _timeline(job: _Job) -> list[dict[str, Any]]:
    """The work order's audit events, creation first, then its story in time order."""
    row, story = job.row, job.story
    wo_id = row["id"]
    created = {**story.created, "number": row["number"], "parent_id": row["parent_id"]}
    events = [
        _event(
            story.created["updated_at"],
            story.creator,
            "work_order",
            wo_id,
            wo_id,
            "create",
            {name: [None, created[name]] for name in WO_FIELDS},
        )
    ]
    for at, actor, action, changes in sorted(story.steps, key=lambda step: step[0]):
        if isinstance(changes, tuple):
            table, index = changes
            if table == "note":
                note = job.notes[index]
                changes = {
                    "note": [None, note["id"]],
                    "body_sha256": [None, _digest(note["body"])],
                }
            else:
                entry = (job.labour if table == "labour" else job.parts)[index]
                fields, key = (
                    (LABOUR_FIELDS, "labour_entry")
                    if table == "labour"
                    else (PART_FIELDS, "part_usage")
                )
                changes = {key: [None, entry["id"]], **{f: [None, entry[f]] for f in fields}}
        events.append(_event(at, actor, "work_order", wo_id, wo_id, action, changes))
    return events


def _request_for(world: _World, row: dict[str, Any]) -> dict[str, Any]:
    """The request a reactive work order was approved from (submitted by the requester
    at the desk, approved by the dispatcher)."""
    return {
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
        "status": lc.REQ_NEW,
        "submitted_by_id": world.requester_id,
        "submitted_at": row["requested_at"],
        "triaged_by_id": None,
        "triaged_at": None,
        "reject_reason": "",
        "work_order_id": None,
    }


def _ids(s: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for row, new_id in zip(rows, reserve_ids(s, table, len(rows)), strict=True):
        row["id"] = new_id


def _write_batch(s: Session, world: _World, batch: list[_Job], result: DemoResult) -> None:
    """Give a batch its ids and numbers, add requests for reactive work, insert it all."""
    first_number = reserve_numbers(s, "WO", len(batch))
    wos = [job.row for job in batch]
    _ids(s, WO_TABLE, wos)
    notes = [n for job in batch for n in job.notes]
    labour = [e for job in batch for e in job.labour]
    parts = [p for job in batch for p in job.parts]
    _ids(s, NOTE_TABLE, notes)
    _ids(s, LABOUR_TABLE, labour)
    _ids(s, PART_USAGE_TABLE, parts)
    checklist, occurrences, events, imported = [], [], [], []
    requests: list[tuple[dict[str, Any], Decision | None]] = []
    for offset, job in enumerate(batch):
        row = job.row
        row["number"] = first_number + offset
        if job.parent is not None:
            row["parent_id"] = job.parent.row["id"]
        for item in (*job.notes, *job.labour, *job.parts):
            item["work_order_id"] = row["id"]
        checklist += [{**item, "work_order_id": row["id"]} for item in job.checklist]
        if job.occurrence is not None:
            occurrences.append({**job.occurrence, "work_order_id": row["id"]})
        lived = job.story.lived
        if lived:
            events += _timeline(job)
        else:
            events.append(audit_row(world.go_live or world.now, world.actor_id, "work_order", row))
        if row["kind"] == lc.REACTIVE:
            req = _request_for(world, row)
            values = {
                "status": lc.REQ_APPROVED,
                "work_order_id": row["id"],
                "triaged_by_id": world.dispatcher_id,
                "triaged_at": row["approved_at"],
            }
            if lived:
                requests.append((req, ("approve", row["approved_at"], row["id"], values)))
            else:
                imported.append({**req, **values})
    # The search index is kept by triggers: a note inserted after its work order
    # re-indexes that work order, one by one. On SQLite the notes go first (foreign
    # keys checked at commit instead), so each work order is indexed once, with its notes.
    notes_first = s.get_bind().dialect.name == "sqlite"
    if notes_first:
        s.execute(text("PRAGMA defer_foreign_keys = ON"))
        insert_chunks(s, NOTE_TABLE, notes)
    insert_work_orders(s, wos)
    if not notes_first:
        insert_chunks(s, NOTE_TABLE, notes)
    insert_chunks(s, LABOUR_TABLE, labour)
    insert_chunks(s, PART_USAGE_TABLE, parts)
    insert_chunks(s, CHECKLIST_TABLE, checklist)
    insert_chunks(s, OCCURRENCE_TABLE, occurrences)
    insert_chunks(s, AUDIT_TABLE, events)
    _insert_requests(s, world, requests, result)
    _import_requests(s, world, imported, result)
    result.work_orders += len(wos)
    result.rows += len(wos) + len(notes) + len(labour) + len(parts) + len(checklist)
    result.rows += len(occurrences) + len(events)


def _set_dict(row: dict[str, Any], **values: Any) -> dict[str, list[Any]]:
    """``services._set`` for a row that is still a dict."""
    changes = {}
    for name, new in values.items():
        if row[name] != new:
            changes[name] = [row[name], new]
            row[name] = new
    return changes


Decision = tuple[str, datetime, int | None, dict[str, Any]]
"""(action, when, work order id, values): what the dispatcher did with a request."""


def _insert_requests(
    s: Session,
    world: _World,
    requests: list[tuple[dict[str, Any], Decision | None]],
    result: DemoResult,
) -> None:
    """Requests as submitted (their ``submit`` snapshot), then as triaged."""
    if not requests:
        return
    first_number = reserve_numbers(s, "REQ", len(requests))
    rows = [req for req, _ in requests]
    _ids(s, REQ_TABLE, rows)
    events = []
    for offset, (req, decision) in enumerate(requests):
        req["number"] = first_number + offset
        snapshot = {name: [None, req[name]] for name in REQ_FIELDS}
        events.append(
            _event(
                req["submitted_at"],
                req["submitted_by_id"],
                "work_request",
                req["id"],
                None,
                "submit",
                snapshot,
            )
        )
        if decision is not None:
            action, at, wo_id, values = decision
            changes = _set_dict(req, **values)
            events.append(
                _event(at, world.dispatcher_id, "work_request", req["id"], wo_id, action, changes)
            )
    insert_chunks(s, REQ_TABLE, rows)
    insert_chunks(s, AUDIT_TABLE, events)
    result.requests += len(rows)
    result.rows += len(rows) + len(events)


def _import_requests(
    s: Session, world: _World, requests: list[dict[str, Any]], result: DemoResult
) -> None:
    """Requests from before go-live, as the import brought them (one snapshot each)."""
    if not requests:
        return
    first_number = reserve_numbers(s, "REQ", len(requests))
    _ids(s, REQ_TABLE, requests)
    for offset, req in enumerate(requests):
        req["number"] = first_number + offset
    insert_chunks(s, REQ_TABLE, requests)
    at = world.go_live or world.now
    insert_chunks(
        s, AUDIT_TABLE, [audit_row(at, world.actor_id, "work_request", r) for r in requests]
    )
    result.requests += len(requests)
    result.rows += 2 * len(requests)


def _triage_queue(s: Session, world: _World, rnd: random.Random, result: DemoResult) -> None:
    """New requests waiting for the dispatcher, plus a few already turned away."""
    requests: list[tuple[dict[str, Any], Decision | None]] = []
    for i in range(18):
        asset_id, tag, loc, site_id, kind = rnd.choice(world.assets)
        fault = rnd.choice(kind.faults)
        urgency, impact = rnd.choice([1, 2, 2, 3]), rnd.choice([1, 2, 3])
        submitted = world.now - timedelta(minutes=rnd.uniform(5, 3 * 24 * 60))
        req = {
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
            "status": lc.REQ_NEW,
            "submitted_by_id": world.requester_id,
            "submitted_at": submitted,
            "triaged_by_id": None,
            "triaged_at": None,
            "reject_reason": "",
            "work_order_id": None,
        }
        decision: Decision | None = None
        if i >= 14:
            at = min(submitted + timedelta(minutes=30), world.now)
            values = {
                "status": lc.REQ_REJECTED,
                "reject_reason": rnd.choice(REJECT_REASONS),
                "triaged_by_id": world.dispatcher_id,
                "triaged_at": at,
            }
            decision = ("reject", at, None, values)
        requests.append((req, decision))
    _insert_requests(s, world, requests, result)


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
    policy = ctx.settings.sla
    start, planned = _pm_start(world, policy, seed, work_orders // 4)
    plans = _schedules(ctx, world, start)
    result.schedules = len(plans)
    rnd = random.Random(seed)
    gen = _Generator(world, rnd, policy)
    others = work_orders - planned
    # Oldest first, so numbers rise with time as they would have in real life.
    ages = sorted((_age(rnd) for _ in range(others)), reverse=True)
    if others > LIVED:
        world.go_live = world.now - timedelta(days=ages[others - LIVED])
    history = _history(_Generator(world, random.Random(seed), policy), world, plans, start)
    pm_jobs = sorted(history.jobs, key=lambda job: job.row["requested_at"])
    made = taken = 0
    while made + taken < work_orders:
        batch: list[_Job] = []
        while made + taken < work_orders and len(batch) < BATCH:
            job = (
                gen.work_order(ages[made], follow_up_room=made + 1 < others)
                if made < others
                else None
            )
            while taken < len(pm_jobs) and (
                job is None or pm_jobs[taken].row["requested_at"] <= job.row["requested_at"]
            ):
                batch.append(pm_jobs[taken])
                taken += 1
            if job is None:
                continue
            batch.append(job)
            made += 1
            if job.row["follow_up"] == "needed":
                batch.append(gen.work_order(0.0, parent=job))
                made += 1
        with ctx.write() as s:
            bulk_cache(s)
            _write_batch(s, world, batch, result)
        if progress:
            progress(made + taken, work_orders)
    with ctx.write() as s:
        _triage_queue(s, world, rnd, result)
        result.rows += _finish_pm(s, world, history)
    result.seconds = time.perf_counter() - began
    return result


def bootstrap(store: Store, settings: Settings) -> Ctx:
    """Make the account running the demo an admin (so the app opens on the new
    database) and return its context."""
    login = identity.os_login()
    admin.bootstrap_admin(store, login)
    return Ctx(store, identity.actor_for(store, login), settings)
