"""How dates, times and refused forms read to people, in every template.

- `day`: a date as a person says it ("Dec 3", "Thu Dec 3"), with the year when it is not
  the hotline's this year ("Jan 4, 2027"): a stay booked across New Year is never ambiguous.
- `hotline_time`: a stored moment (naive UTC, or aware) in the hotline's own time zone
  (HOTLINE_TIMEZONE) with the zone's abbreviation ("Dec 3, 09:05 EST"): the hotline never
  has to convert from UTC in its head.
- `waited`: how long ago a stored moment was ("47 min", "3 h 52 min"), on the app's clock.
- `refused_forms()`: every form on the page that came back with errors, for the error
  summary at the top of base.html (each error named and linked to its field).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from jinja2 import pass_context
from wtforms import Form
from wtforms.fields import FieldList, FormField

from . import clock


def hotline_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])


def hotline_today() -> date:
    return clock.hotline_today()


def day_label(value: date, this_year: int, weekday: bool = False) -> str:
    """"Dec 3" / "Thu Dec 3", or "Dec 3, 2025" when `value` falls in another year."""
    text = f"{value:%a %b} {value.day}" if weekday else f"{value:%b} {value.day}"
    return text if value.year == this_year else f"{text}, {value.year}"


def _in_hotline_zone(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored naive = UTC
    return aware.astimezone(hotline_zone())


def day(value: date | datetime | None, weekday: bool = False) -> str:
    """The `day` filter. A datetime is a stored moment: its day is the hotline's."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _in_hotline_zone(value).date()
    return day_label(value, hotline_today().year, weekday)


def zone_abbreviation(local: datetime) -> str:
    """"EST", "CEST"; zones without letters (America/Sao_Paulo says "-03") read "UTC-03"."""
    name = local.strftime("%Z")
    return f"UTC{name}" if name[:1] in "+-" else name


def hotline_time(value: datetime | None, seconds: bool = False, with_day: bool = True) -> str:
    """The `hotline_time` filter: "Dec 3, 09:05 EST", "Dec 3, 2025, 09:05:12 EST" or
    "09:05 EST" (with_day=False, where the day is plain from the context)."""
    if value is None:
        return ""
    local = _in_hotline_zone(value)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    text = f"{clock} {zone_abbreviation(local)}"
    if not with_day:
        return text
    return f"{day_label(local.date(), hotline_today().year)}, {text}"


def waited(value: datetime | None) -> str:
    """The `waited` filter: how long ago a stored moment was on the app's clock, as people
    say it ("47 min", "3 h 52 min", "2 days"): how long a request or a stay has waited."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored naive = UTC
    minutes = max(0, int((clock.now() - aware).total_seconds() // 60))
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


@dataclass(frozen=True)
class FieldError:
    target: str | None  # the id of the field to go to; None: a hidden field or the form
    label: str
    message: str


def form_errors(form: Form, suffix: str = "") -> list[FieldError]:
    """Each error of `form`, in the order its fields appear, subforms included."""
    found = [error for field in form for error in _errors_of(field, suffix)]
    found.extend(FieldError(None, "", message) for message in getattr(form, "form_errors", []))
    return found


def _errors_of(field, suffix: str) -> list[FieldError]:
    if isinstance(field, FormField):
        return form_errors(field.form, suffix)
    if isinstance(field, FieldList):  # repeated lines: "Area to avoid, line 2"
        return [error for number, entry in enumerate(field.entries, start=1)
                for error in _errors_of(entry, f"{suffix}, line {number}")]
    hidden = getattr(field.widget, "input_type", None) == "hidden"
    label = (field.label.text if field.label else field.name) + suffix
    return [FieldError(None if hidden else field.id, label, message)
            for message in field.errors if isinstance(message, str)]


@pass_context
def refused_forms(context) -> list[FieldError]:
    """Every error of every form the page was given, whatever its variable's name."""
    errors, seen = [], set()
    for value in context.get_all().values():
        if isinstance(value, Form) and id(value) not in seen and value.errors:
            seen.add(id(value))
            errors.extend(form_errors(value))
    return errors


def init_app(app: Flask) -> None:
    app.add_template_filter(day, "day")
    app.add_template_filter(hotline_time, "hotline_time")
    app.add_template_filter(waited, "waited")
    app.add_template_global(refused_forms, "refused_forms")
