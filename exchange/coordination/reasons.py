"""Runs, unmatched offers and refused steps in words a coordinator can read back to a factory.

The matcher and the services give codes and figures (`explain.explain_unmatched`,
`ProposalError.facts`, `MatchRun.message`); this turns them into sentences.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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


def unmatched_words(reason: str, detail: dict[str, Any], locale: str) -> str:
    """Why an offer kept its tonnes, with the figures that decided it."""
    d = detail or {}
    if reason == "no-sink-accepts":
        return _("No factory takes this material")
    if reason == "no-hazardous-permit":
        return _("Hazardous: no taker holds a permit")
    if reason == "no-common-mode":
        return _("No taker can be reached by a transport mode this factory uses")
    if reason == "quality-mismatch" and d.get("property"):
        return _quality_words(d, locale)
    if reason == "beyond-distance" and "km" in d:
        if d.get("max_km") is None:
            return _("The nearest taker is %(km)s km away (%(mode)s), too far to move it",
                     km=format_number(d["km"]), mode=mode_name(d.get("mode")))  # fmt: skip
        return _("The nearest taker is %(km)s km away (%(mode)s), beyond its %(max_km)s km limit",
                 km=format_number(d["km"]), mode=mode_name(d.get("mode")),
                 max_km=format_number(d["max_km"]))  # fmt: skip
    if reason == "not-worth-transport" and "transport_kg_co2e_per_t" in d:
        return _("Moving it %(km)s km would emit %(transport)s kg CO2e/t, more than the %(saved)s "
                 "it saves", km=format_number(d["km"]),
                 transport=format_number(d["transport_kg_co2e_per_t"]),
                 saved=format_number(d["saved_kg_co2e_per_t"]))  # fmt: skip
    if reason == "sinks-full":
        return _("Takers are full: their capacity went to exchanges that save more")
    return {
        "quality-mismatch": _("Quality: no taker accepts its properties"),
        "beyond-distance": _("Every taker is beyond the distance limit"),
        "not-worth-transport": _("Moving it would emit more than it saves"),
    }.get(reason, reason)


def _quality_words(d: dict[str, Any], locale: str) -> str:
    prop = catalogue.load().properties.get(d["property"])
    name = prop.name(locale) if prop else d["property"]
    if locale == "en" and name[:1].isupper() and not name[1:2].isupper():
        name = name[0].lower() + name[1:]  # mid-sentence
    unit = f" {prop.unit}" if prop and prop.unit else ""
    if d.get("value") is None:
        return _("Quality: the nearest taker needs the %(property)s, which the offer does not state",
                 property=name)  # fmt: skip
    value = format_number(d["value"]) + unit
    if d.get("max") is not None and d["value"] > d["max"]:
        return _("Quality: %(property)s %(value)s above the %(limit)s the nearest taker accepts",
                 property=name, value=value, limit=format_number(d["max"]) + unit)  # fmt: skip
    return _("Quality: %(property)s %(value)s below the %(limit)s the nearest taker needs",
             property=name, value=value, limit=format_number(d.get("min")) + unit)  # fmt: skip


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
    if error.code == "wrong-status":
        return _("Someone else has already decided this proposal (now: %(status)s).",
                 status=status_name(error.facts.get("status", "")))  # fmt: skip
    return error.code
