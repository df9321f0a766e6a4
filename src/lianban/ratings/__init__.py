"""The ratings room (好差评, 国办发〔2019〕51号): what applicants think of a finished case or item,
and the follow-up (整改) every 差评 opens for the departments concerned.

- :mod:`.vocabulary` — the five levels and the reasons an applicant may tick;
- :mod:`.schema` — ratings, the departments they concern, follow-ups;
- :mod:`.service` — rating a case or an item, rating a follow-up's answer, reading them back;
- :mod:`.follow_ups` — the departments' side: listing follow-ups (overdue first) and answering;
- :mod:`.figures` — counts and 好评率 per theme and per department.
"""
