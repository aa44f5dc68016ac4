"""The password policy: long enough, not one of the passwords attackers try first, and not
easy to guess.

The list is the 30,000 most common passwords from real breaches that ships inside the
`zxcvbn` package; zxcvbn's estimate then refuses what those lists miss ("Summer2024" with
padding, keyboard walks, repeats, the e-mail name, this product's and the hotline's own
words). Checked offline: no password ever leaves the server.
"""

from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# Words an attacker who knows whose system this is would try first.
CONTEXT_WORDS = ["shelter", "bridge", "shelterbridge", "hotline", "trafficking", "safe", "bed",
                 "coordinator", "advocate", "donor", "admin"]
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection", 10^8 guesses or more
ESTIMATE_CHARS = 100  # zxcvbn's time grows with length; a long phrase is strong anyway


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
    words = CONTEXT_WORDS + ([email.split("@")[0]] if email else [])
    if zxcvbn(password[:ESTIMATE_CHARS], user_inputs=words)["score"] < MIN_SCORE:
        return ("That password would be easy to guess (a common word or pattern with a few "
                "changes); a phrase of three or four unrelated words works well.")
    return None
