"""The "done when" run: every hostile file of the catalogue, links, an upload still running and good
files of other establishments, in one run: every file settled, the good ones loaded."""

from __future__ import annotations

import duckdb
from hostile_cases import CASES, HOME, PEERS, SECRET, build_inbox, by_file, everything_shown, run

from intake.identity import shown_text
from tlkpi.settings import Settings


def test_one_run_settles_every_hostile_file_and_loads_the_good_ones(settings: Settings) -> None:
    build_inbox(settings)
    outcomes = run(settings)
    settled = by_file(outcomes)
    for number, finess in enumerate(PEERS):
        assert settled[f"{finess}/indicateurs_{number}.csv"].verdict == "accepted"
    assert settled[f"{HOME}/lien_dur.csv"].verdict == "rejected"
    hostile = [o for o in outcomes if o.file not in {f"{f}/indicateurs_{n}.csv" for n, f in enumerate(PEERS)}]
    assert settled[f"{HOME}/tube.csv"].verdict == "rejected"
    assert len(hostile) == len(CASES) + 2  # every case, the hard link, the pipe; the running upload waits
    for case in CASES:
        shown = shown_text(case.relative)
        verdicts = [o.verdict for o in hostile if o.file == shown or case.rule == "nom_fichier_personnel"]
        assert case.verdict in verdicts, case.name
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rules = dict(
            con.execute(
                "SELECT s.inbox_path, list(DISTINCT i.rule) FROM submission AS s "
                "JOIN validation_issue AS i ON i.submission_id = s.id GROUP BY ALL"
            ).fetchall()
        )
        loaded_home = {HOME} if any(case.verdict == "accepted" for case in CASES) else set()
        assert con.execute("SELECT DISTINCT finess FROM measurement ORDER BY 1").fetchall() == [
            (finess,) for finess in sorted({*PEERS, *loaded_home})
        ]
    for case in CASES:
        shown = shown_text(case.relative) if case.rule != "nom_fichier_personnel" else None
        found = [rule_list for path, rule_list in rules.items() if path == shown or shown is None]
        assert any(case.rule in rule_list for rule_list in found), case.name
    assert (settings.inbox_dir / HOME / "en_cours.csv").exists()
    assert not any(settings.processing_dir.glob("*/*"))
    text = everything_shown(settings, outcomes)
    assert SECRET not in text
    assert all(case.secret not in text for case in CASES if case.secret)
