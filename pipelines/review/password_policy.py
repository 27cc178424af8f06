"""Password policy for workbench accounts: long enough, not the username, not a common password.

The common-password knowledge is zxcvbn's (its 30,000 most frequent leaked passwords, keyboard
walks, repeats, sequences and dictionary words), not a list kept here: a password in that list
is refused outright, and anything zxcvbn rates below `MIN_STRENGTH` (0-4) is refused too, so
`1111111111` or `hotelhotel1` fail although they are long enough. The username is passed to
zxcvbn as a user input, so variations of it also score low.
"""

from __future__ import annotations

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from pipelines.review.auth import MIN_PASSWORD_LENGTH

# zxcvbn's score: 3 is "safely unguessable: moderate protection from offline slow-hash attacks".
MIN_STRENGTH = 3
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])


class PasswordRejected(ValueError):
    """A password the policy refuses, with the reason in Chinese (pages) and English (CLI)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh = zh
        self.en = en


def check_password(username: str, password: str) -> None:
    """Raise `PasswordRejected` unless the password meets the policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(
            f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符",
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
        )
    name = username.strip().casefold()
    if name and name in password.casefold():
        raise PasswordRejected("密码不能包含用户名", "password must not contain the username")
    if password.casefold() in _COMMON:
        raise PasswordRejected(
            "该密码属于常见密码，请换一个", "password is a known common password"
        )
    # zxcvbn's matchers are slow on very long inputs and gain nothing past 100 characters.
    score = int(zxcvbn(password[:100], user_inputs=[name] if name else [])["score"])
    if score < MIN_STRENGTH:
        raise PasswordRejected(
            "密码太容易猜到（重复、连续、键盘序列或常见词），请换一个",
            "password is too easy to guess (repeats, sequences, keyboard walks or common words)",
        )
