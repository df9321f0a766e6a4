"""The appointments room (预约): half-day slots at a service hall's comprehensive windows.

- :mod:`.halls` — the halls as data (windows, opening hours, themes);
- :mod:`.schema` — bookings, their history (audit) and the messages sent about them;
- :mod:`.slots` — which days and half-days may be booked and how many places are free;
- :mod:`.service` — booking, cancelling, the person's own bookings;
- :mod:`.desk` — the window clerk's side: the day's bookings, check-in with a queue number, no-shows.

The region's rules (how far ahead, one per person per day, cancellation limit, places per window,
no-shows that bar booking) are settings (:mod:`lianban.regional`), never code.
"""
