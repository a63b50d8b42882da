"""The signature block at the end of a message, read as identity evidence: a LinkedIn profile URL, the sender's
full name (a native name above an English work name, or ``Kaiwen (Kevin) Zhang``) and a ``Title | Company``
line. Nothing of the body is kept: a message gives at most these four short values, and a sender record the
most frequent of each over its messages (:func:`most_frequent_signature`).

Precision over recall (wrong evidence causes false merges), and cheap (SPEC §9): no MIME parse of every
message, but numpy over the lines of the pieces the mbox reader already holds
(:class:`~analyzer.ingest.mail.mbox_scan.PieceLines`), in :func:`read_signatures`, per piece:

1. The text of a message: its body when it is ``text/plain`` (or has no Content-Type), else the first
   ``text/plain`` part of a ``multipart/*`` body, found among its first ``_PART_HEAD`` lines, up to the next
   MIME boundary line (read up to ``_MAX_TEXT`` lines: a part that does not end by then is skipped). HTML-only
   messages and base64 text are skipped (no tag-stripping guesses), and so is bulk mail (List-Id,
   List-Unsubscribe, Precedence, Auto-Submitted: a newsletter's footer is nobody's signature). Quoted-printable
   text is decoded (soft line breaks, ``=20``, ``=C3=A9``), in Python, for those messages only.
2. The text stops at the first line that starts what the sender quotes or forwards: an attribution
   (``On ... wrote:``, ``... schrieb Name <address>:``, ``a écrit :``, ``escribió:``, ``Begin forwarded
   message:``), ``-----Original Message-----``, ``---------- Forwarded message ---------``, a line of
   underscores, an Outlook header block (``From:``, ``Von:``, ``De :`` ...). Lines starting with ``>`` are
   never read. So the owner's signature quoted in a reply is never attributed to the sender; the price is that
   a bottom-posted reply's own signature, below the attribution line, is not read either.
3. The signature: the lines after the last ``-- `` delimiter (``--=20`` in quoted-printable) of the text, else
   its last ``WINDOW`` non-blank, non-quoted lines; lines of at most ``_MAX_LINE`` bytes that do not end like a
   sentence or a greeting (``!?,;:``) are kept per message (a List column, the only body text that leaves a
   piece, dropped once the evidence is read).

Then, for the whole file at once (:func:`signature_evidence`: Rust regexes over the kept lines, Python once per
DISTINCT line):

* ``sig_linkedin_url``: a ``linkedin.com/in/<slug>`` URL (with or without scheme, country subdomains) on a line
  of its own or with a short label (``LinkedIn: ...``), not inside a sentence; canonicalised.
* ``sig_title``, ``sig_company``: the first title line (:func:`title_line`: ``Title | Company``, ``Title,
  Company``, ``Title at Company``, ``Title – Company``; the title has a job word, both sides are short and
  capitalised, the line has no sentence punctuation, the company has no job word).
* ``sig_name``: a name line (two to four capitalised words, no closing such as "Best Regards", no job or company
  word) written ``Given (English) Family``; else the first of two consecutive name lines that share a word (the
  native form above the English work name: ``Zhang Kaiwen`` above ``Kevin Zhang``; kept as written); else the
  name line just above the title line or just after the ``-- `` delimiter. A name is only read in a signature
  that has a title line or a delimiter (or the parenthesised form).

Other mail formats (Outlook, Thunderbird and message-trace CSVs) carry no signature evidence.
"""

from __future__ import annotations

import binascii
import re
from functools import lru_cache

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.ingest.mail.mbox_scan import PieceLines, _binary_spans, _span_array, int64_arrow
from analyzer.normalize import canonical_linkedin_urls

#: The evidence columns, as in RECORDS.
SIG_COLUMNS = ("sig_name", "sig_title", "sig_company", "sig_linkedin_url")
#: Non-blank, non-quoted lines read at the end of a message's text when it has no ``-- `` delimiter (and at
#: most this many after one).
WINDOW = 15
#: Lines at the start of a multipart body where its text/plain part's headers are looked for.
_PART_HEAD = 12
#: Lines of a multipart body's text part that are read (the HTML part or attachments after it are not).
_MAX_TEXT = 400
#: Longer lines are prose, not signature lines (bytes, before quoted-printable decoding: its lines are longer).
_MAX_LINE = 120

_LF, _GT, _DASH, _US, _SP, _COLON = 10, 62, 45, 95, 32, 58
#: A line ending with one of these is a sentence or a greeting, not a signature line.
_NOT_LAST = np.frombuffer(b"!?,;:", dtype=np.uint8)


def no_signature_lines(n: int) -> pl.DataFrame:
    """What :func:`read_signatures` gives for ``n`` messages without signature lines."""
    return pl.DataFrame([pl.Series("sig_lines", [None] * n, dtype=pl.List(pl.String())),
                         pl.Series("sig_dashed", [False] * n, dtype=pl.Boolean())])


# ------------------------------------------------------------------------------------------------------------
# Lines: byte tests over many lines at once
# ------------------------------------------------------------------------------------------------------------


def _window(arr: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """``width`` bytes from each offset ``at`` (rows; bytes past the end of ``arr`` read as 0)."""
    idx = at[:, None] + np.arange(width)
    out = arr[np.minimum(idx, len(arr) - 1)]
    out[idx >= len(arr)] = 0
    return out


def _words8(arr: np.ndarray) -> np.ndarray:
    """Every 8-byte little-endian word of ``arr`` (a view, one per offset; the last 7 offsets have none)."""
    return np.ndarray((max(len(arr) - 7, 0),), dtype="<u8", buffer=arr, strides=(1,))


def _has_at(arr: np.ndarray, pos: np.ndarray, text: bytes, fold: bool = False) -> np.ndarray:
    """Which offsets ``pos`` of ``arr`` hold ``text`` (``fold``: ASCII case-insensitively, ``text`` in lower
    case), as a mask. Compared 8 bytes at a time, each word only for the offsets still matching."""
    out = np.zeros(len(pos), dtype=bool)
    idx = np.flatnonzero(pos + 8 * ((len(text) + 7) // 8) <= len(arr))
    at = pos[idx]
    words = _words8(arr)
    for j in range(0, len(text), 8):
        if not len(idx):
            break
        chunk = text[j: j + 8]
        key = np.uint64(int.from_bytes(chunk.ljust(8, b"\0"), "little"))
        mask = np.uint64((1 << (8 * len(chunk))) - 1)
        w = words[at + j]
        if fold:
            w = w | np.uint64(0x2020202020202020)
        hit = (w & mask) == key
        idx, at = idx[hit], at[hit]
    out[idx] = True
    return out


def _starts_with(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, prefix: bytes,
                 fold: bool = False) -> np.ndarray:
    """Which lines ``rows`` start with ``prefix`` (``fold``: ASCII case-insensitively, ``prefix`` lower case)."""
    rows = rows[ends[rows] - starts[rows] >= len(prefix)]
    return rows[_has_at(arr, starts[rows], prefix, fold)]


def _ends_with(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, suffix: bytes) -> np.ndarray:
    """Which lines ``rows`` end with ``suffix``."""
    rows = rows[ends[rows] - starts[rows] >= len(suffix)]
    return rows[_has_at(arr, ends[rows] - len(suffix), suffix)]


# Attribution lines of a reply or forward: the text below them is someone else's.
_ATTRIBUTION_ENDS = (b"wrote:", b"schrieb:", b"crit :", b"crit:", b"escribi\xc3\xb3:", b"forwarded message:",
                     b"scritto:", b"escreveu:", b">:", b"> :")
# Outlook's header block of the message replied to (English and the common translations).
_HEADER_STARTS = (b"From:", b"*From:*", b"Von:", b"De:", b"De :", b"Da:", b"Van:", b"Fra:", b"Fr\xc3\xa5n:")


def _validity(arrow: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Which values of ``arrow`` are not null, read from its validity bitmap (pyarrow's ``to_numpy`` of a
    boolean array imports pandas, half a second holding the GIL, on its first use)."""
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    n = len(arrow)
    bitmap = arrow.buffers()[0]
    if bitmap is None or arrow.null_count == 0:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[arrow.offset: arrow.offset + n].astype(bool)


def _value_bytes(values: pl.Series) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The bytes of a String column (all values end to end) and each value's start offset, and which values are
    null: from its Arrow buffers, without a polars computation."""
    arrow = values.to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    arrow = arrow.cast(pa.large_string())
    nulls = ~_validity(arrow)
    _, offsets, data = arrow.buffers()
    n = len(arrow)
    offs = np.frombuffer(offsets, dtype=np.int64)[arrow.offset: arrow.offset + n + 1] if offsets else np.zeros(n + 1,
                                                                                                              np.int64)
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    # room to read whole words past the last value
    return (np.concatenate([raw[: offs[-1]], np.zeros(16, np.uint8)]), offs), nulls


def _value_starts(values: tuple[np.ndarray, np.ndarray], prefix: bytes) -> np.ndarray:
    """Which values (from :func:`_value_bytes`) start with ``prefix`` (lower case), ASCII case-insensitively."""
    raw, offs = values
    long_enough = np.diff(offs) >= len(prefix)
    return long_enough & _has_at(raw, offs[:-1], prefix, fold=True)


def _word_candidates(arr: np.ndarray, pos: np.ndarray, texts: tuple[bytes, ...], tail: bool) -> list[np.ndarray]:
    """For each of ``texts``: which of the offsets ``pos`` may start it (``tail``: may end it, ``pos`` being the
    end), by one 8-byte word per offset (its first 8 bytes, or its last 8 with ``tail``). A necessary condition
    only, for a cheap pre-selection: offsets too close to either end of ``arr`` for a word are always kept."""
    words = _words8(arr)
    at = pos - 8 if tail else pos
    far = (at >= 0) & (at < len(words))
    w = words[np.where(far, at, 0)]
    out = []
    for text in texts:
        part = text[-8:] if tail else text[:8]
        key = int.from_bytes(part, "little")
        if tail:
            hit = (w >> np.uint64(8 * (8 - len(part)))) == np.uint64(key) if len(part) < 8 else w == np.uint64(key)
        else:
            hit = (w & np.uint64((1 << (8 * len(part))) - 1)) == np.uint64(key)
        out.append(np.flatnonzero(hit | ~far))
    return out


def _cut_lines(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, body: np.ndarray, first: np.ndarray,
               length: np.ndarray, last: np.ndarray | None = None) -> np.ndarray:
    """The lines of ``body`` (sorted; ``first`` byte, ``length`` and maybe ``last`` byte of each) where a text
    ends (sorted; a line may be given more than once): quoted or forwarded text begins, or a MIME boundary."""
    cuts = []
    # "--" then more, not a "-- " signature delimiter (nor its quoted-printable "--=20"): MIME boundaries,
    # "-----Original Message-----", "---------- Forwarded message ---------", "-------- Original Message ---"
    dd = np.flatnonzero((first == _DASH) & (length >= 4))
    if len(dd):
        at = starts[body[dd]]  # (lines of 4 bytes or more: their second and third bytes are in arr)
        dd = dd[(arr[at + 1] == _DASH) & (arr[at + 2] != _SP)]
        five = np.flatnonzero(length[dd] == 5)
        qp_dash = np.zeros(len(dd), dtype=bool)
        qp_dash[five] = _has_at(arr, starts[body[dd[five]]], b"--=20")
        cuts.append(body[dd[~qp_dash]])
    cuts.append(_starts_with(arr, starts, ends, body[first == _US], b"_____"))
    lead = np.zeros(256, dtype=bool)
    lead[[start[0] for start in _HEADER_STARTS]] = True
    led = body[lead[first]]
    # Each test on the few lines whose first (or last) 8 bytes allow it.
    for start, maybe in zip(_HEADER_STARTS, _word_candidates(arr, starts[led], _HEADER_STARTS, tail=False),
                            strict=True):
        cuts.append(_starts_with(arr, starts, ends, led[maybe], start))
    if last is None:
        last = np.where(length > 0, arr[np.maximum(ends[body] - 1, 0)], 0)
    colon = body[last == _COLON]
    if len(colon):
        suffixes = (*_ATTRIBUTION_ENDS, b"Begin forwarded message:")
        for suffix, maybe in zip(suffixes, _word_candidates(arr, ends[colon], suffixes, tail=True), strict=True):
            cuts.append(_ends_with(arr, starts, ends, colon[maybe], suffix))
    # (sorted, not made unique: only the first cut at or after a line is looked for)
    return np.sort(np.concatenate(cuts), kind="stable")


# ------------------------------------------------------------------------------------------------------------
# One piece: where each message's signature lines are
# ------------------------------------------------------------------------------------------------------------


def _next_at_or_after(sorted_rows: np.ndarray, at: np.ndarray, default: np.ndarray) -> np.ndarray:
    """For each ``at``: the first of ``sorted_rows`` >= it, else ``default`` (not capped at ``default``)."""
    if not len(sorted_rows):
        return default.copy()
    i = np.searchsorted(sorted_rows, at)
    return np.where(i < len(sorted_rows), sorted_rows[np.minimum(i, len(sorted_rows) - 1)], default)


def _last_before(sorted_rows: np.ndarray, before: np.ndarray, default: np.ndarray) -> np.ndarray:
    """For each ``before``: the last of ``sorted_rows`` < it, else ``default``."""
    if not len(sorted_rows):
        return default.copy()
    i = np.searchsorted(sorted_rows, before) - 1
    return np.where(i >= 0, sorted_rows[np.maximum(i, 0)], default)


def read_signatures(data: bytes | memoryview, lines: PieceLines, table: pl.DataFrame) -> pl.DataFrame:
    """The signature evidence of each message of a piece (one row per row of ``table``, which has the
    ``content-type`` and ``content-transfer-encoding`` headers): the :data:`SIG_COLUMNS`, null where a message
    has none. A :data:`~analyzer.ingest.mail.mbox_scan.BodyReader`."""
    n_msg = table.height
    arr, starts, ends = lines.arr, lines.starts, lines.ends
    bf, be = lines.body_first.astype(np.int64), lines.body_end.astype(np.int64)
    n_lines = len(starts)
    if n_msg == 0 or not (be > bf).any():
        return no_signature_lines(n_msg)

    # What each message is: multipart, plain text, quoted-printable or base64; bulk mail (List-Id,
    # Precedence ...: a newsletter's footer is no person's signature) is not read. In numpy over the values'
    # bytes: a polars call per piece would cost more than the whole reader (its threads wake for each).
    ctype, ctype_null = _value_bytes(table.get_column("content-type"))
    cte, _ = _value_bytes(table.get_column("content-transfer-encoding"))
    bulk = np.zeros(n_msg, dtype=bool)
    for col in ("list-id", "list-unsubscribe", "auto-submitted", "precedence"):
        bulk |= _validity(table.get_column(col).to_arrow())
    multipart = _value_starts(ctype, b"multipart/") & ~bulk
    plain = (ctype_null | _value_starts(ctype, b"text/plain")) & ~_value_starts(cte, b"base64") & ~bulk
    qp = _value_starts(cte, b"quoted-printable")

    r0, r1 = bf.copy(), be.copy()
    ok = plain.copy()
    # multipart: the first text/plain part, found among the first lines of the body (its own headers, after
    # the boundary line and maybe a nested multipart's header); the text runs to the next boundary line.
    mp = np.flatnonzero(multipart)
    if len(mp):
        head = bf[mp][:, None] + np.arange(_PART_HEAD)
        inside = head < be[mp][:, None]
        head = np.where(inside, head, n_lines - 1)
        h_len = np.where(inside, ends[head] - starts[head], -1)
        h_first = lines.first[head] | 0x20  # (only read on lines of 24 bytes or more)
        cand = np.flatnonzero(((h_first == ord("c")) & (h_len >= 24)).ravel())
        cand_rows = head.ravel()[cand]
        flat_ct = np.zeros(head.size, dtype=bool)
        flat_ct[cand[_has_at(arr, starts[cand_rows], b"content-type: text/plain", fold=True)]] = True
        flat_cte = np.zeros(head.size, dtype=bool)
        flat_cte[cand[_has_at(arr, starts[cand_rows], b"content-transfer-encoding:", fold=True)]] = True
        is_ct, is_cte = flat_ct.reshape(head.shape), flat_cte.reshape(head.shape)
        found = is_ct.any(axis=1)
        ct_at = np.argmax(is_ct, axis=1)
        at_col = np.arange(_PART_HEAD)
        blank_after = (h_len == 0) & (at_col > ct_at[:, None])
        has_blank = blank_after.any(axis=1)
        blank_at = np.argmax(blank_after, axis=1)
        # the part's own Content-Transfer-Encoding: a header line between its Content-Type and its blank line
        # (parts write it after the Content-Type; one written before it is not looked for)
        enc_rows = is_cte & (at_col > ct_at[:, None]) & (at_col < blank_at[:, None])
        has_enc = enc_rows.any(axis=1)
        enc_line = head[np.arange(len(mp)), np.argmax(enc_rows, axis=1)]
        enc = _window(arr, starts[enc_line] + len(b"content-transfer-encoding:"), 2)
        enc_first = np.where(enc[:, 0] == _SP, enc[:, 1], enc[:, 0]) | 0x20
        r0[mp] = head[np.arange(len(mp)), blank_at] + 1
        ok[mp] = found & has_blank & ~(has_enc & (enc_first == ord("b")))
        qp[mp] = has_enc & (enc_first == ord("q"))
    ok &= r1 > r0

    # The lines of each text (sorted), and what some of them are; a multipart text is read up to _MAX_TEXT lines
    # (one whose part does not end there is skipped), a plain one whole.
    r1 = np.minimum(r1, np.where(multipart, r0 + _MAX_TEXT, r1))
    read = np.flatnonzero(ok)
    count = r1[read] - r0[read]
    body = np.repeat(r0[read] - np.cumsum(count) + count, count) + np.arange(int(count.sum()), dtype=np.int64)
    length = ends[body] - starts[body]
    first = lines.first[body]  # 0 for an empty line

    # Stop at the first line of quoted or forwarded text (or the MIME boundary after the text part).
    cuts = _cut_lines(arr, starts, ends, body, first, length, lines.last[body])
    r1 = np.minimum(r1, _next_at_or_after(cuts, r0, r1))
    ok &= (r1 > r0) & ((r1 < r0 + _MAX_TEXT) | ~multipart)

    # The window: after the last "-- " line of the text, else its last WINDOW content lines.
    sigdash = body[((length == 2) | (length == 3) | (length == 5)) & (first == _DASH)]
    if len(sigdash):
        w = _window(arr, starts[sigdash], 5)
        ln = (ends[sigdash] - starts[sigdash])[:, None]
        pat_ok = ((ln == 2) & (w[:, :2] == _DASH).all(axis=1, keepdims=True)) | (
            (ln == 3) & (w[:, :3] == np.frombuffer(b"-- ", np.uint8)).all(axis=1, keepdims=True)) | (
            (ln == 5) & (w == np.frombuffer(b"--=20", np.uint8)).all(axis=1, keepdims=True))
        sigdash = sigdash[pat_ok[:, 0]]
    dash = _last_before(sigdash, r1, np.full(n_msg, -1))
    dashed = ok & (dash >= r0)
    # cum[i]: content lines before line i, counted over every line of the piece (only differences between lines
    # of one text are used, and those are all body lines)
    cum = np.zeros(n_lines + 1, dtype=np.int64)
    np.cumsum((ends > starts) & (lines.first != _GT), out=cum[1:])
    w_start = np.searchsorted(cum, np.maximum(cum[r1] - WINDOW, 0), side="left")
    w0 = np.where(dashed, dash + 1, np.maximum(r0, w_start))
    w1 = np.where(dashed, np.minimum(r1, np.searchsorted(cum, cum[dash + 1] + WINDOW, side="left")), r1)
    w1 = np.minimum(w1, r1)
    ok &= w1 > w0
    if not ok.any():
        return no_signature_lines(n_msg)

    msgs = np.flatnonzero(ok)
    owners, texts = [], []
    plain_msgs = msgs[~qp[msgs]]
    if len(plain_msgs):
        cnt = w1[plain_msgs] - w0[plain_msgs]
        rows = np.repeat(w0[plain_msgs] - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()), dtype=np.int64)
        owner = np.repeat(plain_msgs, cnt)
        ln = ends[rows] - starts[rows]
        last = lines.last[rows]
        keep = ((ln >= 5) & (ln <= _MAX_LINE) & (lines.first[rows] != _GT)
                & ~np.isin(last, _NOT_LAST))
        rows, owner = rows[keep], owner[keep]
        owners.append(owner)
        texts.append(_span_array(data, starts[rows], ends[rows]))
    qp_msgs = msgs[qp[msgs]]
    if len(qp_msgs):
        done, owner_qp, text_qp = _plain_qp_lines(data, arr, starts, ends, qp_msgs, w0[qp_msgs], w1[qp_msgs])
        if len(owner_qp):
            owners.append(owner_qp)
            texts.append(text_qp)
        qp_msgs = qp_msgs[~done]
    if len(qp_msgs):
        owner_qp, text_qp = _qp_lines(data, starts, ends, qp_msgs, w0[qp_msgs], w1[qp_msgs])
        owners.append(owner_qp)
        texts.append(text_qp)
    # The lines stay arrow arrays up to the one list column (no polars round trip).
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    text = pa.concat_arrays(texts) if texts else pa.array([], type=pa.large_string())
    if len(owners) > 1:  # plain and quoted-printable lines: back in message order
        order = np.argsort(owner, kind="stable")
        owner, text = owner[order], text.take(int64_arrow(order))
    offsets = np.zeros(n_msg + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n_msg), out=offsets[1:])
    lists = pa.LargeListArray.from_arrays(int64_arrow(offsets), text)
    return pl.DataFrame([pl.Series("sig_lines", lists, dtype=pl.List(pl.String())),
                         pl.Series("sig_dashed", dashed, dtype=pl.Boolean())])


def _plain_qp_lines(data: bytes | memoryview, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                    msgs: np.ndarray, w0: np.ndarray, w1: np.ndarray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """The window lines of the quoted-printable messages ``msgs`` whose window needs no decoding, read as
    :func:`_qp_lines` reads them, in numpy: which of ``msgs`` were read, and (message, text) of their lines.

    A window of tabs, line ends and printable ASCII without "=" is its own decoding (``a2b_qp`` copies such
    bytes), its lines are the physical lines (no other line break of ``str.splitlines``), and ``rstrip`` only
    removes spaces and tabs from them."""
    cnt = w1 - w0
    rows = np.repeat(w0 - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()), dtype=np.int64)
    at = np.repeat(np.arange(len(msgs)), cnt)
    ls, le = starts[rows], ends[rows]
    # Lines holding "=", a control character but the tab (a lone "\r" too: ends drop only the one before
    # "\n") or a byte beyond ASCII: their window goes through _qp_lines.
    line_len = le - ls
    if int(line_len.sum()):
        spans = _binary_spans(data, ls, le)
        offs = np.frombuffer(spans.buffers()[1], dtype=np.int64)[spans.offset: spans.offset + len(rows) + 1]
        raw = np.frombuffer(spans.buffers()[2], dtype=np.uint8)[offs[0]: offs[-1]]
        bad = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum((raw == ord("=")) | (raw > 126) | ((raw < 32) & (raw != 9)), out=bad[1:])
        line_bad = bad[offs[1:] - offs[0]] - bad[offs[:-1] - offs[0]]
    else:
        line_bad = np.zeros(len(rows), dtype=np.int64)
    done = np.bincount(at, weights=line_bad, minlength=len(msgs)) == 0
    keep = done[at]
    rows, at, ls, le = rows[keep], at[keep], ls[keep], le[keep]
    # rstrip: spaces and tabs at the end of each line
    moving = np.arange(len(rows))
    is_blank = np.zeros(256, dtype=bool)
    is_blank[[9, 32]] = True
    le = le.copy()
    while len(moving := moving[(le[moving] > ls[moving]) & is_blank[arr[np.maximum(le[moving] - 1, 0)]]]):
        le[moving] -= 1
    ln = le - ls
    last = arr[np.maximum(le - 1, 0)]
    ok = ((ln >= 5) & (ln <= _MAX_LINE) & (arr[np.minimum(ls, len(arr) - 1)] != _GT) & ~np.isin(last, _NOT_LAST))
    owner = msgs[at[ok]]
    text = _span_array(data, ls[ok], le[ok]) if ok.any() else pa.array([], type=pa.large_string())
    return done, owner, text


def _qp_lines(data: bytes | memoryview, starts: np.ndarray, ends: np.ndarray, msgs: np.ndarray, w0: np.ndarray,
              w1: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """The window lines of quoted-printable messages, decoded (soft line breaks joined): (message, text)."""
    out_msg: list[int] = []
    out_text: list[str] = []
    view = memoryview(data)
    for m, a, b in zip(msgs.tolist(), starts[w0].tolist(), ends[w1 - 1].tolist(), strict=True):
        raw = binascii.a2b_qp(bytes(view[a:b]))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        for line in text.splitlines():
            line = line.rstrip()
            if 5 <= len(line) <= _MAX_LINE and not line.startswith(">") and line[-1] not in "!?,;:":
                out_msg.append(m)
                out_text.append(line)
    return np.array(out_msg, dtype=np.int64), _string_array(out_text)


def _string_array(texts: list[str]) -> pa.Array:
    """``texts`` as an arrow ``large_string`` array, built from its buffers: ``pa.array`` on a Python list
    imports pandas (half a second, holding the GIL) on its first use."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


# ------------------------------------------------------------------------------------------------------------
# The lines: what they say
# ------------------------------------------------------------------------------------------------------------

_RX_LINKEDIN = r"(?i)((?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/[^\s<>()\"',;|]+)"
# A name: two to four capitalised words (letters, apostrophes, hyphens), maybe a "(Kevin)" after the first.
_RX_NAME = (r"^\p{Lu}[\p{L}\p{M}'’-]*(?: \(\p{Lu}[\p{L}\p{M}'’-]*\))?(?: \p{Lu}[\p{L}\p{M}'’-]*){1,3}$")
_RX_SEPARATED = r" \| | [–—-] |, | at | @ "

#: Words of job titles: a title line must have one (whole word, any case).
TITLE_WORDS = frozenset(["engineer", "engineering", "manager", "director", "head", "vp", "svp", "evp", "president", "ceo", "cto", "cfo", "coo", "cmo", "cio", "ciso", "cpo", "founder", "cofounder", "co-founder", "partner", "consultant", "analyst", "designer", "developer", "scientist", "lead", "officer", "architect", "specialist", "associate", "coordinator", "recruiter", "professor", "researcher", "counsel", "attorney", "lawyer", "accountant", "administrator", "advisor", "adviser", "executive", "principal", "intern", "editor", "writer", "nurse", "physician", "teacher", "owner", "chair", "chairman", "chairwoman", "secretary", "treasurer", "supervisor", "technician", "representative", "strategist", "planner", "producer", "programmer", "fellow", "lecturer", "student", "postdoc", "economist", "controller", "auditor", "trader", "banker", "broker", "investor", "agent", "operator", "superintendent", "dean", "chief", "manager's", "sr", "sr.", "jr", "senior", "junior", "staff", "product", "marketing", "sales", "operations"])
#: Words that say a line is not a name (closings, contact labels, company forms, titles).
_NOT_NAME = frozenset(["regards", "best", "thanks", "thank", "cheers", "sincerely", "kind", "warm", "wishes", "sent", "iphone", "android", "mobile", "phone", "tel", "fax", "email", "mail", "office", "confidential", "unsubscribe", "read", "online", "the", "and", "of", "for", "from", "to", "with", "hi", "hello", "dear", "team", "support", "inc", "ltd", "llc", "gmbh", "corp", "co", "plc", "ag", "sa", "bv", "limited", "group", "company", "university", "school", "street", "road", "avenue", "suite", "floor", "love", "yours", "many", "greetings", "talk", "soon", "see", "you", "care", "take"]) | TITLE_WORDS
_ABBREV = frozenset({"sr.", "jr.", "inc.", "ltd.", "co.", "corp.", "st.", "dr.", "mr.", "ms.", "mrs.", "s.a.",
                     "n.v.", "b.v.", "p.c.", "l.l.c."})
#: Words a title may have in lower case ("Head of Sales", "VP, Research & Development").
_CONNECTORS = frozenset({"of", "and", "&", "for", "the", "in", "de", "la", "du", "des", "der", "und", "y", "e",
                         "a", "to", "on", "/", "-", "+"})
#: What every title line has (a necessary condition for :func:`title_line`, checked in Rust first): one of the
#: job words at the start of a word (``_WORD`` starts its words after anything but an ASCII letter).
_RX_TITLE_WORD = r"(?:^|[^A-Za-z])(?i:" + "|".join(re.escape(w) for w in sorted(TITLE_WORDS, key=len, reverse=True)) + ")"
_SENTENCE = re.compile(r"[!?;:]")
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’-]*")


def _words(text: str) -> list[str]:
    return [w.lower().strip(".") for w in _WORD.findall(text)]


def _plain_words(text: str, limit: int) -> bool:
    """Short, no sentence punctuation, a full stop only after an abbreviation."""
    if not text or len(text.split()) > limit or _SENTENCE.search(text):
        return False
    return all(tok.lower() in _ABBREV or not tok.endswith(".") or "." in tok[:-1]
               for tok in text.split() if "." in tok)


@lru_cache(maxsize=50_000)
def title_line(line: str) -> tuple[str, str] | None:
    """(title, company) when ``line`` is a title line (``Title | Company``, ``Title, Company``, ``Title at
    Company``, ``Title – Company``), else None. The title must hold a job word; neither side may read as a
    sentence; the company holds none of the job words (``Director, Product Management`` is one title)."""
    line = line.strip()
    if len(line) > 90:
        return None
    m = re.search(_RX_SEPARATED, line)
    if not m:
        return None
    title = line[: m.start()].strip()
    company = re.split(_RX_SEPARATED, line[m.end():])[0].strip()
    if not _plain_words(line, 12) or not _plain_words(title, 6) or not _plain_words(company, 6):
        return None
    if not (company[:1].isupper() or company[:1].isdigit()) or not all(
            w in _CONNECTORS or any(c.isupper() or c.isdigit() for c in w) for w in [*title.split(), *company.split()]):
        return None
    if not TITLE_WORDS.intersection(_words(title)) or TITLE_WORDS.intersection(_words(company)):
        return None
    if "linkedin.com" in company.lower() or "@" in company or "http" in company.lower():
        return None
    return title, company


@lru_cache(maxsize=50_000)
def name_line(line: str) -> bool:
    """Does ``line`` (already matching the name pattern) read as a person's name, not a closing or a label?"""
    return not _NOT_NAME.intersection(w.lower() for w in re.findall(r"[\w'’-]+", line))


def _family_shared(a: str, b: str) -> bool:
    """Two different name lines sharing a word (``Zhang Kaiwen`` / ``Kevin Zhang``)."""
    wa, wb = {w.casefold() for w in a.split()}, {w.casefold() for w in b.split()}
    return wa != wb and bool(wa & wb)


def signature_evidence(messages: pl.DataFrame) -> pl.DataFrame:
    """The :data:`SIG_COLUMNS` of each row of ``messages`` (with the ``sig_lines`` and ``sig_dashed`` columns
    of :func:`read_signatures`), null where a message has none: for a whole file at once."""
    found = messages.select("sig_lines", "sig_dashed").with_row_index("msg").explode("sig_lines").drop_nulls(
        "sig_lines").rename({"sig_lines": "text", "sig_dashed": "dashed"})
    owner = found.get_column("msg").to_numpy()
    if not len(owner):
        return pl.DataFrame({c: pl.Series(c, [None] * messages.height, dtype=pl.String()) for c in SIG_COLUMNS})
    starts_at = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    pos = np.arange(len(owner)) - np.repeat(starts_at, np.diff(np.r_[starts_at, len(owner)]))
    found = found.with_columns(pl.col("msg").cast(pl.Int64), pos=pl.Series(pos, dtype=pl.Int64()))
    return _evidence(found, messages.height)


def _evidence(found: pl.DataFrame, n_msg: int) -> pl.DataFrame:
    """The four values per message from its window lines ``found`` (msg, text, pos: the line's rank in the
    window, dashed: the window follows a ``-- `` line), sorted by (msg, pos)."""
    text = pl.col("text")
    # What each DISTINCT line is (a mailbox's signature lines repeat: 12,000 distinct in 280,000), then joined
    # back to the lines.
    lines = found.select("text").unique()
    lines = lines.with_columns(
        # A URL counts on a line of its own or with a label ("LinkedIn: ...", "in | ..."), not inside a sentence.
        url=pl.when(text.str.contains(r"(?i)linkedin\.com/in/")
                    & (text.str.replace(_RX_LINKEDIN, "").str.count_matches(r"\S+") <= 2))
        .then(text.str.extract(_RX_LINKEDIN)),
        # Title lines: prefiltered in Rust (a separator, short, a job word starting a word), judged in Python.
        titled=text.str.contains(_RX_SEPARATED) & (text.str.len_bytes() <= 100),
        job=text.str.contains(_RX_TITLE_WORD),
        nameish=(text.str.len_bytes() <= 60) & text.str.contains(_RX_NAME),
        paren=text.str.contains("(", literal=True),
    )
    judged = lines.filter(pl.col("titled") & pl.col("job")).get_column("text")
    parsed = [title_line(t) for t in judged.to_list()]
    named = lines.filter("nameish").get_column("text")
    lines = lines.join(pl.DataFrame([
        judged.alias("text"),
        pl.Series("title", [p[0] if p else None for p in parsed], dtype=pl.String()),
        pl.Series("company", [p[1] if p else None for p in parsed], dtype=pl.String())]), on="text", how="left")
    lines = lines.join(pl.DataFrame([
        named.alias("text"), pl.Series("is_name", [name_line(t) for t in named.to_list()], dtype=pl.Boolean())]),
        on="text", how="left")
    found = found.join(lines.select("text", "url", "titled", "title", "company", "is_name", "paren"), on="text",
                       how="left", maintain_order="left")

    url = found.filter(pl.col("url").is_not_null()).group_by("msg", maintain_order=True).agg(pl.col("url").first())
    if url.height:
        uniq = url.get_column("url").unique()
        url = url.with_columns(url=pl.col("url").replace_strict(uniq, canonical_linkedin_urls(uniq),
                                                                return_dtype=pl.String()))
    title = (found.filter(pl.col("titled") & pl.col("title").is_not_null())
             .group_by("msg", maintain_order=True).agg(pl.col("title", "company", "pos").first())
             .rename({"pos": "title_pos"}))

    # Name lines: only in a window with a title line or after a "-- " delimiter, or written "Given (Nick) Family".
    anchored = found.join(title.select("msg", "title_pos"), on="msg", how="left", maintain_order="left").filter(
        pl.col("title_pos").is_not_null() | pl.col("dashed") | pl.col("paren"))
    names = anchored.filter(pl.col("is_name").fill_null(False))
    # the next name line of the same message (rows of a message are adjacent, in window order)
    same = pl.col("msg").shift(-1) == pl.col("msg")
    names = names.with_columns(nxt=pl.when(same).then(text.shift(-1)),
                               nxt_pos=pl.when(same).then(pl.col("pos").shift(-1)))
    pairs = names.filter(pl.col("nxt_pos") == pl.col("pos") + 1)
    if pairs.height:
        pairs = pairs.filter(pl.Series([_family_shared(a, b) for a, b in pairs.select("text", "nxt").iter_rows()],
                                       dtype=pl.Boolean()))
    ranked = pl.concat([
        names.filter(text.str.contains("(", literal=True)).select("msg", "pos", "text", rank=pl.lit(0)),
        pairs.select("msg", "pos", "text", rank=pl.lit(1)),
        names.filter((pl.col("pos") == pl.col("title_pos") - 1) | (pl.col("dashed") & (pl.col("pos") == 0)))
        .select("msg", "pos", "text", rank=pl.lit(2)),
    ])
    name = ranked.sort("msg", "rank", "pos").group_by("msg", maintain_order=True).agg(pl.col("text").first())

    out = pl.DataFrame({"msg": np.arange(n_msg, dtype=np.int64)})
    out = (out.join(name.rename({"text": "sig_name"}), on="msg", how="left", maintain_order="left")
           .join(title.select("msg", sig_title="title", sig_company="company"), on="msg", how="left",
                 maintain_order="left")
           .join(url.rename({"url": "sig_linkedin_url"}), on="msg", how="left", maintain_order="left"))
    return out.select(pl.col(c).cast(pl.String()) for c in SIG_COLUMNS)


def most_frequent_signature(messages: pl.DataFrame, key: str) -> pl.DataFrame:
    """Per ``key`` of ``messages`` (one row per message with the :data:`SIG_COLUMNS`): the most frequent name,
    (title, company) pair and LinkedIn URL over its messages (ties: the alphabetically first), null when none
    of its messages had one."""
    messages = messages.select(key, *SIG_COLUMNS)
    out = messages.select(key).unique()
    for cols in (["sig_name"], ["sig_title", "sig_company"], ["sig_linkedin_url"]):
        best = (messages.filter(pl.col(cols[0]).is_not_null()).group_by(key, *cols).len()
                .sort(key, "len", *cols, descending=[False, True, *[False] * len(cols)])
                .unique(key, keep="first", maintain_order=True).drop("len"))
        out = out.join(best, on=key, how="left")
    return out.select(key, *SIG_COLUMNS)
