"""The dealership's branding: an optional logo and the letterhead lines under its name.

Set once in `dags/families/_defaults.yaml` (a family file may override it):

    branding:
      logo: include/branding/logo.png     # PNG or JPEG; relative to the project root
      letterhead: ["Av. Rivadavia 1234, CABA", "Tel. (011) 4000-1234"]

Every PDF shows the logo, the dealership's name and CUIT (from the DMS) and these lines at the top
of each page (`_layouts/pdf.html`, the reportlab statement); the HTML mails show the name and the
lines in their header (`_layouts/mail.html`). A logo path that does not exist, or a file that is
not a PNG or JPEG image, fails the family's config with the field and the path named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from alertas_rapidas.models import StrictModel
from alertas_rapidas.paths import PROJECT_ROOT

LOGO_FORMATS = ("PNG", "JPEG")
LOGO_MAX_BYTES = 512 * 1024  # a logo goes into every PDF: keep it small


def logo_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


class BrandingConfig(StrictModel):
    """The logo and letterhead lines printed on every PDF and in the HTML mail header."""

    logo: str | None = Field(
        default=None,
        description="a PNG or JPEG file, absolute or relative to the project root (e.g. "
        "include/branding/logo.png); at most 512 KiB",
    )
    letterhead: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="lines under the dealership's name and CUIT (address, phone, web), at most 4",
    )

    @field_validator("logo")
    @classmethod
    def _logo_is_an_image(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = logo_path(value)
        if not path.is_file():
            raise ValueError(f"the logo file {value!r} does not exist (looked at {path})")
        if path.stat().st_size > LOGO_MAX_BYTES:
            raise ValueError(f"the logo file {value!r} is larger than {LOGO_MAX_BYTES // 1024} KiB")
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                kind = image.format
        except (UnidentifiedImageError, OSError):
            kind = None
        if kind not in LOGO_FORMATS:
            raise ValueError(f"the logo file {value!r} is not a PNG or JPEG image")
        return value

    @field_validator("letterhead")
    @classmethod
    def _one_line_each(cls, value: list[str]) -> list[str]:
        for line in value:
            if not line.strip() or "\n" in line or len(line) > 120:
                raise ValueError("each letterhead line is one non-empty line of at most 120 characters")
        return value


def brand_context(branding: BrandingConfig | None) -> dict[str, Any]:
    """What templates and PDF builders see as `brand`: the logo's absolute path (or None) and the
    letterhead lines."""
    if branding is None:
        return {"logo": None, "letterhead": []}
    return {
        "logo": str(logo_path(branding.logo)) if branding.logo else None,
        "letterhead": list(branding.letterhead),
    }
