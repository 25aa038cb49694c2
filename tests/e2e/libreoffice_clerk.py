"""A clerk filling the template in LibreOffice Calc, driven through its UNO bridge (headless).

Run by Debian's /usr/bin/python3 (python3-uno), never imported by pytest:
    python3 libreoffice_clerk.py TEMPLATE.xlsx OUT.xlsx OUT.csv PROFILE_DIR
LibreOffice runs with a French locale; each cell is typed through `.uno:EnterString`, the dispatch the
keyboard uses, so Calc parses what is typed exactly as for a person (a FINESS with its leading zero,
a period such as 2025-T3, 12,5 with a decimal comma). The workbook is saved as .xlsx and as CSV
(semicolon, UTF-8, cells as shown). Prints what Calc holds in the typed cells, as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

ROWS = [  # header -> what the clerk types, one line per measurement
    {"FINESS": "010780195", "Cas d'usage": "UC01", "Indicateur": "EFF_DELAI_PEC", "Période": "2025-T3",
     "Phase": "pilote", "Valeur": "12,5", "Effectif": "40"},
    {"FINESS": "010780195", "Cas d'usage": "UC01", "Indicateur": "QUA_READMISSION_30J", "Période": "2025-09",
     "Phase": "reference", "Numérateur": "5", "Dénominateur": "40"},
]  # fmt: skip
CSV_OPTIONS = "59,34,76"  # separator ;, text in ", UTF-8; cells as shown (the filter's default)
FRENCH_LOCALE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>fr-FR</value></prop></item>
</oor:items>
"""


def prop(name: str, value: object) -> PropertyValue:
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def connect(pipe: str, office: subprocess.Popen, timeout: float = 120) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline or office.poll() is not None:
                raise
            time.sleep(0.3)


def main(template: Path, out_xlsx: Path, out_csv: Path, profile: Path) -> None:
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FRENCH_LOCALE, encoding="utf-8")
    pipe = f"tlkpi_clerk_{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         f"-env:UserInstallation={profile.as_uri()}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=None,
    )  # fmt: skip
    try:
        context = connect(pipe, office)
        smgr = context.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        doc = desktop.loadComponentFromURL(template.resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
        sheet = doc.Sheets.getByName("indicateurs")
        controller = doc.CurrentController
        controller.setActiveSheet(sheet)
        frame = controller.Frame
        headers = {}
        for column in range(20):
            text = sheet.getCellByPosition(column, 0).String
            if text:
                headers[text] = column
        held = {}
        for line, values in enumerate(ROWS, start=1):
            for header, typed in values.items():
                cell = sheet.getCellByPosition(headers[header], line)
                controller.select(cell)
                dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", typed),))
                held[f"{header}:{line + 1}"] = {"shown": cell.String, "number": cell.Value,
                                                "is_text": cell.Type.value == "TEXT"}  # fmt: skip
        doc.storeToURL(out_xlsx.resolve().as_uri(), (prop("FilterName", "Calc Office Open XML"),))
        print(json.dumps(held, ensure_ascii=False))
        with contextlib.suppress(Exception):  # the bridge goes away with the office: the end we asked for
            doc.setModified(False)  # nothing to save: terminating asks no question
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
    # then Save As CSV from the saved workbook, by the same office and profile (French locale): the
    # CSV filter keeps the active sheet, « indicateurs », with cells as shown. (Storing the CSV from the
    # UNO session after typing aborts Calc 7.4 about one time in two; the converter is the same filter.)
    converted = subprocess.run(
        ["soffice", "--headless", "--nologo", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", f"csv:Text - txt - csv (StarCalc):{CSV_OPTIONS}", "--outdir", str(out_csv.parent),
         str(out_xlsx)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    made = out_csv.parent / f"{out_xlsx.stem}.csv"
    if converted.returncode != 0 or not made.is_file():
        raise SystemExit(f"CSV conversion failed: {converted.stderr}")
    made.replace(out_csv)


if __name__ == "__main__":
    main(*(Path(arg) for arg in sys.argv[1:5]))
