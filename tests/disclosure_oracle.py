"""An attacker's arithmetic, done exactly: which quantities do published figures fix?

Every published figure is an equation: a sum of unknown true counts (with coefficients)
equals a known number. A quantity (another such sum) is fixed by them exactly when its
coefficients are a linear combination of theirs. This keeps an echelon basis of the
equations with Fractions (each row led by its highest variable) and reduces a quantity
against it: written apart from partners/suppression.py's SVD so that the tests check it
by other means.
"""

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction


class Equations:
    def __init__(self) -> None:
        self.order: dict[Hashable, int] = {}
        self.rows: dict[int, dict[int, Fraction]] = {}  # leading variable -> row

    def _row(self, terms: Mapping[Hashable, int]) -> dict[int, Fraction]:
        row = {}
        for var, coefficient in terms.items():
            if coefficient:
                index = self.order.setdefault(var, len(self.order))
                row[index] = row.get(index, Fraction(0)) + coefficient
        return {k: v for k, v in row.items() if v}

    def _reduce(self, row: dict[int, Fraction]) -> dict[int, Fraction]:
        row = dict(row)
        while row:
            lead = max(row)
            basis = self.rows.get(lead)
            if basis is None:
                return row
            factor = row[lead] / basis[lead]
            for var, coefficient in basis.items():
                value = row.get(var, Fraction(0)) - factor * coefficient
                if value:
                    row[var] = value
                else:
                    row.pop(var, None)
        return row

    def add(self, terms: Mapping[Hashable, int]) -> None:
        row = self._reduce(self._row(terms))
        if row:
            self.rows[max(row)] = row

    def fixes(self, terms: Mapping[Hashable, int]) -> bool:
        return not self._reduce(self._row(terms))


def fixed(published: Iterable[Mapping[Hashable, int]],
          secrets: Mapping[str, Mapping[Hashable, int]]) -> list[str]:
    """The names of `secrets` (each a sum of unknowns) that `published` pins down."""
    equations = Equations()
    for terms in published:
        equations.add(terms)
    return [name for name, terms in secrets.items() if equations.fixes(terms)]
