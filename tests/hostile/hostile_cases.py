"""Hostile and unlucky files, each written into an inbox, and the run that must settle them all.

Used by the tests of this folder and by the "done when" measurement (`python tests/hostile/hostile_cases.py
<data root>` builds one inbox holding every case plus good files of other establishments).
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import workbooks

from intake import dropzone
from intake.dropzone import Claim
from intake.folder_faults import save_faults
from intake.reception import record_sighting
from intake.run import ingest_inbox, read_files, validate_files
from intake.submissions import Outcome, settle_claims
from tests.support.inbox import FRENCH_HEADER
from tlkpi.settings import Settings

TODAY = date(2026, 11, 22)
HOME = "010780195"  # the establishment dropping the hostile files
PEERS = ("010780906", "2A0000014")  # establishments dropping good files in the same run
UNREGISTERED = "750712184"  # a valid FINESS absent from the register
HEADER = FRENCH_HEADER


def row(finess: str = HOME, kpi: str = "EFF_DELAI_PEC", period: str = "2025-T3", phase: str = "pilote",
        value: str = "42", n: str = "40", comment: str = "") -> str:  # fmt: skip
    return f"{finess};UC05;{kpi};{period};{phase};{value};;;{n};{comment}\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode("utf-8")


def register(settings: Settings) -> None:
    """The establishment register: HOME and PEERS take part, UNREGISTERED does not."""
    settings.reference_dir.mkdir(parents=True, exist_ok=True)
    lines = ["finess,name,category,region,public_name"]
    lines += [f"{finess},Établissement {finess},CH,Test,false" for finess in (HOME, *PEERS)]
    (settings.reference_dir / "establishments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def drop(
    settings: Settings, relative: str, data: bytes, age_seconds: float = 60.0, mtime: float | None = None
) -> Path:
    """Write a file into the inbox as an upload the pipeline first saw complete `age_seconds` ago
    (a past run's sighting), its modification time what the client set (`mtime`, else as old)."""
    path = settings.inbox_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    mtime = path.stat().st_mtime - age_seconds if mtime is None else mtime
    os.utime(path, (mtime, mtime))
    if age_seconds:
        record_sighting(settings.inbox_dir, path, time.time() - age_seconds)
    return path


def drop_good_files(settings: Settings) -> list[str]:
    """One good file per peer establishment; their inbox paths."""
    dropped = []
    for number, finess in enumerate(PEERS):
        relative = f"{finess}/indicateurs_{number}.csv"
        drop(
            settings,
            relative,
            csv_bytes(row(finess=finess), row(finess=finess, phase="reference", value="50")),
        )
        dropped.append(relative)
    return dropped


def run(settings: Settings) -> list[Outcome]:
    """One ingest run without Prefect (the steps the flow runs as tasks), as of TODAY."""
    return ingest_inbox(settings, TODAY)


def claim_all(settings: Settings, found: list[Path]) -> list[Claim]:
    """Claim as the claim task does: a folder that cannot be emptied is skipped and its fault recorded."""
    claims, faults = dropzone.claim_all(
        found, settings.inbox_dir, settings.processing_dir, settings.settle_seconds
    )
    save_faults(settings.inbox_dir, faults, replace=False)
    return claims


def settle(settings: Settings, claims: list[Claim]) -> list[Outcome]:
    """Read, check and settle claimed files."""
    readable = read_files(claims, settings)
    return settle_claims(claims, validate_files(claims, readable, TODAY, settings), settings, None)


def by_file(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {outcome.file: outcome for outcome in outcomes}


def everything_shown(settings: Settings, outcomes: list[Outcome]) -> str:
    """Every text a person or a tool may read after the run: outcomes, reports, warehouse text."""
    texts = [repr(outcomes)]
    for folder in (settings.rejected_dir, settings.quarantine_dir):
        if folder.is_dir():
            texts += [p.name for p in folder.rglob("*")]
            texts += [p.read_text("utf-8", errors="replace") for p in folder.rglob("*.html")]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for query in (
            "SELECT string_agg(concat_ws('|', original_name, inbox_path, stored_path), '\n') FROM submission",
            "SELECT string_agg(concat_ws('|', column_name, value, message), '\n') FROM validation_issue",
            "SELECT string_agg(concat_ws('|', finess, comment), '\n') FROM measurement",
        ):
            texts.append(str(con.execute(query).fetchone()))
    return "\n".join(texts)


def xlsx_padded(inflated_bytes: int, padding_bytes: int) -> bytes:
    """An XLSX-shaped zip whose sheet inflates to `inflated_bytes`, padded with random bytes so the
    file is large enough to pass the 100x inflation ratio."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1 << 20)
            for _ in range(inflated_bytes >> 20):
                sheet.write(block)
        archive.writestr(zipfile.ZipInfo("xl/media/padding.bin"), os.urandom(padding_bytes))
    return buffer.getvalue()


def parquet_rows(rows: int) -> bytes:
    """A small Parquet file (run-length encoded) that declares `rows` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    indices = pa.nulls(rows, pa.int8()).fill_null(0)
    table = pa.table({"finess": pa.DictionaryArray.from_arrays(indices, pa.array([HOME]))})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def wide_csv(columns: int) -> bytes:
    """A CSV of the contract's header and row followed by `columns` extra columns (0.7 MB for 100,000)."""
    extra = "".join(f";c{number}" for number in range(columns))
    return (HEADER.rstrip("\n") + extra + "\n" + row().rstrip("\n") + ";" * columns + "\n").encode()


@dataclass(frozen=True)
class Case:
    """A hostile file: where it is dropped, its bytes, and the verdict and rule it must get."""

    name: str
    relative: str
    data: Callable[[], bytes]
    verdict: str
    rule: str
    secret: str = ""  # a text that must never be shown


NIR_DASHES = "1-85-05-78-006-084-36"
CASES = [
    # the folder's FINESS less its leading zero is restored (a warning); the 10,000 identical rows stay duplicates
    Case("10000 FINESS sans zéro", f"{HOME}/excel.csv", lambda: csv_bytes(*[row(finess=HOME[1:])] * 10_000), "rejected", "doublon"),
    Case("effectif 3e9", f"{HOME}/effectif_3e9.csv", lambda: csv_bytes(row(n="3000000000")), "rejected", "nombre_trop_grand"),
    Case("effectif 1e19", f"{HOME}/effectif_1e19.csv", lambda: csv_bytes(row(n="1e19")), "rejected", "nombre_trop_grand"),
    Case("période 0000-01", f"{HOME}/periode_0000.csv", lambda: csv_bytes(row(period="0000-01")), "rejected", "periode_hors_plage"),
    Case("nom de 240 octets", f"{HOME}/{'é' * 110}_indicateurs.csv", lambda: csv_bytes(row(value="", n="41")), "rejected", "valeur_manquante"),
    Case("nom avec retour à la ligne", f"{HOME}/a\nIngest: 99 file(s): 99 accepted.csv", lambda: csv_bytes(row(value="")), "rejected", "valeur_manquante", "\nIngest: 99"),
    Case("commentaire de 200 Ko non ASCII", f"{HOME}/commentaire_200k.csv", lambda: csv_bytes(row(comment="é" + "0 6" * 70_000)), "rejected", "commentaire_trop_long"),
    Case("Parquet de 20 M de lignes", f"{HOME}/lignes_20M.parquet", lambda: parquet_rows(20_000_000), "rejected", "fichier_trop_gros"),
    Case("XLSX bourré d'octets aléatoires", f"{HOME}/bourre.xlsx", lambda: xlsx_padded(256 << 20, 3 << 20), "rejected", "fichier_trop_gros"),
    Case("dossier CHU-Nice", "CHU-Nice/envoi.csv", lambda: csv_bytes(row(finess=PEERS[0], n="42")), "rejected", "dossier_inconnu"),
    Case("dossier avec espace final", f"{PEERS[0]} /envoi.csv", lambda: csv_bytes(row(finess=PEERS[0], n="43")), "rejected", "dossier_inconnu"),
    Case("FINESS en sous-dossier", f"X/{PEERS[0]}/envoi.csv", lambda: csv_bytes(row(finess=PEERS[0], n="44")), "rejected", "dossier_inconnu"),
    Case("FINESS non inscrit", f"{UNREGISTERED}/envoi.csv", lambda: csv_bytes(row(finess=UNREGISTERED)), "rejected", "etablissement_non_inscrit"),
    Case("NIR compact", f"{HOME}/nir_compact.csv", lambda: csv_bytes(row(comment="185057800608436")), "rejected", "donnee_personnelle", "185057800608436"),
    Case("NIR à tirets", f"{HOME}/nir_tirets.csv", lambda: csv_bytes(row(comment=f"patient {NIR_DASHES}")), "rejected", "donnee_personnelle", NIR_DASHES),
    Case("NIR à espaces insécables", f"{HOME}/nir_insecable.csv", lambda: csv_bytes(row(comment="NIR 1\u00a085\u00a005\u00a078\u00a0006\u00a0084\u00a036")), "rejected", "donnee_personnelle", "006\u00a0084"),
    Case("téléphone +33 (0)6", f"{HOME}/tel_plus33.csv", lambda: csv_bytes(row(comment="rappeler +33 (0)6 12 34 56 78")), "rejected", "donnee_personnelle", "12 34 56 78"),
    Case("téléphone 0033", f"{HOME}/tel_0033.csv", lambda: csv_bytes(row(comment="0033 6 12 34 56 78")), "rejected", "donnee_personnelle", "12 34 56 78"),
    Case("téléphone 06/12", f"{HOME}/tel_barres.csv", lambda: csv_bytes(row(comment="tél. 06/12/34/56/78")), "rejected", "donnee_personnelle", "06/12/34"),
    Case("courriel (at)", f"{HOME}/courriel_at.csv", lambda: csv_bytes(row(comment="jean.dupont (at) chu-nice (dot) fr")), "rejected", "donnee_personnelle", "jean.dupont"),
    Case("nom et date de naissance", f"{HOME}/naissance.csv", lambda: csv_bytes(row(comment="M. Martin né le 12/03/1985")), "rejected", "donnee_personnelle", "Martin"),
    Case("courriel dans la valeur", f"{HOME}/courriel_valeur.csv", lambda: csv_bytes(row(value="marie.curie@chu.fr")), "rejected", "donnee_personnelle", "marie.curie"),
    Case("NIR dans le FINESS", f"{HOME}/nir_finess.csv", lambda: csv_bytes(row(finess="185057800608436")), "rejected", "donnee_personnelle", "185057800608436"),
    Case("NIR dans le nom du fichier", f"{HOME}/patient_185057800608436.csv", lambda: csv_bytes(row(n="45")), "rejected", "nom_fichier_personnel", "185057800608436"),
    Case("CSV de 100 000 colonnes", f"{HOME}/large.csv", lambda: wide_csv(100_000), "rejected", "fichier_trop_gros"),
    Case("octet nul après 4 Ko", f"{HOME}/nul.csv", lambda: csv_bytes(*[row(comment="rien")] * 100, row(comment="a\x00b")), "rejected", "encodage", "a\x00b"),
    Case("UTF-8 et cp1252 mêlés", f"{HOME}/melange.csv", lambda: csv_bytes(row()) + row(phase="reference", comment="vérifié").encode("cp1252"), "rejected", "encodage"),
    Case("UTF-32", f"{HOME}/utf32.csv", lambda: (HEADER + row()).encode("utf-32"), "rejected", "encodage"),
    Case("feuille indicateurs masquée", f"{HOME}/masquee.xlsx", lambda: workbooks.hidden_data_sheet(HOME), "rejected", "feuille_masquee"),
    Case("ligne masquée", f"{HOME}/ligne_masquee.xlsx", lambda: workbooks.hidden_row(HOME), "rejected", "contenu_masque"),
    Case("colonne masquée", f"{HOME}/colonne_masquee.xlsx", lambda: workbooks.hidden_column(HOME), "rejected", "contenu_masque"),
    Case("feuilles indicateurs et ' Indicateurs '", f"{HOME}/deux_feuilles.xlsx", lambda: workbooks.two_sheets_named_alike(HOME), "rejected", "feuilles_en_double"),
    Case("formule à valeur périmée", f"{HOME}/formule_perimee.xlsx", lambda: workbooks.formula(HOME, 99), "rejected", "formule_non_calculee"),
    Case("formule sans valeur", f"{HOME}/formule_vide.xlsx", lambda: workbooks.formula(HOME, None, recalculate=False), "rejected", "formule_non_calculee"),
    Case("trimestre pas encore fini", f"{HOME}/trimestre_en_cours.csv", lambda: csv_bytes(row(period="2026-T4")), "accepted", "periode_en_cours"),
    Case("référence après le pilote", f"{HOME}/phases_inversees.csv", lambda: csv_bytes(row(period="2025-T1", kpi="EFF_PATIENTS_JOUR"), row(period="2025-T3", kpi="EFF_PATIENTS_JOUR", phase="reference")), "accepted", "reference_apres_pilote"),
    Case("trimestre et ses mois", f"{HOME}/trimestre_et_mois.csv", lambda: csv_bytes(row(), row(period="2025-07", value="14"), row(period="2025-08", value="14")), "rejected", "trimestre_et_mois"),
    Case("séparateur de milliers 1,234", f"{HOME}/milliers.csv", lambda: csv_bytes(row(value="1,234", period="2025-T2")), "accepted", "separateur_ambigu"),
    Case("colonne nom_patient", f"{HOME}/nom_patient.csv", lambda: (HEADER.rstrip("\n") + ";nom_patient\n" + row().rstrip("\n") + ";DURAND Paulette\n").encode(), "rejected", "colonne_personnelle", "DURAND"),
]  # fmt: skip


# the cases of the issue at full size, for the measured run (too slow to write for every test run)
BIG_CASES = [
    Case("commentaire de 50 Mo", f"{HOME}/commentaire_50M.csv", lambda: csv_bytes(row(comment="é" + "0 6" * 17_000_000)), "rejected", "commentaire_trop_long"),
    Case("Parquet de 60 M de lignes", f"{HOME}/lignes_60M.parquet", lambda: parquet_rows(60_000_000), "rejected", "fichier_trop_gros"),
    Case("XLSX de 9,7 Mo bourré", f"{HOME}/bourre_3G.xlsx", lambda: xlsx_padded(3 << 30, 9 << 20), "rejected", "fichier_trop_gros"),
]  # fmt: skip
SECRET = "root:x:0:0:secret-of-the-host"


def drop_links(settings: Settings) -> list[str]:
    """A symbolic link and a hard link to a file outside the data root; their inbox paths."""
    outside = settings.root.parent / "passwd"
    outside.write_text(SECRET + "\n", encoding="utf-8")
    folder = settings.inbox_dir / HOME
    folder.mkdir(parents=True, exist_ok=True)
    os.link(outside, folder / "lien_dur.csv")
    os.utime(folder / "lien_dur.csv", (1.7e9, 1.7e9))
    record_sighting(settings.inbox_dir, folder / "lien_dur.csv", time.time() - 60)
    os.symlink(outside, folder / "lien_symbolique.csv")  # never even listed
    return [f"{HOME}/lien_dur.csv"]


def build_inbox(settings: Settings, cases: list[Case] = CASES) -> None:
    """Every case, links, a named pipe, an upload still running and good files of the peers, in one inbox."""
    register(settings)
    for case in cases:
        drop(settings, case.relative, case.data())
    drop_links(settings)
    os.mkfifo(settings.inbox_dir / HOME / "tube.csv")  # a named pipe: refused unread, with a receipt
    drop(settings, f"{HOME}/en_cours.csv", csv_bytes(row())[:120], age_seconds=0)
    drop_good_files(settings)


if __name__ == "__main__":  # the "done when" inbox: python tests/hostile/hostile_cases.py <data root> [big]
    build_inbox(Settings(data_root=Path(sys.argv[1])), CASES + (BIG_CASES if sys.argv[2:] == ["big"] else []))
