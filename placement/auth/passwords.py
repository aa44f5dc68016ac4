"""The password policy: long enough, and not one of the passwords attackers try first.

The list is the 30,000 most common passwords from real breaches that ships inside the
`zxcvbn` package: checked offline, no password ever leaves the server.
"""

from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, minimum: int, email: str | None = None) -> str | None:
    """Why a password is refused, in a sentence, or None when it is fine."""
    if len(password) < minimum:
        return f"Use at least {minimum} characters; a short phrase works well."
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) < 4:
        return "That password is on the lists attackers try first; choose another."
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return "Don't use your e-mail name in your password."
    return None
