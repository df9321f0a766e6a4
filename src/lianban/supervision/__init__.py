"""The supervision room (监管): the figures supervisors answer for — cases by theme, status,
channel and region, on-time rates against the legal and promised limits, working days to
completion, overdue and due-soon items by department, the 四减 figures and 好差评 — computed once
(:mod:`.figures`) and served by :mod:`.service` to ``GET /api/v1/stats`` and the dashboard page
alike, so the page's tables and the API always say the same."""
