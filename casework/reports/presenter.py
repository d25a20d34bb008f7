"""The report's figures as labelled tables in the reader's words, shared by the dashboard, the
CSV and Excel exports and the board report. Each row may carry the inbox link to its cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from casework.models import CaseOutcome
from casework.reports.periods import Period
from casework.selectors import engine_for
from casework.services.actions.serve import service_kind_label as kind_label
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.rules.catalog import CHANNELS, PARTIES, STEPS, Lang


@dataclass
class Row:
    label: str
    values: list[Any]
    link: str | None = None
    linked: int = 0  # which value carries the link


@dataclass
class Table:
    """One table of the report; ``chart`` names how the dashboard draws its first number column
    ("bars", "columns" or "" for none)."""

    key: str
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    chart: str = "bars"
    note: str = ""


def _lang(lang: str) -> Lang:
    return "en" if lang.startswith("en") else "ar"


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Channel, step and party labels: the policy in force's own wording first, then the catalog's."""
    short = _lang(lang)
    channels = {code: entry.label(short) for code, entry in CHANNELS.items()}
    version = PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).first()
    if version is not None:
        channels |= {c.code: c.label(short) for c in engine_for(version).document.channels}
    steps = {code: entry.label(short) for code, entry in STEPS.items()}
    parties = {code: entry.label(short) for code, entry in PARTIES.items()}
    outcomes = {str(value): str(label) for value, label in CaseOutcome.choices}
    return {"channel": channels, "step": steps, "party": parties, "outcome": outcomes}


def step_order() -> list[str]:
    """The steps of the policy in force, in its order (then any other step of the catalog)."""
    version = PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).first()
    own = list(engine_for(version).steps()) if version is not None else []
    return own + [s for s in STEPS if s not in own]


def inbox_link(**params: Any) -> str:
    query = {
        k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v not in (None, "")
    }
    return f"{reverse('staff-inbox')}?{urlencode(query)}"


def days_text(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def tables(
    summary: dict[str, Any], *, period: Period, lang: str, links: bool, channel: str | None = None
) -> list[Table]:
    """The report's tables. ``links``: whether rows link to the inbox (the viewer may open it)."""
    names = labels(lang)
    prev = summary["previous"]
    start, end = period.start, period.end

    def link(**params: Any) -> str | None:
        return inbox_link(channel=channel, **params) if links else None

    opened = summary["opened"]
    out: list[Table] = []
    by_channel = Table(
        "channels", _("Requests opened, by channel"), [_("Channel"), _("Requests"), _("Previous period")]
    )
    for code in sorted(
        set(opened["by_channel"]) | set(prev["opened"]["by_channel"]),
        key=lambda c: -opened["by_channel"].get(c, 0),
    ):
        by_channel.rows.append(
            Row(
                names["channel"].get(code, code),
                [opened["by_channel"].get(code, 0), prev["opened"]["by_channel"].get(code, 0)],
                inbox_link(channel=code, status="all", opened_from=start, opened_to=end) if links else None,
            )
        )
    by_channel.rows.append(
        Row(
            _("All channels"),
            [opened["total"], prev["opened"]["total"]],
            link(status="all", opened_from=start, opened_to=end),
        )
    )
    out.append(by_channel)

    where = Table(
        "steps",
        _("Where the requests opened in the period are now"),
        [_("Step or outcome"), _("Requests")],
        note=_(
            "Open requests by their current step, then closed ones by outcome; each adds up to the inbox."
        ),
    )
    order = step_order()
    for code in order:
        if code in opened["by_step"]:
            where.rows.append(
                Row(
                    names["step"].get(code, code),
                    [opened["by_step"][code]],
                    link(step=code, status="open", opened_from=start, opened_to=end),
                )
            )
    for code, n in sorted(opened["closed_by_outcome"].items()):
        where.rows.append(
            Row(
                names["outcome"].get(code, code),
                [n],
                link(outcome=code, status="closed", opened_from=start, opened_to=end),
            )
        )
    out.append(where)

    outcomes, prev_outcomes = summary["outcomes"], prev["outcomes"]
    decided = Table(
        "outcomes",
        _("Decisions and outcomes in the period"),
        [_("Outcome"), _("Requests"), _("Previous period")],
    )
    decided.rows += [
        Row(
            _("Decided"),
            [outcomes["decided"], prev_outcomes["decided"]],
            link(status="all", decided_from=start, decided_to=end),
        ),
        Row(
            _("Accepted"),
            [outcomes["accepted"], prev_outcomes["accepted"]],
            link(status="all", decision="accepted", decided_from=start, decided_to=end),
        ),
        Row(
            _("Rejected"),
            [outcomes["rejected"], prev_outcomes["rejected"]],
            link(status="all", decision="rejected", decided_from=start, decided_to=end),
        ),
        Row(
            _("Withdrawn"),
            [outcomes["withdrawn"], prev_outcomes["withdrawn"]],
            link(status="closed", outcome="withdrawn", closed_from=start, closed_to=end),
        ),
        Row(
            _("Served"),
            [outcomes["served"], prev_outcomes["served"]],
            link(status="closed", outcome="served", closed_from=start, closed_to=end),
        ),
    ]
    out.append(decided)

    funnel = Table(
        "funnel",
        _("From received to served"),
        [_("Step"), _("Requests that reached it")],
        note=_("Of the requests opened in the period."),
    )
    for code in order:
        if code in summary["funnel"]:
            funnel.rows.append(
                Row(
                    names["step"].get(code, code),
                    [summary["funnel"][code]],
                    link(reached=code, status="all", opened_from=start, opened_to=end),
                )
            )
    out.append(funnel)

    window = summary["window"]
    promise = Table(
        "window",
        _("The review window promise"),
        [
            _("Deciding body"),
            _("Decided"),
            _("Within the window"),
            _("% within"),
            _("Median days"),
            _("90% within (days)"),
            _("Overdue now"),
        ],
        chart="",
    )
    for body, row in window["by_body"].items():
        promise.rows.append(
            Row(
                names["party"].get(body, body),
                [
                    row["decided"],
                    row["within_window"],
                    row["within_window_percent"],
                    row["median_days"],
                    row["p90_days"],
                    row["overdue_now"],
                ],
                link(status="all", decided_from=start, decided_to=end),
            )
        )
    promise.rows.append(
        Row(
            _("Overdue now"),
            ["", "", "", "", "", window["overdue_now"]],
            link(status="open", overdue="on"),
            linked=5,
        )
    )
    out.append(promise)

    referrals = Table(
        "referrals",
        _("Referrals"),
        [_("Referred to"), _("Referred"), _("Answered"), _("Median days to answer")],
    )
    for target, row in summary["referrals"]["by_target"].items():
        referrals.rows.append(
            Row(names["party"].get(target, target), [row["referred"], row["answered"], row["median_days"]])
        )
    out.append(referrals)

    committee = summary["committee"]
    votes = Table(
        "committee",
        _("The committee: votes per member"),
        [_("Member"), _("Votes")],
        note=_("%(n)s decisions; median days from entering review to the quorum: %(d)s.")
        % {"n": committee["decisions"], "d": days_text(committee["median_days_to_quorum"])},
    )
    for row in committee["votes_by_member"]:
        votes.rows.append(Row(row["name"], [row["votes"]]))
    out.append(votes)

    satisfaction = summary["satisfaction"]
    scores = Table(
        "satisfaction",
        _("Satisfaction: ratings by score"),
        [_("Score"), _("Ratings"), _("Previous period")],
        note=_("Average %(avg)s of 5 from %(n)s ratings (previous period: %(prev)s).")
        % {
            "avg": satisfaction["average"] or "—",
            "n": satisfaction["count"],
            "prev": prev["satisfaction"]["average"] or "—",
        },
    )
    for score in ("5", "4", "3", "2", "1"):
        scores.rows.append(
            Row(score, [satisfaction["distribution"][score], prev["satisfaction"]["distribution"][score]])
        )
    out.append(scores)

    months = Table(
        "months",
        _("Month by month"),
        [
            _("Month"),
            _("Requests opened"),
            _("Decided"),
            _("% within the window"),
            _("Ratings"),
            _("Average rating"),
        ],
        chart="columns",
    )
    for row in summary["months"]:
        months.rows.append(
            Row(
                row["label_en"] if _lang(lang) == "en" else row["label_ar"],
                [
                    row["opened"],
                    row["decided"],
                    row["within_window_percent"],
                    row["ratings"],
                    row["rating_average"],
                ],
                link(status="all", opened_from=row["start"], opened_to=row["end"]),
            )
        )
    out.append(months)

    if "employees" in satisfaction:
        employees = Table(
            "employees",
            _("Satisfaction by employee"),
            [_("Employee"), _("Ratings"), _("Average")],
            chart="",
            note=_(
                "A tool for improvement, not for punishment: shown only from five ratings, "
                "and only to the association's admins."
            ),
        )
        for row in satisfaction["employees"]:
            employees.rows.append(Row(row["name"], [row["count"], row["average"]]))
        out.append(employees)

    people = summary["beneficiaries"]
    beneficiaries = Table(
        "beneficiaries", _("Beneficiaries served"), [_("Beneficiaries"), _("Number"), _("Previous period")]
    )
    beneficiaries.rows += [
        Row(_("New"), [people["new"], prev["beneficiaries"]["new"]]),
        Row(_("Returning"), [people["returning"], prev["beneficiaries"]["returning"]]),
        Row(
            _("All served"),
            [people["served"], prev["beneficiaries"]["served"]],
            link(status="closed", outcome="served", closed_from=start, closed_to=end),
        ),
    ]
    out.append(beneficiaries)

    services = Table(
        "services", _("Services delivered, by kind"), [_("Kind"), _("Services"), _("Amount (SAR)")]
    )
    for kind, row in summary["services"]["by_kind"].items():
        services.rows.append(Row(service_kind_label(kind, lang), [row["count"], row["amount"]]))
    services.rows.append(
        Row(_("All services"), [summary["services"]["count"], summary["services"]["amount"]])
    )
    out.append(services)
    return out


def service_kind_label(kind: str, lang: str) -> str:
    # One list of the kinds of service: the serve step's (casework.services.actions.serve).
    return kind_label(kind, _lang(lang))
