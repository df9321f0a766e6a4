"""The window room (综合窗口, 综窗): what a window clerk does besides filing — look a walk-in
person or employer up in data sharing (a staff read of personal data, audited), follow every case
taken at the window with its progress, find the documents waiting for pickup against a case
number. Filing itself is :mod:`lianban.cases.service`'s (channel ``window``, the clerk as agent);
bookings and check-in are :mod:`lianban.appointments`'; the handover :mod:`lianban.delivery`'s."""
