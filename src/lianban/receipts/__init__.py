"""The receipts room (文书): what the platform hands the applicant on paper at acceptance — the
acceptance receipt (受理回执) of a case and, where an item was refused at intake, the notice of
non-acceptance (不予受理通知书) — as PDFs laid out with the printed application's CJK font and
ruled blocks (:mod:`lianban.forms.pdf`)."""
