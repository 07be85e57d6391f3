"""SMTP replies that mean "slow down": the server is fine, it wants fewer messages for a while.

Such a reply is not an ordinary transient failure (retried by the task with Airflow's backoff,
counting as `deferred`): the message waits (`waiting`, reason `rate_limited: <reply>`) and every
worker sending through the connection pauses (`send_slots.Pacer.slowed_down`), longer after each
further one. What counts, from RFC 5321/3463 and the replies providers document:

- 421 at any step: "service not available, closing transmission channel", what Microsoft 365,
  Gmail, Yahoo and most relays answer when a sender goes too fast;
- a 4xx reply whose enhanced status code is 4.7.x (policy: "4.7.0 Try again later", Gmail's
  "4.7.28 unusual rate", Microsoft's "4.7.500 Server busy"), 4.5.3 (too many recipients) or
  4.3.2 (Microsoft's "sender thread limit exceeded", concurrent connections);
- a 4xx or 5xx reply in the words of a sending limit (SES "454 Throttling failure: Maximum
  sending rate exceeded", Gmail "550 5.4.5 Daily user sending limit exceeded", Microsoft
  "554 5.2.0 ... SubmissionQuotaExceededException"): a daily quota is answered with 5xx by some
  providers, and the message would go through the next day.

A full mailbox ("452 4.2.2 over quota") or an unknown user is about one recipient, not the rate:
those stay ordinary failures.
"""

from __future__ import annotations

import re

# RFC 3463 enhanced status code: class.subject.detail
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")

# Enhanced codes of 4xx replies that ask the sender to slow down: 4.7.x, and these (subject, detail).
SLOW_DOWN_SUBJECT = "7"
SLOW_DOWN_CODES = {("5", "3"), ("3", "2")}

# The words of a sending limit, as providers write them (lower case; 4xx and 5xx replies).
SENDING_LIMIT_TEXTS = re.compile(
    "|".join(
        (
            r"try (again )?later",  # Gmail/Microsoft/Yahoo "421 4.7.0 Try again later"
            r"rate limit",  # SendGrid, Mailgun, Postmark "rate limited"
            r"too many (messages|connections|recipients|requests|sessions|emails|mails)",
            r"throttl",  # SES "Throttling failure", Microsoft "throttled"
            r"(sending|submission|message|daily|hourly|send|relay) (rate|quota|limit)",
            r"submissionquotaexceeded",  # Microsoft 365 daily recipient limit (554 5.2.0)
            r"maximum sending rate",  # SES 454
            r"unusual rate",  # Gmail 421 4.7.28
            r"receiving mail at a rate",  # Gmail 450 4.2.1 (per recipient)
            r"server busy",  # Microsoft 451 4.7.500
            r"sender thread limit|concurrent connections",  # Microsoft 432/421 4.3.2
            r"temporarily (deferred|rate limited|throttled)",  # Yahoo "[TSS04] temporarily deferred"
            r"slow down",
        )
    )
)


# Recipient-side problems never count as the sender's rate, whatever their words: x.1.x (the
# address) and x.2.2 (the mailbox is full, "over quota").
def _about_the_recipient(subject: str, detail: str) -> bool:
    return subject == "1" or (subject, detail) == ("2", "2")


def means_slow_down(code: int, text: str | None) -> bool:
    """Whether the reply `code text` asks the sender to slow down (see the module's list)."""
    text = (text or "").lower()
    if code == 421:
        return True
    if not 400 <= code < 600:
        return False
    enhanced = _ENHANCED.search(text)
    if enhanced and _about_the_recipient(enhanced.group(2), enhanced.group(3)):
        return False
    if code < 500 and enhanced and enhanced.group(1) == "4":
        subject, detail = enhanced.group(2), enhanced.group(3)
        if subject == SLOW_DOWN_SUBJECT or (subject, detail) in SLOW_DOWN_CODES:
            return True
    return SENDING_LIMIT_TEXTS.search(text) is not None


def reply_codes(reply: str | None) -> str:
    """`421 4.7.0` of a reply: its code and enhanced status, never its words (which may name an
    address)."""
    code = reply_code(reply)
    enhanced = _ENHANCED.search(reply or "")
    return " ".join(filter(None, [str(code) if code else "", enhanced.group(0) if enhanced else ""]))


def reply_code(reply: str | None) -> int | None:
    """The three-digit code a reply such as `421 4.7.0 Try again later` starts with."""
    match = re.match(r"\s*(\d{3})\b", reply or "")
    return int(match.group(1)) if match else None
