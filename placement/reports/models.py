"""The months the funders' exports have published: each settled month's counts, kept as
they were first exported, so that every later export of that month shows the same figures
whatever is edited afterwards (export_queries.month_counts writes and reads them)."""

from datetime import date, datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from partners.base import Base, utcnow


class PublishedMonth(Base):
    """`counts`: disclosure.MonthCounts as JSON ({"requests": {area: {partition:
    {category: n}}}, "stays": {area: {kind: [stays, nights]}}}) and, under "figures", the
    month as suppressed then (ProtectedMonth.to_json): aggregates only, kept as long as
    the reports need them (retention leaves them, as it leaves the requests' month and
    state)."""

    __tablename__ = "published_month"

    month: Mapped[date] = mapped_column(primary_key=True)
    counts: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportMemo(Base):
    """One settled month's figures for one filter scope (reports/memo.py keeps and reads
    them): `parts` as memo.Parts' JSON (the rows of each of figures.PARTS), aggregates
    only. The database deletes a month's rows whenever a row the figures read of that
    month changes (the triggers of migration a7d3e9c1f5b2), so a row here is always what
    counting afresh would give."""

    __tablename__ = "report_memo"

    month: Mapped[date] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    parts: Mapped[dict] = mapped_column(JSON)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
