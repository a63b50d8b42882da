"""Signature blocks, quoted replies and the MIME shapes of personal mail bodies (pure functions).

A signature is the block at the end of a message: an optional "-- " line, the full name (sometimes the native
name above the English work name), a "Title | Company" line in one of its variants, sometimes a phone and a
LinkedIn URL. A reply may quote the earlier message with "> ", the owner's own signature included: a trap a
signature reader must not attribute to the sender.
"""

from __future__ import annotations

import quopri
import random

from .formats import _escape_from

_URL_FORMS = ("linkedin.com/in/{}", "https://www.linkedin.com/in/{}", "www.linkedin.com/in/{}/",
              "https://linkedin.com/in/{}")


def signature_block(rng: random.Random, *, name: str, native: str = "", title: str = "", company: str = "",
                    phone: str = "", slug: str = "", dash: bool = False) -> str:
    """The lines of one signature block, in one of the layouts real mail shows."""
    lines = ["-- "] if dash else []
    if native:
        lines.append(native)
    lines.append(name)
    if title and company:
        r = rng.random()
        if r < 0.5:
            lines.append(f"{title} | {company}")
        elif r < 0.7:
            lines.append(f"{title}, {company}")
        elif r < 0.85:
            lines.append(f"{title} at {company}")
        else:
            lines += [title, company]
    elif title:
        lines.append(title)
    if phone:
        lines.append(rng.choice(("", "m: ", "Mobile: ", "T ")) + phone)
    if slug:
        lines.append(rng.choice(_URL_FORMS).format(slug))
    return "\n".join(lines)


def quoted(header: str, text: str) -> str:
    """An earlier message quoted under an "On ..., X wrote:" line, every line prefixed with "> "."""
    return header + "\n" + "\n".join(("> " + ln).rstrip() for ln in text.split("\n"))


def _html(text: str) -> str:
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return '<div dir="ltr">' + "<br>".join(esc.split("\n")) + "</div>"


def mime_body(rng: random.Random, text: str, attachment_b64: str) -> tuple[str, str]:
    """(Content-Type header block, body) for one personal message: plain 7/8 bit, quoted-printable, or
    multipart/alternative with an HTML part (now and then with a PDF attached)."""
    charset = 'charset="UTF-8"'
    ascii_only = text.isascii()
    r = rng.random()
    if r < 0.4:
        cte = "7bit" if ascii_only else "8bit"
        return f"Content-Type: text/plain; {charset}\nContent-Transfer-Encoding: {cte}", text + "\n"
    if r < 0.55:
        qp = _escape_from(quopri.encodestring(text.encode("utf-8")).decode("ascii"))
        return f"Content-Type: text/plain; {charset}\nContent-Transfer-Encoding: quoted-printable", qp + "\n"
    b = f"000000000000{rng.getrandbits(48):012x}"
    html = _html(text)
    if rng.random() < 0.5 or not html.isascii():
        html_part = ("Content-Transfer-Encoding: quoted-printable\n\n" +
                     _escape_from(quopri.encodestring(html.encode("utf-8")).decode("ascii")))
    else:
        html_part = "\n" + html
    text_cte = "" if ascii_only else "Content-Transfer-Encoding: 8bit\n"
    alt = (f"--{b}\nContent-Type: text/plain; {charset}\n{text_cte}\n{text}\n\n"
           f"--{b}\nContent-Type: text/html; {charset}\n{html_part}\n\n--{b}--\n")
    return multipart(rng, b, alt, attachment_b64, attach=r > 0.975)


def multipart(rng: random.Random, boundary: str, alt: str, attachment_b64: str, *, attach: bool) -> tuple[str, str]:
    """(Content-Type header block, body) of a multipart/alternative body ``alt``; with ``attach``, wrapped in a
    multipart/mixed with a PDF attached."""
    if not attach:
        return f"Content-Type: multipart/alternative; boundary=\"{boundary}\"", alt
    m = f"000000000000{rng.getrandbits(48):012x}"
    name = rng.choice(("notes.pdf", "forecast_v3.pdf", "Résumé.pdf", "photo.jpg"))
    fname = name if name.isascii() else "=?UTF-8?Q?R=C3=A9sum=C3=A9=2Epdf?="
    return (f"Content-Type: multipart/mixed; boundary=\"{m}\"",
            f"--{m}\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\n\n{alt}\n"
            f"--{m}\nContent-Type: application/pdf; name=\"{fname}\"\nContent-Disposition: attachment; "
            f"filename=\"{fname}\"\nContent-Transfer-Encoding: base64\n\n{attachment_b64}\n--{m}--\n")
