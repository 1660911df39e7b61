"""One function per user action, each receiving a unit of work (engine/unit_of_work.py) and
committing it once: cases (start, claim, complete, retry, cancel), intake, residents' services,
timers, deploy, parameters, people, sign-in, attachments, monitoring imports."""
