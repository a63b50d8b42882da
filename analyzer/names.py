"""Name, email and company normalisation for identity resolution (pure functions, cached per unique string).

Display names as people write them on LinkedIn and in mail headers carry decorations that must go before two
names can be compared: emoji and symbols, pronouns ``(she/her)``, taglines (``Jane Doe | Hiring``), credentials
(``Jane Doe, MBA``), titles (``Dr.``), the ``Last, First`` order of Outlook display names. :func:`parse_name`
turns a record's name fields into a :class:`ParsedName` of ASCII comparison keys (transliterated with
``anyascii``); :class:`Nicknames` is the one-hop nickname relation (``nicknames`` package + the project's
``data/nicknames_extra.csv``); :func:`email_info` and :func:`company_tokens` give the email and company
evidence (role addresses, webmail domains, legal suffixes).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl
from anyascii import anyascii


def _words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------------------------------------------
# Display-name cleaning
# --------------------------------------------------------------------------------------------------------------

_DROP_CATS = frozenset({"So", "Sk", "Cs", "Co", "Cn", "Cf"})
_DROP_CATS_BUT_EMOJI = _DROP_CATS - {"So"}
_HASHTAG = re.compile(r"(?:^|\s)#(?=\w)")
_DROP_CHARS = frozenset("®™©\ufe0e\ufe0f\u20e3")
_PRONOUNS = re.compile(
    r"[(\[]\s*(?:she|he|they|ze|xe|her|him|them|hers|his|theirs)\s*/\s*[a-z]+(?:\s*/\s*[a-z]+)*\s*[)\]]",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_QUOTED = re.compile(r"\s[\"“”]([^\"“”]+)[\"“”](?=\s)")
# taglines: " | ", " - ", " – ", " — ", " • ", " · ", " @ " (Jane Doe @ ACME), and a bare "|" or "•"
_TAGLINE = re.compile(r"(?<!\s)(?:\s+[-–—•·|/@]+\s+|\s*[|•·]\s*)")  # (from a run's start: quadratic on blanks)
_SPACES = re.compile(r"\s+")
_BRACKETS = frozenset("([{")  # what _PRONOUNS and _PARENS need
_QUOTES = frozenset("\"“”")  # what _QUOTED needs
_TAGLINE_CHARS = frozenset("-–—•·|/@")  # what _TAGLINE needs
_NORM_TOK = re.compile(r"[.\s\-–/]")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?\.?")
_SEP = re.compile(r"[-_.]")
_SEPS = re.compile(r"[-_.]+")
_DIGITS = re.compile(r"\d+")
_NON_LABEL = re.compile(r"[^a-z0-9-]")
_NON_ALPHA = re.compile(r"[^a-z]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ABBREV_DOTS = re.compile(r"(?<=\b[a-z])\.(?=[a-z]\b)")


class _EmojiTable(dict[int, str | None]):
    """What :func:`clean_display_name` makes of each character of a non-ASCII name, as a ``str.translate`` table
    filled as characters are met: dropped (None: symbols, marks, controls ...), an emoji or other symbol
    (``"\x00"``, where the name may end), or the character itself."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        cat = unicodedata.category(ch)
        out = None if ch in _DROP_CHARS or cat in _DROP_CATS_BUT_EMOJI else "\x00" if cat == "So" else ch
        if len(self) < _EMOJI_TABLE_MAX:  # names use a few thousand characters; a flood of others is not kept
            self[code] = out
        return out


_EMOJI_TABLE_MAX = 50_000


_EMOJI_TABLE = _EmojiTable()


@lru_cache(maxsize=65_536)
def clean_display_name(value: str | None, min_name_words: int = 2) -> str:
    """A display name without decorations, in its original script: NFKC; emoji/symbols, pronouns,
    parenthesised asides, quoted nicknames, hashtags and taglines removed; whitespace collapsed. An emoji after
    ``min_name_words`` words ends the name (1 for a single name field such as a last-name column).

    >>> clean_display_name("Sarah O'Connor ✨ | Hiring!")
    "Sarah O'Connor"
    """
    if not value:
        return ""
    if value.isascii():
        s = value.replace("^", "").replace("`", "")
    else:
        s = unicodedata.normalize("NFKC", value)
        # an emoji ends the name when a full name stands before it ("Jane Doe 🌍 Building the future");
        # a leading or inner one ("🌟 Jane Doe", "Jane 🚀 Doe") is just dropped
        s = s.translate(_EMOJI_TABLE)
        if "\x00" in s:
            segs = [seg.strip() for seg in s.split("\x00") if seg.strip()]
            s = segs[0] if segs and len(segs[0].split()) >= min_name_words else " ".join(segs)
    # each pattern is applied only when its first character can occur in the name (most names carry none)
    if "#" in s:
        s = _HASHTAG.split(s, maxsplit=1)[0]  # "Jane Doe #OpenToWork"
    if not _BRACKETS.isdisjoint(s):
        s = _PRONOUNS.sub(" ", s)
        s = _PARENS.sub(" ", s)
    s = _QUOTED.sub(" ", f" {s} ").strip() if not _QUOTES.isdisjoint(s) else s.strip()
    if not _TAGLINE_CHARS.isdisjoint(s):
        s = _TAGLINE.split(s)[0]
    s = _SPACES.sub(" ", s).strip().strip(" ,;:'\"`").strip()
    return s


_KEY_DROP = re.compile(r"['’`´.]")
_KEY_NON_ALPHA = re.compile(r"[^a-z ]+")


@lru_cache(maxsize=65_536)
def key(value: str | None) -> str:
    """ASCII comparison key: transliterated, lower-case, apostrophes and dots removed, any other non-letter
    (hyphens, digits, punctuation) a space, spaces collapsed. ``"Łukasz Żółć"`` -> ``"lukasz zolc"``."""
    if not value:
        return ""
    s = (value if value.isascii() else anyascii(unicodedata.normalize("NFKC", value))).lower()
    s = _KEY_DROP.sub("", s)
    s = _KEY_NON_ALPHA.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


# --------------------------------------------------------------------------------------------------------------
# Name parsing
# --------------------------------------------------------------------------------------------------------------

#: credentials and post-nominals dropped after a comma or at the end of a name (compared without dots, lower)
CREDENTIALS = frozenset(_words("""
mba emba phd dphil edd md do jd llm llb esq cpa cfa cfp chfc clu cma cia cisa cism cissp ccie ccna ccnp ceh
pmp pgmp capm csm cspo psm safe acp pmiacp itil pe peng ceng ra frm caia acca aca fca cima ca cgma
mpa mph msw lcsw rn np pa dds dmd dvm od pharmd psyd msc ms ma mfa bsc bs ba beng meng mres mphil msci
med mpp mpharm bcom mcom bba mas mscs shrmcp shrmscp phr sphr gphr cipp cippe cippus cipm cipt cdmp cips
faia aia leed leedap fcipd mcipd cipd cmgr fcmi chartered cfe cams crisc cgeit ctp cpim cscp cpsm six sigma
sixsigma lssbb lssgb cbap ccba pmirmp rmp mcse mcsa awscsa gcp gcpca obe mbe cbe kbe frs freng fba frcp
frcs mrcp mrcs facs facp fmp cre crx cpm abr gri crs ccim
"""))
#: generational suffixes, kept separately as a conflict signal (father/son)
GEN_SUFFIXES = {"jr": "jr", "junior": "jr", "sr": "sr", "senior": "sr", "ii": "ii", "iii": "iii", "iv": "iv",
                "2nd": "ii", "3rd": "iii", "4th": "iv"}
TITLES = frozenset(_words("""
dr mr mrs ms miss mx prof professor sir dame rev revd fr lord lady hon dott ing herr frau sr sra srta mme mlle
m dra ir
""")) - {"sr", "m"}  # "Sr"/"M" are ambiguous at the front ("M. Smith" is an initial)
PARTICLES = frozenset(_words("""
van von der den de del della dela la le du dos das da di des ter ten zu bin ibn al el st saint mac
""")) - {"mac"}


def _norm_tok(t: str) -> str:
    return _NORM_TOK.sub("", t).lower()


_PLACEHOLDER_NAMES = frozenset({"linkedin member", "unknown", "unknown sender", "no name", "undisclosed recipients",
                                "undisclosed-recipients", "n/a", "na", "none", "null", "-", "?"})


@dataclass(frozen=True)
class ParsedName:
    """A person's name as comparison keys (ASCII, lower-case). Empty strings mean unknown."""

    first: str = ""  # first given name ("j" when only an initial is known)
    middle_initial: str = ""
    last: str = ""  # surname joined without spaces ("vanderberg", "smithjones")
    last_tokens: tuple[str, ...] = ()  # surname tokens without particles (for token overlap), plus middle
    suffix: str = ""  # jr | sr | ii | iii | iv
    display: str = ""  # the cleaned name in its original script ("Jane Doe")
    from_email: bool = False  # derived from an email local part, not written by anyone

    @property
    def first_is_initial(self) -> bool:
        """The first name is a single initial ("J. Smith")."""
        return len(self.first) == 1

    @property
    def full(self) -> bool:
        """Both a real (non-initial) first name and a surname are known."""
        return len(self.first) > 1 and bool(self.last)


def _strip_suffix_tokens(tokens: list[str]) -> tuple[list[str], str]:
    """Drop trailing generational suffixes / upper-case credentials; return (tokens, suffix)."""
    suffix = ""
    while len(tokens) > 1:
        t = _norm_tok(tokens[-1]).strip(",")
        if t in GEN_SUFFIXES:
            suffix = suffix or GEN_SUFFIXES[t]
            tokens = tokens[:-1]
        elif t in CREDENTIALS and (tokens[-1].isupper() or "." in tokens[-1] or (len(tokens) > 2 and len(t) > 2)):
            # "Jane Doe PhD", "Jane Doe, M.D."; short ones only when written as credentials ("Nguyen Van Do")
            tokens = tokens[:-1]
        else:
            break
    return tokens, suffix


def _strip_titles(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and _norm_tok(tokens[0]) in TITLES:
        tokens = tokens[1:]
    return tokens


def _split_commas(s: str) -> tuple[list[str], str]:
    """Split at commas, drop trailing credential/suffix segments; return (segments, generational suffix)."""
    if "," not in s:
        return ([t] if (t := s.strip()) else []), ""
    segs = [x.strip() for x in s.split(",") if x.strip()]
    suffix = ""
    while len(segs) > 1:
        toks = [_norm_tok(t) for t in segs[-1].split()]
        if toks and all(t in CREDENTIALS or t in GEN_SUFFIXES for t in toks):
            for t in toks:
                if t in GEN_SUFFIXES and not suffix:
                    suffix = GEN_SUFFIXES[t]
            segs.pop()
        else:
            break
    return segs, suffix


def _initials(tok: str) -> list[str] | None:
    """``"J."`` -> ["j"], ``"A.B."`` -> ["a", "b"], ``"JR"`` -> None (not written as initials)."""
    if _INITIALS.fullmatch(tok):
        return [c.lower() for c in tok if c != "."]
    return None


def _given(tokens: list[str]) -> tuple[str, str]:
    """(first key, middle initial) from given-name tokens."""
    keys: list[str] = []
    for t in tokens:
        ini = _initials(t)
        if ini:
            keys.extend(ini)
        else:
            k = key(t).replace(" ", "")
            if k:
                keys.append(k)
    if not keys:
        return "", ""
    return keys[0], (keys[1][0] if len(keys) > 1 else "")


def _surname(tokens: list[str]) -> tuple[str, tuple[str, ...]]:
    ks = key(" ".join(tokens)).split()
    joined = "".join(ks)
    core = tuple(t for t in ks if t not in PARTICLES and len(t) > 1)
    return joined, core


def _upper_surname(tokens: list[str]) -> int | None:
    """Index of the one token written in capitals, of 3+ letters, when the others are not ("WANG Wei",
    "Jean DUPONT"): the family-name convention of many countries, whatever the order. None otherwise (a
    two-letter capital token is more often initials, "JD Smith")."""
    upper = [i for i, t in enumerate(tokens)
             if t.isupper() and len(t) >= 3 and t.replace("-", "").replace("'", "").isalpha()]
    if len(upper) != 1 or not any(any(c.islower() for c in t) for t in tokens):
        return None
    return upper[0]


# a word with "@" after its first character and "." after the next (was "\S+@\S+\.\S+": tried every "@" and "."
# from every start, cubic on a name of "@"s)
_EMAILISH = re.compile(r"(?<!\S)(?>\S+?@)\S+?\.\S")


def _looks_like_email(s: str) -> bool:
    return "@" in s and bool(_EMAILISH.search(s))


@lru_cache(maxsize=4_096)
def parse_display_name(value: str | None) -> ParsedName:
    """Parse a free-form display name ("Doe, Jane M.", "Dr. Jane Doe, PhD 🚀 | Hiring", "Tom van der Berg")."""
    s = clean_display_name(value)
    if not s or _looks_like_email(s) or s.casefold() in _PLACEHOLDER_NAMES:
        return ParsedName()
    segs, suffix = _split_commas(s)
    given: list[str]
    surname: list[str]
    extra: tuple[str, ...] = ()
    if len(segs) == 2:  # "Last, First [Middle]"
        surname_toks, sfx = _strip_suffix_tokens(segs[0].split())
        given_toks, sfx2 = _strip_suffix_tokens(_strip_titles(segs[1].split()))
        suffix = suffix or sfx or sfx2
        given, surname = given_toks, _strip_titles(surname_toks)
    else:
        toks, sfx = _strip_suffix_tokens(_strip_titles(" ".join(segs).split()))
        suffix = suffix or sfx
        if len(toks) == 1:
            given, surname = toks, []
        elif (up := _upper_surname(toks)) is not None:  # "WANG Wei", "DUPONT Jean-Pierre"
            given, surname = toks[:up] + toks[up + 1:], [toks[up]]
        else:
            cut = len(toks) - 1
            for i in range(1, len(toks) - 1):
                if key(toks[i]) in PARTICLES:
                    cut = i
                    break
            given, surname = toks[:cut], toks[cut:]
            # middle tokens of a display name may be a first surname (Spanish double surnames)
            extra = tuple(k for t in given[1:] if _initials(t) is None
                          for k in key(t).split() if k not in PARTICLES and len(k) > 1)
    first, mi = _given(given)
    last, core = _surname(surname)
    if not first and not last:
        return ParsedName()
    shown = " ".join([*given, *surname])
    return ParsedName(first=first, middle_initial=mi, last=last, last_tokens=tuple(sorted(set(core + extra))),
                      suffix=suffix, display=shown)


@dataclass(frozen=True)
class _Field:
    """One cleaned name field (first or last name column): its tokens, keys and generational suffix."""

    text: str  # cleaned ('' if empty, a placeholder or an address)
    tokens: tuple[str, ...]
    suffix: str
    key: str  # first key (first field) or joined surname key (last field)
    extra: str  # middle initial (first field)
    core: tuple[str, ...]  # surname tokens without particles (last field)


@lru_cache(maxsize=100_000)
def _field(value: str | None, is_first: bool) -> _Field:
    t = clean_display_name(value, min_name_words=1)
    if t.casefold() in _PLACEHOLDER_NAMES or _looks_like_email(t):
        t = ""
    if not t:
        return _Field("", (), "", "", "", ())
    segs, suffix = _split_commas(t)
    toks = " ".join(segs).split()
    toks, sfx = _strip_suffix_tokens(_strip_titles(toks) if is_first else toks)
    suffix = suffix or sfx
    if is_first:
        first, mi = _given(toks)
        return _Field(t, tuple(toks), suffix, first, mi, ())
    last, core = _surname(toks)
    return _Field(t, tuple(toks), suffix, last, "", core)


@lru_cache(maxsize=4_096)
def parse_name(name: str | None, first_name: str | None = None, last_name: str | None = None) -> ParsedName:
    """Parse a record's name: the separate first/last fields when present (LinkedIn, address books), else the
    display name. The fields are cleaned the same way (``last_name = "Doe, MBA 🚀"`` -> ``doe``); each field
    value is parsed once (first and last names repeat a lot)."""
    f = _field(first_name, True)
    la = _field(last_name, False)
    if not f.text and not la.text:
        return parse_display_name(name)
    if f.text and not la.text:
        return parse_display_name(f.text)
    if not f.key and not la.key:
        return parse_display_name(name)
    display = " ".join([*f.tokens, *la.tokens])
    if name and f.tokens and la.tokens and _family_first(name, "".join(f.tokens), "".join(la.tokens)):
        display = " ".join(name.split())  # as the source writes it: 张三, 山田 太郎 (not 三 张)
    return ParsedName(first=f.key, middle_initial=f.extra, last=la.key, last_tokens=la.core,
                      suffix=la.suffix or f.suffix, display=display)


def _family_first(name: str, given: str, family: str) -> bool:
    """Does the display name ``name`` write the family name before the given name (``张三`` for 张 / 三, ``山田 太郎``,
    ``Kovács János``), spaces apart? Then it is shown as written rather than given name first."""
    compact = "".join(name.split())
    return compact == family + given and compact != given + family


#: display names of ASCII letters that :func:`parse_display_name` reads without any of its special cases (when no
#: word is a title, a suffix, a credential, a particle between the names or written in capitals, and the name
#: is no placeholder): "Jane Doe", "Jane Ann Doe" (given names, then the surname), "Doe, Jane";
#: :func:`parse_name_frame` reads these with column expressions
_WORDS_NAME = r"^[A-Za-z]+( [A-Za-z]+)+$"
_CAPITALS_WORD = r"(^| )[A-Z]{2,}( |$)"
_LAST_FIRST_NAME = r"^[A-Za-z]+, [A-Za-z]+$"
_MAX_FAST_WORDS = 6
#: a superset of the ASCII names ``_SUFFIX_IN_NAME`` matches (case-insensitive, no word boundaries): a column
#: pre-filter (the other names are all searched in Python: case folding differs outside ASCII)
_SUFFIX_CANDIDATE = r"(?i)jr|sr|ii|iv"
_SUFFIX_IN_NAME = re.compile(r"\b(jr|sr|ii|iii|iv)\b", re.IGNORECASE)  # a display name that may carry a suffix

_PARSED_SCHEMA = {"first": pl.String, "mi": pl.String, "last": pl.String, "last_toks": pl.String,
                  "suffix": pl.String, "display": pl.String}


def is_ascii_expr(s: pl.Expr) -> pl.Expr:
    """Whether each string is ASCII: as many bytes as characters (what ``^[\x00-\x7f]*$`` matches, without a
    regex)."""
    return s.str.len_bytes() == s.str.len_chars()


def _parsed_row(p: ParsedName) -> tuple[str, str, str, str, str, str]:
    return p.first, p.middle_initial, p.last, " ".join(p.last_tokens), p.suffix, p.display


def _parse_display_frame(names: pl.Series) -> pl.DataFrame:
    """(name, first, mi, last, last_toks, suffix, display): :func:`parse_display_name` of every distinct
    ``names`` value, the plain ASCII names (``_WORDS_NAME``, ``_LAST_FIRST_NAME``) as columns, the others in
    Python."""
    d = pl.DataFrame({"name": names}).unique()
    name, low = pl.col("name"), pl.col("name").str.to_lowercase()
    titles, particles = sorted(TITLES), sorted(PARTICLES)
    ends = sorted(set(GEN_SUFFIXES) | CREDENTIALS)
    # "Jane Ann Doe": given names, then the surname (the second word gives the middle initial; the middle words
    # are surname tokens too)
    lw = low.str.split(" ")
    n, first_w, last_w = lw.list.len(), lw.list.first(), lw.list.last()
    middle = lw.list.slice(1, n - 2)
    words = (name.str.contains(_WORDS_NAME) & ~name.str.contains(_CAPITALS_WORD) & (n <= _MAX_FAST_WORDS)
             & ~first_w.is_in(titles) & ~last_w.is_in(ends) & ~low.is_in(sorted(_PLACEHOLDER_NAMES))
             # a middle word (between two spaces: the name is single-spaced words) that is a particle
             & ~low.str.contains(" (?:" + "|".join(re.escape(x) for x in particles if " " not in x) + ") "))
    # "Doe, Jane"
    parts = low.str.split(", ")
    given_w, sur_w = parts.list.last(), parts.list.first()
    last_first = name.str.contains(_LAST_FIRST_NAME) & ~given_w.is_in(ends)
    # (form 1: two words, 3: more -- a two-word name has no middle words to read)
    d = d.with_columns(pl.when(words.fill_null(False)).then(pl.when(n == 2).then(pl.lit(1)).otherwise(pl.lit(3)))
                       .when(last_first.fill_null(False)).then(pl.lit(2)).otherwise(pl.lit(0)).alias("form"))

    def core(last: pl.Expr) -> pl.Expr:
        return pl.when(~last.is_in(particles) & (last.str.len_chars() > 1)).then(last)

    two_words = d.filter(pl.col("form") == 1).select(
        "name", first_w.alias("first"), pl.lit("").alias("mi"), last_w.alias("last"),
        core(last_w).fill_null("").alias("last_toks"), pl.lit("").alias("suffix"), name.alias("display"))
    fast_words = d.filter(pl.col("form") == 3).select(
        "name", first_w.alias("first"),
        pl.when(n >= 3).then(lw.list.get(1).str.slice(0, 1)).otherwise(pl.lit("")).alias("mi"),
        last_w.alias("last"),
        pl.concat_list(middle.list.eval(pl.element().filter(pl.element().str.len_chars() > 1)), core(last_w))
        .list.drop_nulls().list.unique().list.sort().list.join(" ").alias("last_toks"),
        pl.lit("").alias("suffix"), name.alias("display"))
    fast_comma = d.filter(pl.col("form") == 2).select(
        "name", given_w.alias("first"), pl.lit("").alias("mi"), sur_w.alias("last"),
        core(sur_w).fill_null("").alias("last_toks"), pl.lit("").alias("suffix"),
        pl.concat_str(name.str.split(", ").list.last(), name.str.split(", ").list.first(), separator=" ")
        .alias("display"))
    rest = d.filter(pl.col("form") == 0).get_column("name").to_list()
    slow = pl.DataFrame([(n, *_parsed_row(parse_display_name(n))) for n in rest],
                        schema={"name": pl.String, **_PARSED_SCHEMA}, orient="row")
    return pl.concat([two_words, fast_words, fast_comma, slow])


def parse_name_frame(trip: pl.DataFrame) -> pl.DataFrame:
    """:func:`parse_name` of every row of ``trip`` (name, first_name, last_name), as the columns first, mi,
    last, last_toks (space-separated), suffix, display, in the order of ``trip``; the suffix also taken from
    the display name when separate name fields are given and drop it ("Sr."). Each distinct field value and
    display name is parsed once; the plain ASCII display names are read as columns."""
    fields = []
    for col, is_first in (("first_name", True), ("last_name", False)):
        vals = trip.get_column(col).drop_nulls().unique().to_list()
        rows = [(v, x.text, x.suffix, x.key, x.extra, " ".join(x.core), " ".join(x.tokens))
                for v in vals for x in (_field(v, is_first),)]
        fields.append(pl.DataFrame(rows, schema={col: pl.String, "text": pl.String, "sfx": pl.String,
                                                  "key": pl.String, "extra": pl.String, "core": pl.String,
                                                  "toks": pl.String}, orient="row"))
    empty = {"text": "", "sfx": "", "key": "", "extra": "", "core": "", "toks": ""}
    t = trip.with_row_index("_row") \
        .join(fields[0], on="first_name", how="left", maintain_order="left") \
        .join(fields[1], on="last_name", how="left", maintain_order="left", suffix="_ln") \
        .with_columns(*[pl.col(c).fill_null(v) for c, v in empty.items()],
                      *[pl.col(c + "_ln").fill_null(v) for c, v in empty.items()])
    # which string is parsed as a display name (parse_name's order of cases), or none (the fields are used)
    src = (pl.when((pl.col("text") == "") & (pl.col("text_ln") == "")).then(pl.col("name"))
           .when(pl.col("text_ln") == "").then(pl.col("text"))
           .when((pl.col("key") == "") & (pl.col("key_ln") == "")).then(pl.col("name")))
    by_fields = (pl.col("text_ln") != "") & ((pl.col("key") != "") | (pl.col("key_ln") != ""))
    t = t.with_columns(src.alias("_src"), by_fields.alias("_fields"))
    disp = _parse_display_frame(t.filter(~pl.col("_fields")).get_column("_src").drop_nulls())
    shown = pl.concat_str(pl.col("toks"), pl.col("toks_ln"), separator=" ")
    # (a display name written family name first, spaces apart, is shown as written: see _family_first)
    compact_name = pl.col("name").str.replace_all(r"\s+", "")
    given, family = pl.col("toks").str.replace_all(" ", ""), pl.col("toks_ln").str.replace_all(" ", "")
    family_first = (compact_name == family + given) & (compact_name != given + family)
    from_fields = t.filter(pl.col("_fields")).select(
        "_row", pl.col("key").alias("first"), pl.col("extra").alias("mi"), pl.col("key_ln").alias("last"),
        pl.col("core_ln").alias("last_toks"),
        pl.when(pl.col("sfx_ln") != "").then(pl.col("sfx_ln")).otherwise(pl.col("sfx")).alias("suffix"),
        pl.when((pl.col("toks") != "") & (pl.col("toks_ln") != "") & family_first.fill_null(False))
        .then(pl.col("name").str.replace_all(r"\s+", " ").str.strip_chars())
        .when((pl.col("toks") != "") & (pl.col("toks_ln") != "")).then(shown)
        .otherwise(pl.concat_str(pl.col("toks"), pl.col("toks_ln"))).alias("display"))
    nothing = pl.DataFrame([_parsed_row(ParsedName())], schema=_PARSED_SCHEMA, orient="row")
    from_display = t.filter(~pl.col("_fields")).select("_row", "_src") \
        .join(disp, left_on="_src", right_on="name", how="left", maintain_order="left") \
        .with_columns(*[pl.col(c).fill_null(nothing.item(0, c)) for c in _PARSED_SCHEMA]).drop("_src")
    out = pl.concat([from_fields, from_display.select(from_fields.columns)]).sort("_row")
    # a card's separate name fields may drop the "Sr." that its display name carries
    late = out.join(trip.with_row_index("_row"), on="_row").filter(
        (pl.col("suffix") == "")
        & (pl.col("name").str.contains(_SUFFIX_CANDIDATE) | ~is_ascii_expr(pl.col("name")))
        & ((pl.col("first_name").fill_null("") != "") | (pl.col("last_name").fill_null("") != "")))
    fix = [(row, sfx) for row, n in late.select("_row", "name").rows()
           if _SUFFIX_IN_NAME.search(n) and (sfx := parse_name(n).suffix)]
    if fix:
        sf = pl.DataFrame(fix, schema={"_row": pl.UInt32, "_sfx": pl.String}, orient="row")
        out = out.join(sf, on="_row", how="left", maintain_order="left") \
            .with_columns(pl.coalesce("_sfx", "suffix").alias("suffix")).drop("_sfx")
    return out.drop("_row")


# --------------------------------------------------------------------------------------------------------------
# Nicknames (one hop, symmetric)
# --------------------------------------------------------------------------------------------------------------

def is_short_form(a: str, b: str, min_len: int = 3) -> bool:
    """One name is a clipped form of the other ("nat" ~ "natalie", "fran" ~ "francesca"): the short one has at
    least ``min_len`` letters and the long one at least two more (so "paul"/"paula", "eric"/"erica" are not)."""
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= min_len and len(long_) >= len(short) + 2 and long_.startswith(short)


class Nicknames:
    """The one-hop, symmetric nickname relation: ``bob ~ robert`` and ``robert ~ bob`` but never
    ``robert ~ william`` through ``bill``. Built from the ``nicknames`` package and ``data/nicknames_extra.csv``."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        nb: dict[str, set[str]] = {}
        keys: dict[str, str] = {}  # each name's key once (a plain lower-case ASCII word is its own key)

        def name_key(v: str) -> str:
            k = keys.get(v)
            if k is None:
                k = keys[v] = v if v.isascii() and v.isalpha() and v.islower() else key(v).replace(" ", "")
            return k

        for a, b in pairs:
            a, b = name_key(a), name_key(b)
            if a and b and a != b:
                nb.setdefault(a, set()).add(b)
                nb.setdefault(b, set()).add(a)
        self._nb: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in nb.items()}
        #: what :meth:`pairs`, :meth:`pairs_frame` and :meth:`spelled_pairs_frame` return, made on first use (the
        #: relation never changes: identity reads them at every run)
        self._pairs: tuple[tuple[str, str], ...] | None = None
        self._frames: dict[str, pl.DataFrame] = {}

    @classmethod
    def default(cls) -> Nicknames:
        """The package list plus the project's international short forms (cached)."""
        return _default_nicknames()

    def neighbours(self, name: str) -> frozenset[str]:
        """Names one hop away from ``name`` (a comparison key)."""
        return self._nb.get(name, frozenset())

    def related(self, a: str, b: str) -> bool:
        """True if ``a`` and ``b`` (comparison keys) are one nickname hop apart."""
        return b in self._nb.get(a, ())

    def pairs(self) -> list[tuple[str, str]]:
        """Every ordered (name, neighbour) pair, sorted."""
        if self._pairs is None:
            self._pairs = tuple(sorted((a, b) for a, v in self._nb.items() for b in v))
        return list(self._pairs)

    def pairs_frame(self) -> pl.DataFrame:
        """:meth:`pairs` as a frame (first_l, first_r), in that order."""
        if "pairs" not in self._frames:
            # sorted by polars (keys are ASCII: byte order is Python's order), not as 27,000 Python tuples
            left = [a for a, v in self._nb.items() for _ in v]
            right = [b for v in self._nb.values() for b in v]
            self._frames["pairs"] = pl.DataFrame({"first_l": left, "first_r": right},
                                                 schema={"first_l": pl.String, "first_r": pl.String}) \
                .sort(["first_l", "first_r"])
        return self._frames["pairs"]

    def spelled_pairs_frame(self) -> pl.DataFrame:
        """(first, nick): the pairs of :meth:`pairs` whose neighbour an address can spell (two letters or more,
        letters only), in that order."""
        if "spelled" not in self._frames:
            # (from the pairs' frame, in its order; the keys are ASCII, so isalpha() is [A-Za-z]+)
            self._frames["spelled"] = self.pairs_frame().filter(
                (pl.col("first_r").str.len_chars() >= 2) & pl.col("first_r").str.contains(r"^[A-Za-z]+$")) \
                .select(pl.col("first_l").alias("first"), pl.col("first_r").alias("nick"))
        return self._frames["spelled"]

    def __len__(self) -> int:
        return len(self._nb)


@lru_cache(maxsize=1)
def _default_nicknames() -> Nicknames:
    from nicknames import name_triplets

    pairs = [(t.name1, t.name2) for t in name_triplets()]
    text = resources.files("analyzer").joinpath("data/nicknames_extra.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        pairs.append((row["name"], row["nickname"]))
    return Nicknames(pairs)


# --------------------------------------------------------------------------------------------------------------
# Emails
# --------------------------------------------------------------------------------------------------------------

ROLE_LOCALS = frozenset(_words("""
info sales support hello hi hey team contact contacts contactus admin administrator office jobs job careers career
hr billing noreply no-reply no_reply donotreply do-not-reply do_not_reply notifications notification notify
newsletter newsletters news marketing press media help helpdesk service services customerservice customercare
care accounts account accounting finance invoices invoice orders order postmaster webmaster hostmaster abuse
security privacy legal mailer-daemon mailerdaemon bounce bounces enquiries enquiry inquiries inquiry feedback
reception recruiting recruitment recruiter talent partners partnerships events community founders everyone
all staff devops it ops root system alerts alert updates digest reply mail email list lists membership members
subscriptions subscribe unsubscribe welcome general studio shop store booking bookings reservations
"""))
_ROLE_PREFIXES = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "bounce", "mailer-daemon",
                  "notification", "newsletter", "automated", "auto-confirm", "autoconfirm")

WEBMAIL_DOMAINS = frozenset(_words("""
gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es live.com
live.co.uk live.fr live.de msn.com passport.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it yahoo.ca
yahoo.com.au yahoo.co.in yahoo.co.jp yahoo.com.br ymail.com rocketmail.com icloud.com me.com mac.com aol.com aim.com
proton.me protonmail.com protonmail.ch pm.me gmx.com gmx.net gmx.de gmx.at gmx.ch gmx.fr web.de t-online.de
freenet.de arcor.de posteo.de posteo.net mailbox.org mail.ru inbox.ru list.ru bk.ru yandex.ru yandex.com ya.ru
zoho.com zohomail.com fastmail.com fastmail.fm hey.com tutanota.com tutanota.de tuta.io qq.com 163.com 126.com
sina.com sohu.com naver.com daum.net hanmail.net orange.fr wanadoo.fr free.fr laposte.net sfr.fr neuf.fr libero.it
virgilio.it tiscali.it alice.it btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net comcast.net
verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net earthlink.net optonline.net mail.com email.com
inbox.com seznam.cz centrum.cz wp.pl o2.pl interia.pl onet.pl op.pl rediffmail.com bigpond.com optusnet.com.au
shaw.ca rogers.com sympatico.ca telus.net uol.com.br bol.com.br terra.com.br hushmail.com lavabit.com
"""))
_WEBMAIL_LABELS = frozenset({"gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "ymail", "icloud", "aol",
                             "gmx", "protonmail", "proton", "yandex", "zoho", "fastmail", "tutanota", "mail"})
_SLD = frozenset({"co", "com", "ac", "org", "net", "gov", "edu", "ne", "or", "go", "gob", "nic", "mil", "ltd", "plc"})


_ROLE_TOKENS = frozenset({"noreply", "donotreply", "notifications", "notification", "notify", "newsletter",
                          "newsletters", "alerts", "alert", "digest", "bounce", "bounces", "mailer", "daemon",
                          "postmaster", "automated", "autoreply", "updates", "info", "support", "team", "sales",
                          "billing", "invoices", "jobs", "careers"})


def is_role_local(local: str) -> bool:
    """True for shared/role mailboxes (info@, sales@, noreply@, messages-noreply@, team.eu@ ...) that identify
    no single person."""
    base = local.split("+", 1)[0].lower()
    if base in ROLE_LOCALS or base.startswith(_ROLE_PREFIXES):
        return True
    compact = _SEP.sub("", base)
    if "noreply" in compact or "donotreply" in compact or "mailerdaemon" in compact:
        return True
    return bool(set(_SEPS.split(base)) & _ROLE_TOKENS)


def role_local_expr(base: pl.Expr) -> pl.Expr:
    """:func:`is_role_local` of ASCII local parts already without their ``+tag`` and lower-cased, as an
    expression (of a column: it is read several times)."""
    compact = base.str.replace_all(_SEP.pattern, "")
    # each test one regex search (a prefix; a role word between separators or the ends: one of the words that
    # split on separators), not a dozen starts_with and a list of words per local part
    prefixes = "|".join(re.escape(p) for p in _ROLE_PREFIXES)
    words = "|".join(re.escape(t) for t in sorted(_ROLE_TOKENS))
    return (base.is_in(sorted(ROLE_LOCALS))
            | base.str.contains(f"^(?:{prefixes})")
            | compact.str.contains("noreply|donotreply|mailerdaemon")
            | base.str.contains(f"(?:^|[-_.])(?:{words})(?:[-_.]|$)"))


def is_webmail(domain: str) -> bool:
    """True for consumer mail providers (gmail, outlook, yahoo, icloud, proton, gmx, web.de ...)."""
    d = domain.lower()
    if d in WEBMAIL_DOMAINS:
        return True
    core = _core_label(d)
    return core in _WEBMAIL_LABELS and core != "mail"


def webmail_labels() -> tuple[str, ...]:
    """The main labels of the consumer mail providers (``gmail``, ``web`` for web.de, ...), sorted."""
    return tuple(sorted({_core_label(d) for d in WEBMAIL_DOMAINS} | _WEBMAIL_LABELS))


def _core_label(domain: str) -> str:
    """The registrable label: ``eng.acme.co.uk`` -> ``acme``, ``acme.com`` -> ``acme``."""
    labels = [x for x in domain.split(".") if x]
    if len(labels) < 2:
        return ""
    return labels[-3] if len(labels) >= 3 and labels[-2] in _SLD and len(labels[-1]) == 2 else labels[-2]


@lru_cache(maxsize=100_000)
def domain_token(domain: str) -> str:
    """The organisation label of a (non-webmail) domain: ``eng.acme-corp.co.uk`` -> ``acme-corp``; '' for webmail."""
    if not domain or is_webmail(domain):
        return ""
    core = _core_label(domain.lower())
    return _NON_LABEL.sub("", anyascii(core).lower()).strip("-")


@dataclass(frozen=True)
class EmailInfo:
    """Identity facts of one (normalised) address."""

    email: str  # normalised address
    local: str  # local part, +tag removed
    domain: str
    role: bool  # info@, sales@ ... : not an identity
    webmail: bool
    org: str  # organisation label of the domain ('' for webmail), e.g. "acme-corp"
    local_alpha: str  # local part letters only ("john.smith2" -> "johnsmith")
    local_key: str  # local part without separators, digits kept ("john.smith2" -> "johnsmith2")
    hint_first: str  # name hint from "john.smith" / "j.smith" ('' if the local part does not split)
    hint_last: str


def local_name_hint(local: str) -> tuple[str, str]:
    """(first, last) read from a local part that splits into two words, ``john.smith`` / ``j_smith2`` ->
    ("john", "smith"); ("", "") otherwise. Call it on the address as written: normalisation drops Gmail's
    dots."""
    parts = [p for p in _SEPS.split(_DIGITS.sub("", local.split("+", 1)[0].lower())) if p]
    if len(parts) == 2 and parts[1].isalpha() and len(parts[1]) >= 2 and parts[0].isalpha():
        return parts[0], parts[1]
    return "", ""


def local_name_parts(local: pl.Expr) -> pl.Expr:
    """The words :func:`local_name_hint` reads from ASCII local parts, as an expression: a list per local part
    (to be materialised, then read by :func:`local_name_hint_exprs`)."""
    return local.str.extract(r"^([^+]*)", 1).str.to_lowercase().str.replace_all("[0-9]+", "") \
        .str.extract_all(r"[^-_.]+")


def local_name_hint_exprs(parts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """:func:`local_name_hint` (first, last) of ASCII local parts, as two expressions of their
    :func:`local_name_parts` (a column)."""
    p0, p1 = parts.list.get(0, null_on_oob=True), parts.list.get(1, null_on_oob=True)
    ok = ((parts.list.len() == 2) & p1.str.contains("^[a-z]{2,}$") & p0.str.contains("^[a-z]+$")).fill_null(False)
    return pl.when(ok).then(p0).otherwise(pl.lit("")), pl.when(ok).then(p1).otherwise(pl.lit(""))


@lru_cache(maxsize=65_536)
def email_info(normalised: str) -> EmailInfo:
    """:class:`EmailInfo` of an address already normalised with :func:`analyzer.normalize.normalize_email`."""
    local, _, domain = normalised.rpartition("@")
    local = local.split("+", 1)[0]
    role = is_role_local(local)
    web = is_webmail(domain)
    hf, hl = ("", "") if role else local_name_hint(local)
    return EmailInfo(email=normalised, local=local, domain=domain, role=role, webmail=web,
                     org="" if web else domain_token(domain), local_alpha=_NON_ALPHA.sub("", local.lower()),
                     local_key=_SEPS.sub("", local.lower()),
                     hint_first=hf, hint_last=hl)


def name_patterns(first: str, last: str) -> tuple[str, ...]:
    """Email local parts (letters only) that a person called ``first last`` commonly uses:
    johnsmith, jsmith, smithjohn, smithj, john.s -> johns."""
    if len(first) < 2 or len(last) < 2:
        return ()
    f0 = first[0]
    return tuple(sorted({first + last, f0 + last, last + first, last + f0, first + last[0]}))


# --------------------------------------------------------------------------------------------------------------
# Companies
# --------------------------------------------------------------------------------------------------------------

LEGAL_SUFFIXES = frozenset(_words("""
inc incorporated llc llp lp ltd limited gmbh mbh sa ag plc co corp corporation company companies pty pvt private
bv nv srl spa sarl sas sasu oy oyj ab asa kg kgaa ohg ug se sl slu kk pte sdn bhd ltda cv sro spzoo zoo sp
eurl gbr ev eg doo dd ad jsc pjsc oao ooo zao pc pllc lllp
"""))
_NULL_COMPANIES = frozenset({"selfemployed", "self", "freelance", "freelancer", "freelancing", "independent",
                             "independentconsultant", "selfemployedconsultant", "none", "na", "null", "unemployed",
                             "retired", "student", "stealth", "stealthmode", "stealthstartup", "confidential",
                             "opentowork", "lookingfornewopportunities", "various", "private", "home",
                             "careerbreak", "sabbatical", "unknown", "n", "me", "myself", "own", "ownbusiness"})
GENERIC_COMPANY_WORDS = frozenset(_words("""
the a an of and for university universidad universite universita universitat college school institute
institut national international global american united first general new royal state city county department
ministry government hospital center centre group digital data tech technology technologies software
solutions consulting consultants services capital partners ventures health healthcare medical energy financial
finance media systems labs lab studio studios network networks foundation association society council agency
office us uk european euro china india deutsche banco banque bank credit pacific atlantic north south east west
central northern southern western eastern open smart blue green red big little great next true one all best
investment investments management holdings holding industries industrial enterprises enterprise international
world worldwide creative design marketing communications consulting advisory research sciences science trust
"""))


@lru_cache(maxsize=100_000)
def company_key(value: str | None) -> str:
    """Normalised company name joined without spaces ('' if none): legal suffixes stripped (twice), leading
    "The" dropped, "Self-employed"/"Freelance" -> ''. ``"The Acme Co., Ltd."`` -> ``acme``."""
    toks = _company_tokens(value)
    return "".join(toks)


def _company_tokens(value: str | None) -> list[str]:
    if not value:
        return []
    s = clean_display_name(value)
    s = anyascii(s).lower().replace("&", " and ")
    s = _ABBREV_DOTS.sub("", s)  # s.a. -> sa, b.v. -> bv
    toks = [t for t in _NON_ALNUM.split(s) if t]
    if "".join(toks) in _NULL_COMPANIES or not toks:
        return []
    for _ in range(3):
        while len(toks) > 1 and toks[-1] in LEGAL_SUFFIXES:
            toks = toks[:-1]
    if len(toks) > 1 and toks[0] == "the":
        toks = toks[1:]
    if "".join(toks) in _NULL_COMPANIES:
        return []
    return toks


@lru_cache(maxsize=100_000)
def company_tokens(value: str | None) -> tuple[str, ...]:
    """Tokens under which a company can agree with another company or an email domain: the joined key
    (``acmewidgets`` for "Acme Widgets Inc.") and, with 3+ words, the acronym (``mit``). Agreement with a
    domain label is also checked by prefix (``northwind`` ~ ``northwindlogistics.com``), see
    :func:`token_prefixes`."""
    toks = _company_tokens(value)
    if not toks:
        return ()
    out = {"".join(toks)}
    words = [t for t in toks if t not in {"of", "and", "the", "for", "a", "an", "de", "la"}]
    if len(words) >= 3:
        out.add("".join(t[0] for t in words))
    return tuple(sorted(out))


MIN_PREFIX = 4


def is_generic_company(token: str) -> bool:
    """A token too generic to agree with another by prefix ("digital" ~ "digitalocean")."""
    return token in GENERIC_COMPANY_WORDS or len(token) < MIN_PREFIX


#: Prefixes longer than this are not made (a company "name" of 800 letters made 320,000 letters of prefixes
#: per record: 4 GB for 5,000 connections); no real company or domain token needs one.
MAX_PREFIX = 40


def token_prefixes(token: str, min_len: int = MIN_PREFIX) -> tuple[str, ...]:
    """Proper prefixes of a company/domain token of at least ``min_len`` letters: a token agrees with another
    when one is a prefix of the other (``acme`` ~ ``acmewidgets``, ``clearpathconsulti`` ~
    ``clearpathconsulting`` for a truncated domain). None ends inside a number: ``company1`` is not a prefix of
    ``company10`` (numbered domains of different employers made one company, and 111 namesakes one person)."""
    return tuple(token[:k] for k in range(min_len, min(len(token), MAX_PREFIX))
                 if not (token[k - 1].isdigit() and token[k].isdigit()))


@lru_cache(maxsize=100_000)
def domain_tokens(org: str) -> tuple[str, ...]:
    """Company tokens of an organisation label from a domain: ``acme-corp`` -> (acme, acmecorp)."""
    if not org:
        return ()
    return tuple(sorted({org.replace("-", ""), *company_tokens(org.replace("-", " "))}))
