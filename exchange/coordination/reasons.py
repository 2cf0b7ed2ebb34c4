"""Runs, unmatched offers and refused steps in words a coordinator can read back to a factory.

The matcher and the services give codes and figures (an unmatched offer's `detail`, which
the matcher fills with the facts that decided its reason; `ProposalError.facts`;
`MatchRun.message`); this turns them into sentences. The arc rules live in `matching/`
only: nothing here re-derives them, so a rule changed there is never explained the old way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from exchange import catalogue
from exchange.i18n import format_number
from exchange.services.proposals import ProposalError

STAGES = {
    "queued": _l("Waiting for a worker"),
    "building": _l("Building the problem"),
    "solving": _l("Solving"),
    "storing": _l("Storing the proposals"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}
PROPOSAL_STATUSES = {
    "proposed": _l("Proposed"),
    "rejected": _l("Rejected"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "ended": _l("Ended"),
    "superseded": _l("Superseded"),
}
MODES = {"truck": _l("truck"), "rail": _l("rail")}


def mode_name(mode: str | None) -> str:
    return str(MODES.get(mode or "", mode or ""))


def status_name(status: str) -> str:
    return str(PROPOSAL_STATUSES.get(status, status))


# A problem's sink id ("want-7") -> the taker's factory as a link; never the id itself.
Taker = Callable[[str], Markup]
# Refused pair (problem source id, sink id) -> "rejected" or "declined".
Refusals = dict[tuple[str, str], str]


def unmatched_words(
    reason: str, detail: dict[str, Any] | None, tonnes: float, locale: str, *,
    taker: Taker, source: str = "", refusals: Refusals | None = None,
) -> Markup:
    """Why an offer kept `tonnes`, worded from the matcher's `detail` alone.

    `detail` None (a plan stored before the matcher gave its facts) or without the keys
    a reason needs gets the reason's plain words and a note that the figures are missing.
    """
    words = None if detail is None else _detail_words(
        reason, detail, tonnes, locale, taker, source, refusals or {})
    if words is not None:
        return words
    # Markup + str escapes the str: both sentences go out as text
    return escape(_plain_words(reason)) + " " + _(
        "The figures behind this reason were not recorded with this run.")


def say(text: str, **values: Any) -> Markup:
    """`_(text, **values)` as HTML: the values escaped, unless they are links already.

    The one place this module trusts a string: our own translated sentence, every value
    in it escaped (a factory's name inside a link was escaped when the link was built)."""
    return Markup(_(text, **{k: escape(v) for k, v in values.items()}))


def link(href: str, text: str) -> Markup:
    """`<a href=...>text</a>`, both escaped: how takers and listings are named."""
    return Markup('<a href="{}">{}</a>').format(href, text)


def _t(tonnes: float) -> str:
    # kilograms at most: a listing of 33.333333333333336 t reads 33.333
    return format_number(tonnes, 3)


def _detail_words(reason, d, tonnes, locale, taker: Taker, source, refusals) -> Markup | None:
    sink = taker(d["sink"]) if d.get("sink") else None
    if reason == "no-sink-accepts":
        return say("No factory takes this material")
    if reason == "no-hazardous-permit" and sink:
        return say("Hazardous: the nearest factory that takes it, %(taker)s, holds no valid "
                    "permit for it", taker=sink)  # fmt: skip
    if reason == "quality-mismatch" and sink and d.get("property"):
        return _quality_words(d, locale, sink)
    if reason == "no-common-mode" and sink:
        return say("No shared transport mode: the nearest taker, %(taker)s, cannot be reached "
                    "by a mode this factory uses", taker=sink)  # fmt: skip
    if reason == "beyond-distance" and sink and "km" in d and d.get("limit_km") is not None:
        return say("The nearest taker, %(taker)s, is %(km)s km away, beyond the %(limit)s km "
                    "limit", taker=sink, km=format_number(d["km"]),
                    limit=format_number(d["limit_km"]))  # fmt: skip
    if reason == "forbidden" and d.get("pairs"):
        return say("Every taker was turned down for this offer: %(pairs)s",
                    pairs=escape(", ").join(_refused(p, taker, source, refusals)
                                            for p in d["pairs"]))  # fmt: skip
    if reason == "not-worth-transport" and sink and "net_kg_co2e_per_t" in d and "km" in d:
        return say("Moving it %(km)s km to %(taker)s would emit %(net)s kg CO2e a tonne more "
                    "than it saves", km=format_number(d["km"]), taker=sink,
                    net=format_number(-d["net_kg_co2e_per_t"], 2))  # fmt: skip
    if reason == "below-min-lot" and "min_lot_t" in d:
        if sink and "spare_t" in d:
            return say("%(taker)s has %(spare)s t of room left, under the minimum lot of "
                        "%(lot)s t", taker=sink, spare=_t(d["spare_t"]), lot=_t(d["min_lot_t"]))  # fmt: skip
        return say("The %(tonnes)s t left are under the minimum lot of %(lot)s t",
                    tonnes=_t(tonnes), lot=_t(d["min_lot_t"]))  # fmt: skip
    if reason == "partner-limit" and "limit" in d:
        if sink:
            return say("%(taker)s already has %(limit)s partners, the most a run allows a want",
                        taker=sink, limit=d["limit"])  # fmt: skip
        return say("This offer already has %(limit)s partners, the most a run allows an offer",
                    limit=d["limit"])  # fmt: skip
    if reason == "sinks-full" and sink:
        return say("Takers are full: the capacity of %(taker)s went to exchanges that save more",
                    taker=sink)  # fmt: skip
    return None


def _refused(sink_id: str, taker: Taker, source: str, refusals: Refusals) -> Markup:
    status = refusals.get((source, sink_id))
    if status == "rejected":
        return say("%(taker)s (rejected by the coordinator)", taker=taker(sink_id))
    if status == "declined":
        return say("%(taker)s (declined)", taker=taker(sink_id))
    return taker(sink_id)


def _plain_words(reason: str) -> str:
    return {
        "no-sink-accepts": _("No factory takes this material"),
        "no-hazardous-permit": _("Hazardous: no taker holds a permit"),
        "quality-mismatch": _("Quality: no taker accepts its properties"),
        "no-common-mode": _("No taker can be reached by a transport mode this factory uses"),
        "beyond-distance": _("Every taker is beyond the distance limit"),
        "forbidden": _("Every taker was turned down for this offer (rejected or declined)"),
        "not-worth-transport": _("Moving it would emit more than it saves"),
        "below-min-lot": _("Under the minimum lot of this run"),
        "partner-limit": _("At the limit of partners of this run"),
        "sinks-full": _("Takers are full: their capacity went to exchanges that save more"),
    }.get(reason) or _("Left over (the matcher's reason: %(reason)s)", reason=reason)


def _quality_words(d: dict[str, Any], locale: str, sink: Markup) -> Markup:
    prop = catalogue.load().properties.get(d["property"])
    name = prop.name(locale) if prop else d["property"]
    if locale == "en" and name[:1].isupper() and not name[1:2].isupper():
        name = name[0].lower() + name[1:]  # mid-sentence
    unit = f" {prop.unit}" if prop and prop.unit else ""
    if d.get("value") is None:
        return say("Quality: the nearest taker, %(taker)s, needs the %(property)s, which the "
                    "offer does not state", taker=sink, property=name)  # fmt: skip
    value = format_number(d["value"]) + unit
    if d.get("max") is not None and d["value"] > d["max"]:
        return say("Quality: %(property)s %(value)s above the %(limit)s that the nearest taker, "
                    "%(taker)s, accepts", property=name, value=value, taker=sink,
                    limit=format_number(d["max"]) + unit)  # fmt: skip
    return say("Quality: %(property)s %(value)s below the %(limit)s that the nearest taker, "
                "%(taker)s, needs", property=name, value=value, taker=sink,
                limit=format_number(d.get("min")) + unit)  # fmt: skip


def run_failure(message: str) -> str:
    """A failed run's stored reason ("worker-lost:solving", "matcher: ...") in words."""
    kind, _sep, text = message.partition(":")
    text = text.strip()
    if kind == "worker-lost":
        return _("The worker stopped answering while the run was at: %(stage)s. Start it again.",
                 stage=str(STAGES.get(text, text)).lower())  # fmt: skip
    if kind == "matcher":
        return _("The matcher could not read the problem: %(text)s", text=text)
    if kind == "infeasible":
        return _("No plan meets every rule (for instance the exchanges already agreed): %(text)s",
                 text=text or "—")  # fmt: skip
    if kind == "error":
        return _("An unexpected error stopped the run: %(text)s", text=text)
    return message or _("The run failed without a reason.")


def _delivery_refusal(error: ProposalError) -> str:
    """Why a month's delivery was refused, naming the month given."""
    f = {k: format_number(v) if isinstance(v, float) else v for k, v in error.facts.items()}
    f.update({k: f"{v:%Y-%m}" for k, v in error.facts.items() if k in ("month", "current", "first")})
    if error.code == "delivery-future":
        return _("%(month)s has not begun yet in the park (it is now %(current)s).", **f)
    if error.code == "delivery-before-start":
        return _("%(month)s is before this exchange began: its first month is %(first)s.", **f)
    if error.code == "delivery-after-end":
        return _("%(month)s is after this exchange ended (on %(day)s).", month=f["month"],
                 day=format_date(error.facts["ended"]))  # fmt: skip
    if error.code == "delivery-suspended":
        return _("This exchange was suspended for the whole of %(month)s: nothing can be "
                 "recorded for it.", **f)  # fmt: skip
    if error.code == "delivery-recorded":
        return _("%(month)s already has %(held)s t recorded. Tick “Replace the tonnes already "
                 "recorded for this month” and save again to replace them.", **f)  # fmt: skip
    if error.code == "delivery-over-twice":
        return _("%(asked)s t in %(month)s is more than twice the agreed %(agreed)s t a month "
                 "(at most %(limit)s t).", **f)  # fmt: skip
    if error.code == "delivery-needs-note":
        return _("%(asked)s t in %(month)s differs from the agreed %(agreed)s t a month: add a "
                 "note saying why.", **f)  # fmt: skip
    return error.code


def refusal(error: ProposalError, action: str) -> str:
    """Why a step on a proposal was refused, with the tonnes that refused it."""
    f = {k: format_number(v) if isinstance(v, float) else v for k, v in error.facts.items()}
    approving = action == "approve"
    if error.code == "over-allocated-offer":
        text = (_("Approving this would promise %(asked)s t of an offer that has %(limit)s t a "
                  "month; %(held)s t are already held by other exchanges.", **f) if approving
                else _("Accepting this would promise %(asked)s t of an offer that has %(limit)s t "
                       "a month; %(held)s t are already held by other exchanges.", **f))  # fmt: skip
        return text
    if error.code == "over-allocated-want":
        return (_("Approving this would send %(asked)s t to a want that takes %(limit)s t a "
                  "month; %(held)s t are already promised to it by other exchanges.", **f)
                if approving else
                _("Accepting this would send %(asked)s t to a want that takes %(limit)s t a "
                  "month; %(held)s t are already promised to it by other exchanges.", **f))  # fmt: skip
    if error.code == "over-delivered-offer":
        return _("%(asked)s t in this month would be more than the offer has: %(limit)s t a "
                 "month, and other exchanges already delivered %(held)s t of it.", **f)  # fmt: skip
    if error.code == "over-delivered-want":
        return _("%(asked)s t in this month would be more than the want takes: %(limit)s t a "
                 "month, and other exchanges already delivered %(held)s t into it.", **f)  # fmt: skip
    if error.code.startswith("delivery-"):
        return _delivery_refusal(error)
    if error.code == "no-permit":
        return _("%(factory)s has no hazardous-waste permit valid on %(day)s, and this stream is "
                 "hazardous: it can receive it once a valid permit is recorded on its page.",
                 factory=f["factory"], day=format_date(f["today"]))  # fmt: skip
    if error.code == "stale":
        return _("The offer or the want changed after this run: start a new run before approving.")
    if error.code == "ban-lifted":
        return _("The ban on this pair was lifted already.")
    if error.code == "wrong-status":
        return _("Someone else has already decided this proposal (now: %(status)s).",
                 status=status_name(error.facts.get("status", "")))  # fmt: skip
    return error.code
