"""E-certificates (电子证照): what an item issues as a document — 就业创业证, 参保登记, 调档函 … — also
issued as a PDF signed by the platform (PAdES, pyHanko) with a QR code to its public verification
page (``/verify/{code}``: valid, revoked or unknown, showing only the certificate's own fields).

A certificate is recorded when its item is approved (the ``item_decided`` event), signed when the
applicant first downloads it (我的办件, or the API), and revoked by the issuing department
(API and the staff worklist).
"""
