"""Read models: what pages and the API show, read straight from the tables with the reader's access
checked — the inbox, a case, a task's form page, the public notices, places, and the reports."""
