"""The plan: typed assignments and its JSON form (placement-plan/1)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "placement-plan/1"


class PlanError(ValueError):
    """A plan file does not follow the spec's format."""


@dataclass(frozen=True)
class Assignment:
    request: str
    resource: str
    check_in: int
    nights: int
    rooms: int | None = None  # hotels: rooms per night; shelters: 0
    points: int | None = None  # points charged in total (0 at shelters)


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    # The kind of each reason (explain.Reason.kind: "distance", "full_alone"...), for code
    # that keeps reasons as codes; in memory only, not part of the JSON format.
    reason_kinds: dict[str, str] = field(default_factory=dict, compare=False)
    # The needs a "needs" reason names (explain.Reason.needs: those no place in reach
    # offers), by request; in memory only, like reason_kinds.
    reason_needs: dict[str, list[str]] = field(default_factory=dict, compare=False)
    cost: float | None = None  # in the spec's units (thousandths are exact)
    bound: float | None = None
    status: str | None = None  # "optimal" or "feasible"
    seconds: float | None = None

    @property
    def placed(self) -> dict[str, Assignment]:
        """Each placed request's first (or only) stay."""
        return {rid: stays[0] for rid, stays in self.chains.items()}

    @property
    def chains(self) -> dict[str, list[Assignment]]:
        """Each placed request's stays in order of check-in: one, or a chain's segments
        (spec: Moves)."""
        out: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            out.setdefault(a.request, []).append(a)
        for stays in out.values():
            if len(stays) > 1:
                stays.sort(key=lambda a: a.check_in)
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "assignments": [], "unplaced": list(self.unplaced)}
        for a in self.assignments:
            d: dict[str, Any] = {"request": a.request, "resource": a.resource,
                                 "check_in": a.check_in, "nights": a.nights}
            if a.rooms is not None:
                d["rooms"] = a.rooms
            if a.points is not None:
                d["points"] = a.points
            out["assignments"].append(d)
        out["reasons"] = dict(self.reasons)
        for key in ("cost", "bound", "status", "seconds"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        if not isinstance(data, Mapping):
            raise PlanError("a plan is a JSON object")
        if data.get("format", FORMAT) != FORMAT:
            raise PlanError(f"format must be {FORMAT!r}")
        rows, unplaced = data.get("assignments", []), data.get("unplaced", [])
        if not isinstance(rows, list) or not isinstance(unplaced, list):
            raise PlanError("a plan is an object with lists assignments and unplaced")
        assignments = []
        for a in rows:
            if not isinstance(a, Mapping):
                raise PlanError(f"assignment {a!r} is not an object")
            for k in ("check_in", "nights"):
                v = a.get(k)
                if isinstance(v, bool) or not isinstance(v, int):
                    raise PlanError(f"assignment {a.get('request')}: {k} must be an integer")
            for k in ("rooms", "points"):
                v = a.get(k)
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                    raise PlanError(f"assignment {a.get('request')}: {k} must be a number")
            assignments.append(Assignment(str(a.get("request")), str(a.get("resource")),
                                          a["check_in"], a["nights"], a.get("rooms"),
                                          a.get("points")))
        reasons = data.get("reasons") or {}
        if not isinstance(reasons, Mapping):
            raise PlanError("reasons must be an object")
        return cls(assignments=assignments, unplaced=[str(u) for u in unplaced],
                   reasons={str(k): str(v) for k, v in reasons.items()},
                   cost=data.get("cost"), bound=data.get("bound"), status=data.get("status"),
                   seconds=data.get("seconds"))


def load_plan(path: str | Path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(f"cannot read {path}: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PlanError(f"{path} is not a JSON file") from None
    return Plan.from_dict(data)
