"""Deterministic demo data: fictional establishments, their experimentations and the KPI files they drop.

The same seed gives byte-identical files; a few files carry one deliberate mistake each.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from demo import demo_calendar as history
from demo import demo_writers as files
from demo.demo_records import DemoEstablishment, Experimentation
from demo.demo_writers import DemoRow
from schemas.catalogue import Kpi, default_catalogue
from schemas.columns import COLUMN_NAMES
from schemas.finess import with_check_key

LATEST_QUARTER = history.PROGRAMME[-1].label
ECO_KPIS = ("ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION")
PATIENTS_KPI = "ECO_PATIENTS_CONCERNES"  # optional: the volume the calculator divides gains by
CLINICAL_KPIS = ("EFF_DELAI_PEC", "QUA_DMS", "QUA_SATISFACTION")
ESMS_USE_CASES = ("UC11", "UC04", "UC08", "UC14", "UC16", "UC06")
PUBLIC_NAMES = ("CHU de Rennes", "CH de Bastia", "CHU de La Réunion")

ESTABLISHMENTS_FILE = Path(__file__).with_name("demo_establishments.csv")  # fictional, plausible
# Baseline range per KPI (per quarter for counts), then the realistic bounds values are kept within.
_BASELINES = {
    "EFF_DELAI_PEC": (45.0, 200.0),
    "EFF_PATIENTS_JOUR": (8.0, 120.0),
    "EFF_TAUX_OCCUPATION": (62.0, 90.0),
    "QUA_READMISSION_30J": (6.0, 18.0),
    "QUA_DMS": (4.0, 12.0),
    "QUA_SATISFACTION": (62.0, 80.0),
    "QUA_EVENEMENTS_INDESIRABLES": (3.0, 11.0),
    "ATT_TURNOVER": (6.0, 22.0),
    "ATT_CANDIDATURES": (5.0, 150.0),
    "ATT_FIDELISATION": (35.0, 75.0),
}
_BOUNDS = {"EFF_DELAI_PEC": (20.0, 240.0), "QUA_DMS": (3.0, 15.0), "QUA_SATISFACTION": (55.0, 92.0)}
_RATE_BOUNDS = (2.0, 95.0)
_DENOMINATORS = {
    "EFF_TAUX_OCCUPATION": (900, 5500),
    "QUA_READMISSION_30J": (60, 1500),
    "QUA_EVENEMENTS_INDESIRABLES": (80, 2000),
    "ATT_TURNOVER": (15, 250),
    "ATT_FIDELISATION": (40, 800),
}
_PILOT_RAMP = (0.5, 0.8, 1.0, 1.0)
_SMALL_COUNT_NOTE = "Effectif réduit : interpréter avec prudence"
_COMMENTS = (
    "Montée en charge progressive du dispositif",
    "Données provisoires, consolidation en cours",
    "Fermeture estivale de 8 lits",
    "Changement de logiciel de dossier patient en février",
    "Épidémie de grippe saisonnière sur la période",
    "Formation des équipes achevée ; usage généralisé",
)


@dataclass(frozen=True)
class DemoSummary:
    establishments: int
    experimentations: int
    files_written: int
    broken_files: dict[str, str]
    latest_quarter: str
    quarters: tuple[str, ...]  # the programme's quarters, to publish in this order


def draw_finess(rng: random.Random, department: str) -> str:
    """A valid FINESS géographique: département, a '0', digits, then the Luhn key."""
    digits = 8 - len(department) - 1
    return with_check_key(department + "0" + "".join(rng.choice("0123456789") for _ in range(digits)))


def demo_establishments(seed: int = 2025) -> list[DemoEstablishment]:
    """The fictional establishments of the demo, sorted by FINESS."""
    rng = random.Random(f"{seed}:establishments")
    taken: set[str] = set()
    establishments = []
    with ESTABLISHMENTS_FILE.open(encoding="utf-8", newline="") as handle:
        listed = [(r["departement"], r["name"], r["category"], r["region"]) for r in csv.DictReader(handle)]
    for department, name, category, region in listed:
        finess = draw_finess(rng, department)
        while finess in taken:
            finess = draw_finess(rng, department)
        taken.add(finess)
        establishments.append(DemoEstablishment(finess, name, category, region, name in PUBLIC_NAMES))
    return sorted(establishments, key=lambda establishment: establishment.finess)


def choose_kpis(rng: random.Random, category: str) -> tuple[str, ...]:
    """4 to 9 KPIs; the three ECO ones for most experimentations so ROI can be computed."""
    others = sorted(code for code in _BASELINES if not (category == "ESMS" and code == "QUA_DMS"))
    with_eco = rng.random() < 0.88
    picked = rng.sample(others, rng.randint(3, 6) if with_eco else rng.randint(4, 7))
    return tuple(sorted(picked + (list(ECO_KPIS) if with_eco else [])))


def plan_experimentations(establishments: list[DemoEstablishment], seed: int) -> list[Experimentation]:
    """Spread the 17 use cases over the establishments: CHU 2-3 each, CH 1-2, ESMS 1-2."""
    rng = random.Random(f"{seed}:plan")
    codes = sorted(default_catalogue().use_cases)
    hospital_cycle = _cycle(rng, [code for code in codes if code not in ESMS_USE_CASES[:1]])
    esms_cycle = _cycle(rng, list(ESMS_USE_CASES[1:]), first=ESMS_USE_CASES[0])
    order = list(establishments)
    rng.shuffle(order)
    formats = {est.finess: files.FORMATS[index % len(files.FORMATS)] for index, est in enumerate(order)}
    plan: list[Experimentation] = []
    counts = {"CHU": (3, 2), "CH": (2, 1), "ESMS": (2, 1)}
    seen = {"CHU": 0, "CH": 0, "ESMS": 0}
    for est in establishments:
        how_many = counts[est.category][seen[est.category] % 2]
        seen[est.category] += 1
        cycle = esms_cycle if est.category == "ESMS" else hospital_cycle
        monthly = rng.random() < 0.2
        for use_case in sorted(next(cycle) for _ in range(how_many)):
            plan.append(_describe(est, use_case, monthly, formats[est.finess], seed))
    return plan


def _cycle(rng: random.Random, codes: list[str], first: str | None = None) -> Iterator[str]:
    rng.shuffle(codes)
    order = ([first] if first else []) + codes
    while True:
        yield from order
        order = codes


def _describe(
    est: DemoEstablishment, use_case: str, monthly: bool, file_format: str, seed: int
) -> Experimentation:
    rng = random.Random(f"{seed}:{est.finess}:{use_case}")
    pilot = history.draw_pilot(rng)
    if rng.random() < 0.15:
        file_format = rng.choice(files.FORMATS)
    kpis = choose_kpis(rng, est.category)
    return Experimentation(est, use_case, kpis, monthly, pilot, file_format)


class Measure(NamedTuple):
    """One generated value of one KPI, before the sender's spelling is applied."""

    kpi: str
    phase: str
    period: str
    value: float
    numerator: int | None = None
    denominator: int | None = None
    headcount: int | None = None


def ramp(step: int, monthly: bool) -> float:
    """Share of the pilot effect reached at a pilot period: the device takes a few quarters to settle."""
    return _PILOT_RAMP[min(step // (3 if monthly else 1), len(_PILOT_RAMP) - 1)]


def measure_rate(kpi: str, phase: str, period: str, level: float, denominator: float) -> Measure:
    """A rate from whole counts, so that value = 100 * numerator / denominator exactly (to 0.1)."""
    den = max(5, round(denominator))
    num = max(1, round(level / 100 * den))
    while abs(round(100 * num / den, 1) - 100 * num / den) > 0.049:  # keep clear of rounding ties
        den += 1
    return Measure(kpi, phase, period, round(100 * num / den, 1), num, den)


def measure_kpi(kpi: Kpi, exp: Experimentation, rng: random.Random) -> list[Measure]:
    """Both phases of one non-ECO KPI: a baseline, then a noisy move (mostly for the better)."""
    low, high = _BASELINES[kpi.code]
    small = exp.establishment.category == "ESMS"
    baseline = rng.uniform(low, (low + high) / 2 if small else high)
    change = rng.gauss(0.13, 0.11) * (-1.0 if kpi.lower_is_better else 1.0)
    bounds = _RATE_BOUNDS if kpi.is_rate else _BOUNDS.get(kpi.code, (0.0, kpi.max))
    scale = 1 / 3 if exp.monthly else 1.0
    den_low, den_high = _DENOMINATORS.get(kpi.code, (0, 0))
    base_den = rng.randint(den_low // (5 if small else 1), den_high // (4 if small else 1))
    base_n = rng.randint(6, 45) if small else rng.randint(25, 900)
    measures = []
    for phase, quarters in (("reference", history.baseline_of(exp.pilot)), ("pilote", exp.pilot)):
        for step, period in enumerate(history.list_periods(quarters, exp.monthly)):
            progress = ramp(step, exp.monthly) if phase == "pilote" else 0.0
            level = baseline * (1 + change * progress) * (1 + rng.gauss(0, 0.05))
            level = min(max(level, bounds[0]), bounds[1])
            if kpi.is_rate:
                den = base_den * scale * (1 + rng.gauss(0, 0.08))
                measures.append(measure_rate(kpi.code, phase, period, level, den))
            elif kpi.code == "ATT_CANDIDATURES":
                measures.append(Measure(kpi.code, phase, period, float(round(level * scale))))
            else:
                count = max(3, round(base_n * scale * (1 + rng.gauss(0, 0.1))))
                headcount = count if kpi.code in CLINICAL_KPIS else None
                measures.append(Measure(kpi.code, phase, period, round(level, 1), headcount=headcount))
    return measures


def measure_economics(exp: Experimentation, rng: random.Random) -> list[Measure]:
    """Pilot-phase amounts in whole euros: acquisition cost up front, gains ramping up."""
    scale = 1 / 3 if exp.monthly else 1.0
    running, acquisition = rng.uniform(8_000, 40_000), rng.uniform(30_000, 120_000)
    avoided = rng.uniform(5_000, 90_000)
    revenue = 0.0 if rng.random() < 0.35 else rng.uniform(2_000, 50_000)
    measures = []
    for step, period in enumerate(history.list_periods(exp.pilot, exp.monthly)):
        gain = scale * ramp(step, exp.monthly)
        cost = running * scale * (1 + rng.gauss(0, 0.05)) + (acquisition if step == 0 else 0.0)
        avoided_now = avoided * gain * (1 + rng.gauss(0, 0.1))
        for code, amount in zip(ECO_KPIS, (avoided_now, revenue * gain, cost), strict=True):
            measures.append(Measure(code, "pilote", period, float(round(amount))))
    return measures


def measure_patients(exp: Experimentation, seed: int) -> list[Measure]:
    """The optional patient volume of the pilot quarters (ECO_PATIENTS_CONCERNES), from its own random
    stream so that adding it changed no other demo value. Always per quarter, even for a monthly
    reporter: a count's monthly values are averaged into the quarter, not summed like the amounts it
    divides (docs/file-contract.md)."""
    rng = random.Random(f"{seed}:{exp.establishment.finess}:{exp.use_case}:patients")
    low, high = (20, 120) if exp.establishment.category == "ESMS" else (120, 900)
    base = rng.uniform(low, high)
    return [
        Measure(PATIENTS_KPI, "pilote", period, float(max(1, round(base * (1 + rng.gauss(0, 0.08))))))
        for period in history.list_periods(exp.pilot, monthly=False)
    ]


def build_rows(exp: Experimentation, seed: int) -> dict[str, list[DemoRow]]:
    """The rows of an experimentation per canonical phase, spelled the way this sender spells them."""
    rng = random.Random(f"{seed}:{exp.establishment.finess}:{exp.use_case}:values")
    spelling = {
        "reference": rng.choices(("reference", "référence", "baseline"), (70, 15, 15))[0],
        "pilote": rng.choices(("pilote", "pilot"), (80, 20))[0],
    }
    quarter_letter = "Q" if rng.random() < 0.15 else "T"
    catalogue = default_catalogue()
    measures = [
        m for code in exp.kpis if code not in ECO_KPIS for m in measure_kpi(catalogue.kpis[code], exp, rng)
    ]
    if ECO_KPIS[0] in exp.kpis:
        measures += measure_economics(exp, rng)
        measures += measure_patients(exp, seed)
    rows: dict[str, list[DemoRow]] = {"reference": [], "pilote": []}
    for m in measures:
        shown = None if m.numerator is not None and rng.random() < 0.2 else m.value
        comment = rng.choice(_COMMENTS) if rng.random() < 0.04 else None
        if m.headcount is not None and m.headcount < 11:
            comment = _SMALL_COUNT_NOTE
        key = (exp.establishment.finess, exp.use_case, m.kpi, m.period.replace("T", quarter_letter))
        row = DemoRow(*key, spelling[m.phase], shown, m.numerator, m.denominator, m.headcount, comment)
        rows[m.phase].append(row)
    return rows


def name_file(exp: Experimentation, phase: str) -> str:
    """The file name this sender's tool would produce for one phase."""
    year = (history.baseline_of(exp.pilot) if phase == "reference" else exp.pilot)[0].year
    template = files.FILE_NAMES[exp.file_format]
    return template.format(finess=exp.establishment.finess, uc=exp.use_case, phase=phase, year=year)


def write_experimentation(
    root: Path, exp: Experimentation, rows: dict[str, list[DemoRow]], loose: bool
) -> list[str]:
    """Write one file per phase in the establishment's inbox (or loose in inbox/); return their paths."""
    finess = exp.establishment.finess
    written = []
    for phase in ("reference", "pilote"):
        phase_rows = rows[phase]
        if exp.file_format == files.CSV_EXCEL_FR:
            phase_rows = files.ensure_comment(phase_rows)
        name = name_file(exp, phase)
        relative = f"inbox/{finess}_{name}" if loose and phase == "pilote" else f"inbox/{finess}/{name}"
        notice = exp.file_format == files.XLSX and int(finess[-1]) % 2 == 0
        files.write_kpi_file(root / relative, phase_rows, exp.file_format, notice=notice)
        written.append(relative)
    return written


def find_experimentation(plan: list[Experimentation], category: str, **wanted: str) -> Experimentation:
    """The first experimentation of a category with the wanted KPI and/or establishment name."""
    return next(
        exp
        for exp in plan
        if exp.establishment.category == category
        and wanted.get("kpi", exp.kpis[0]) in exp.kpis
        and wanted.get("name", exp.establishment.name) == exp.establishment.name
    )


def write_broken_files(
    root: Path, plan: list[Experimentation], rows: dict[tuple[str, str], dict[str, list[DemoRow]]]
) -> dict[str, str]:
    """Files with exactly one mistake each, named as real mistakes; return path -> rule id."""
    broken: dict[str, str] = {}

    def pilot(exp: Experimentation) -> list[DemoRow]:
        return rows[(exp.establishment.finess, exp.use_case)]["pilote"]

    def put(path: str, rule: str, content: list[DemoRow], file_format: str, **options: Any) -> None:
        files.write_kpi_file(root / "inbox" / path, content, file_format, **options)
        broken[f"inbox/{path}"] = rule

    typo = find_experimentation(plan, "CH")
    put("export_kpi_v2.csv", "finess_cle", files.mistype_finess(pilot(typo)), files.CSV_UTF8)
    chu = find_experimentation(plan, "CHU", kpi="QUA_SATISFACTION")
    path = f"{chu.establishment.finess}/kpi_{chu.use_case}_pilote_2025_v3.csv"
    put(path, "valeur_hors_plage", files.overshoot_score(pilot(chu)), files.CSV_UTF8)
    host = find_experimentation(plan, "CHU", name="CHU de Rennes").establishment
    partner = find_experimentation(plan, "CH", name="CH de Saint-Malo")
    path = f"{host.finess}/transmission_GHT_{partner.use_case}_2025.xlsx"
    put(path, "finess_hors_dossier", pilot(partner), files.XLSX)
    esms = [exp for exp in plan if exp.establishment.category == "ESMS"]
    without_kpi = [name for name in COLUMN_NAMES if name != "indicateur"]
    one_kpi = files.keep_first_kpi(pilot(esms[0]))
    path = f"{esms[0].establishment.finess}/Classeur1.xlsx"
    put(path, "colonne_manquante", one_kpi, files.XLSX, columns=without_kpi, sheet_name="Feuil1")
    eco = next(
        exp for exp in plan if exp.establishment.category == "CH" and exp != typo and ECO_KPIS[0] in exp.kpis
    )
    path = f"{eco.establishment.finess}/kpi_{eco.use_case}_2025_final.csv"
    put(path, "indicateur_inconnu", files.misspell_kpi(pilot(eco)), files.CSV_BOM_EN)
    empty = f"inbox/{esms[-1].establishment.finess}/envoi_indicateurs_T4.csv"
    (root / empty).write_bytes(b"")
    return broken | {empty: "fichier_vide"}


def generate_demo(data_root: Path, *, seed: int = 2025) -> DemoSummary:
    """Write the reference lists (register, calendar) and the demo inbox under `data_root`; touch
    nothing else. The late files (write_late_files) are not written yet: one experimentation's 2025-T4
    rows are held back for them.

    `files_written` counts the KPI files dropped in the inbox, broken ones included.
    """
    establishments = demo_establishments(seed)
    plan = plan_experimentations(establishments, seed)
    history.write_register(data_root, establishments)
    history.write_calendar(data_root, plan)
    loose = {(exp.establishment.finess, exp.use_case) for exp in plan if exp.establishment.category == "ESMS"}
    loose = set(sorted(loose)[:2])
    rows = demo_rows(plan, seed)
    history.hold_back(plan, rows)
    written = []
    for exp in plan:
        key = (exp.establishment.finess, exp.use_case)
        written += write_experimentation(data_root, exp, rows[key], key in loose)
    broken = write_broken_files(data_root, plan, rows)
    files.as_finished_uploads(data_root / "inbox")
    return DemoSummary(
        establishments=len(establishments),
        experimentations=len(plan),
        files_written=len(written) + len(broken),
        broken_files=dict(sorted(broken.items())),
        latest_quarter=LATEST_QUARTER,
        quarters=tuple(quarter.label for quarter in history.PROGRAMME),
    )


def demo_rows(plan: list[Experimentation], seed: int) -> dict[tuple[str, str], dict[str, list[DemoRow]]]:
    return {(exp.establishment.finess, exp.use_case): build_rows(exp, seed) for exp in plan}


def write_late_files(data_root: Path, *, seed: int = 2025) -> history.LateDrop:
    """The files that come after their quarter was published: corrections and a late sender."""
    plan = plan_experimentations(demo_establishments(seed), seed)
    drop = history.write_late_drop(data_root, plan, demo_rows(plan, seed))
    files.as_finished_uploads(data_root / "inbox")
    return drop
