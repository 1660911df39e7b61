"""One function per user action, each receiving a unit of work (engine/unit_of_work.py) and
committing it once: tasks (complete — the form and the API call the same function), cases (start,
claim, retry, cancel), intake, residents' services, timers, deploy and migration, parameters, people,
sign-in, attachments, monitoring imports. A state change of a case runs on engine/workflow/step.py's
CaseStep."""
