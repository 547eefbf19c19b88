"""Translations of user-facing text: gettext catalogues (Babel), one language at a time.

Every sentence a user reads in the report, the terminal summary of ``regsim compare`` or the explorer
passes through :func:`_` (or :func:`ngettext` where it depends on a count) and is formatted *after*
translation with named fields (``_("{n} replications").format(n=n)``), so that a translator may move
the fields. The catalogues are ``regsim/locale/<lang>/LC_MESSAGES/regsim.po``; they are compiled in
memory with Babel when first used, so a fresh ``pip install`` needs no build step and a ``.po`` edit
shows at once. English is the source language and needs no catalogue.

Workflow for developers (README, "Translations")::

    pybabel extract -k _ -k ngettext:1,2 -o regsim/locale/regsim.pot regsim
    pybabel update -i regsim/locale/regsim.pot -d regsim/locale -D regsim
    # translate the new msgid entries in regsim/locale/{ru,ky}/LC_MESSAGES/regsim.po
    pytest tests/test_i18n.py     # every message translated, a Russian or Kyrgyz report has no English sentence

The language is a process-wide setting (:func:`set_language`), chosen once by ``--lang`` on the command
line; :func:`using` switches it for one block (the report builder and tests use it).
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
from collections.abc import Iterator
from pathlib import Path

from regsim.errors import RegsimError

DOMAIN = "regsim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "ru", "ky")
"""Languages with a complete catalogue (English is the source). Kyrgyz (``ky``): official terms sourced and cited in
the catalogue, the rest of the wording the developers' own translation, not yet reviewed (README, "Languages")."""
GROUPED_BY_SPACE = ("ru", "ky")
"""Languages that group thousands with a narrow no-break space and mark decimals with a comma (NSC: "5 478,91 сом")."""

_state = {"lang": SOURCE_LANGUAGE}


class LanguageError(RegsimError):
    """An unknown language code, or a catalogue that cannot be read."""


def catalogue_path(lang: str) -> Path:
    """Where the ``.po`` catalogue of ``lang`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (``NullTranslations`` for English).

    Raises:
        LanguageError: ``lang`` is not one of :data:`LANGUAGES`, or its catalogue is missing or unreadable.
    """
    if lang not in LANGUAGES:
        raise LanguageError(f"--lang: unknown language {lang!r}; allowed: {', '.join(LANGUAGES)}")
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = catalogue_path(lang)
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError as exc:  # pragma: no cover - babel is a dependency
        raise LanguageError("--lang: the translations need Babel (pip install babel)") from exc
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
    except (OSError, ValueError) as exc:
        raise LanguageError(f"{path}: cannot read the {lang} catalogue ({exc})") from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(lang: str) -> None:
    """Make ``lang`` the language of every later message (checked, its catalogue loaded now)."""
    translations(lang)
    _state["lang"] = lang


def language() -> str:
    """The current language code."""
    return _state["lang"]


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Within the block, messages are in ``lang`` (or unchanged if None); the previous language after."""
    before = _state["lang"]
    if lang is not None:
        set_language(lang)
    try:
        yield _state["lang"]
    finally:
        _state["lang"] = before


def _(message: str) -> str:
    """``message`` in the current language (itself where no translation exists)."""
    return translations(_state["lang"]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for count ``n`` in the current language (Russian has three)."""
    return translations(_state["lang"]).ngettext(singular, plural, n)


def number(value: float, digits: int = 0, signed: bool = False) -> str:
    """``value`` with thousands grouped as the current language writes them.

    English: ``12,345.6``; Russian and Kyrgyz: ``12 345,6`` (a narrow no-break space groups thousands, a
    comma marks decimals). ``n/a`` (translated) for a missing value.
    """
    if value is None or value != value:  # NaN
        return _("n/a")
    text = format(value, ("+" if signed else "") + f",.{digits}f")
    if _state["lang"] in GROUPED_BY_SPACE:
        text = text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")
    return text
