"""`make screenshots`: what every family sends, rendered from the demo data and saved as PNGs.

For every family file found, the `preview` machinery (extract, transform, render; nothing sent,
no ledger) runs on the demo DMS for the demo's date at 08:00 (as `make demo` runs them). Then,
per family, the first message's HTML body is photographed in Chromium (headless, driven by
Playwright, /usr/bin/chromium) and the first page of its first PDF is drawn with pypdfium2, both
into `docs/screenshots/` (small PNGs: 640 px wide mails, PDF pages at 72 dpi, 64-colour palette),
with `docs/screenshots/README.md` listing them (the documentation site's "Gallery" page).

`render_all` is also what the end-to-end test of the documents uses (tests/e2e/test_documents.py):
every PDF and XLSX of every family goes through tests/support/doc_checks.py.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

DEMO_DATE = date(2026, 11, 1)
DEMO_TIME = time(8, 0)
SCREENSHOTS = Path("docs/screenshots")
MAIL_WIDTH = 640
PDF_DPI = 72
SURVEY_SECRET_VARIABLE = "AIRFLOW_VAR_ALERTAS_SURVEY_SECRET"


def families() -> list[str]:
    from alertas_rapidas.authoring.validate import family_files
    from alertas_rapidas.paths import FAMILIES_DIR

    return [path.stem for path in family_files(FAMILIES_DIR)]


def load_demo(dms_dsn: str, alerts_dsn: str, *, customers: int = 60, day: date = DEMO_DATE) -> None:
    """The demo DMS (schema and data, as `make demo` loads it) and the package's own schema."""
    import psycopg

    from alertas_dev.demo import dms_data
    from alertas_rapidas.ledger.deliveries import ensure_schema

    with psycopg.connect(dms_dsn) as conn:
        dms_data.create_schema(conn)
        dms_data.load_demo_data(conn, customers=customers, reference_date=day)
    with psycopg.connect(alerts_dsn, autocommit=True) as conn:
        ensure_schema(conn)


def render_all(out: Path, dms_dsn: str, alerts_dsn: str, *, day: date = DEMO_DATE) -> dict[str, str]:
    """Preview every family for `day` at 08:00 into `out/<family>/`; family -> summary line or
    the error (a family that fails is reported, the others still rendered)."""
    from alertas_rapidas.authoring.preview import PreviewError, preview
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR

    # satisfaction_surveys signs its links with this secret (a demo value, never a real one)
    os.environ.setdefault(SURVEY_SECRET_VARIABLE, "demo-survey-secret-0123456789")
    results = {}
    for key in families():
        config, _ = load_family_config(FAMILIES_DIR / f"{key}.yaml")
        at = datetime.combine(day, DEMO_TIME, tzinfo=ZoneInfo(config.timezone))
        try:
            results[key] = preview(key, day, at=at, out=out / key, dsn=dms_dsn, alerts_dsn=alerts_dsn)
        except PreviewError as exc:
            results[key] = f"ERROR {exc}"
    return results


def optimise_png(png: bytes, path: Path) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def pdf_page_png(pdf: bytes, path: Path, *, dpi: int = PDF_DPI) -> None:
    """The PDF's first page as a PNG at `dpi`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    optimise_png(buffer.getvalue(), path)


def mail_pngs(bodies: dict[str, Path], target: Path) -> None:
    """Each HTML body (family -> file) photographed whole in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": MAIL_WIDTH, "height": 400})
            # the bodies are local files of our own; nothing is fetched from the network
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
            )
            for family, body in bodies.items():
                page.goto(body.resolve().as_uri())
                optimise_png(page.screenshot(full_page=True), target / f"{family}.mail.png")
        finally:
            browser.close()


def screenshots(rendered: Path, target: Path) -> list[tuple[str, bool, bool]]:
    """PNGs of the first message's body and first PDF page of each family; (family, mail, pdf)."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.png"):
        old.unlink()
    bodies, rows = {}, []
    for family in families():
        folder = rendered / family
        body = folder / "001.html"
        pdfs = sorted(folder.glob("[0-9][0-9][0-9]-*.pdf"))
        if body.exists():
            bodies[family] = body
        if pdfs:
            pdf_page_png(pdfs[0].read_bytes(), target / f"{family}.pdf.png")
        rows.append((family, body.exists(), bool(pdfs)))
    mail_pngs(bodies, target)
    return rows


def gallery_page(rows: list[tuple[str, bool, bool]], day: date) -> str:
    lines = [
        "# Gallery: what each family sends",
        "",
        f"Made by `make screenshots` from the demo data of {day.isoformat()} at 08:00 (the `preview`",
        "machinery: nothing sent). Per family: the first message's HTML body and, when the family",
        "attaches PDFs, the first page of the first one. A family with no message on that date shows none.",
        "",
        "| Family | Mail body | PDF (page 1) |",
        "|---|---|---|",
    ]
    for family, mail, pdf in rows:
        shown_mail = f"[mail]({family}.mail.png)" if mail else "no message on the demo date"
        shown_pdf = f"[PDF]({family}.pdf.png)" if pdf else ""
        lines.append(f"| `{family}` | {shown_mail} | {shown_pdf} |")
    lines.append("")
    for family, mail, pdf in rows:
        if mail or pdf:
            lines.append(f"## {family}")
            lines.append("")
            if mail:
                lines.append(f"![{family} mail]({family}.mail.png)")
            if pdf:
                lines.append(f"![{family} PDF]({family}.pdf.png)")
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alertas_dev.gallery", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=SCREENSHOTS, help="folder of the PNGs (docs/screenshots)")
    parser.add_argument("--customers", type=int, default=60)
    args = parser.parse_args(argv)

    from alertas_dev.demo.local_postgres import LocalPostgres

    with tempfile.TemporaryDirectory(prefix="alertas-gallery-") as work:
        server = LocalPostgres(Path(work) / "pg").start()
        try:
            dms_dsn = server.create_database("dms", drop=True)
            alerts_dsn = server.create_database("alerts", drop=True)
            load_demo(dms_dsn, alerts_dsn, customers=args.customers)
            results = render_all(Path(work) / "rendered", dms_dsn, alerts_dsn)
        finally:
            server.stop()
        failed = {key: line for key, line in results.items() if line.startswith("ERROR")}
        for key, line in failed.items():
            print(f"{key}: {line}", file=sys.stderr)
        rows = screenshots(Path(work) / "rendered", args.out)
    (args.out / "README.md").write_text(gallery_page(rows, DEMO_DATE), encoding="utf-8")
    shown = sum(1 for _, mail, _ in rows if mail) + sum(1 for *_, pdf in rows if pdf)
    print(f"{shown} PNGs of {len(rows)} families -> {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
