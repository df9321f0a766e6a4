"""The apply flow (在线申请), for whoever files: 情形引导 → 一张表单 → 材料 → 确认 → 受理回执.

One flow serves the applicant at home (``/themes/{theme_id}/apply``, :mod:`.apply`) and the
window clerk filing for a walk-in applicant (帮办代办, the staff console): the same pages, the
same services, parameterised by an :class:`ApplyFlow`.

Entry points for another desk (the window console):

- :class:`ApplyFlow` ``(theme_id, filer, applicant, channel, prefix)`` — ``filer`` is who types and
  files (the applicant herself, or the clerk, recorded as the case's agent — ``cases.actor``);
  ``applicant`` (:class:`Applicant`: ID number or USCC) is whose verified data prefill the form
  and whose case it becomes; ``channel`` is ``web`` or ``window``; ``prefix`` is the URL the flow's
  pages live under. ``ApplyFlow.own(identity, theme_id, prefix)`` is the applicant's own flow,
  ``ApplyFlow.at_window(clerk, theme_id, prefix, id_number=… | uscc=…)`` the clerk's.
- :func:`lianban.web.pages.apply_pages.apply_router` ``(pattern, flow_of)`` — the flow's pages
  (situation, form, employees, materials, review, submit, receipt, and the htmx parts: region
  picker, housing-fund amounts, autosave) under ``pattern`` (holding ``{theme_id}``; other path
  parameters are the caller's), each resolving its flow by ``flow_of(request, theme_id)``, which
  also decides who may use them (raise ``GoElsewhere`` to send to a login, a domain error to refuse).
- The functions below (:func:`load_state`, :func:`save_state`, :func:`blockers`, :func:`check_state`,
  :func:`file_state`) for a desk that renders its own pages.

The state between steps is the filer's server-side draft (:mod:`lianban.drafts`): every step and
every change saves it, so a closed tab or a lost session loses nothing, and opening the apply page
again restores it. A clerk's draft of a theme is for one applicant at a time (it names whom).
No rule lives here: the form, the checks and the filing are :mod:`lianban.forms.service` and
:mod:`lianban.cases.service`, the very functions the API calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lianban.bootstrap import Platform
from lianban.cases.service import Application, Filing, file_application, hires_filed
from lianban.catalog.model import Theme
from lianban.drafts import service as drafts
from lianban.errors import NotFound
from lianban.forms import sharing
from lianban.forms.service import FilledForm, check, hires_as_seen, precheck, theme_of
from lianban.forms.submission import CheckedSubmission
from lianban.security.tokens import Identity, Role

STEPS = {"situation": "办理情形", "form": "填写表单", "materials": "上传材料", "review": "确认提交"}
EMPLOYER_STEPS = {
    "situation": "办理情形",
    "form": "单位与员工",
    "materials": "上传材料",
    "review": "确认提交",
}


@dataclass(frozen=True)
class Applicant:
    """Whom the application is for: a person by ID number, or an employer by USCC."""

    id_number: str | None = None
    uscc: str | None = None

    def form_keys(self) -> dict[str, str]:
        """The form values that name the applicant (at the window the form must carry them)."""
        if self.uscc:
            return {"employer.uscc": self.uscc}
        if self.id_number:
            return {"person.id_number": self.id_number}
        return {}


@dataclass(frozen=True)
class ApplyFlow:
    theme_id: str
    filer: Identity
    applicant: Applicant
    channel: str = "web"  # web | window
    prefix: str = ""  # the flow's pages: {prefix}, {prefix}/form, … (no trailing slash)

    @classmethod
    def own(cls, identity: Identity, theme_id: str, prefix: str) -> ApplyFlow:
        """A person or an employer applying for themselves, online."""
        return cls(theme_id, identity, Applicant(identity.id_number, identity.uscc), "web", prefix)

    @classmethod
    def at_window(
        cls,
        clerk: Identity,
        theme_id: str,
        prefix: str,
        id_number: str | None = None,
        uscc: str | None = None,
    ) -> ApplyFlow:
        """A window clerk (综窗) filing for a walk-in applicant: the clerk is the agent (代办人)."""
        return cls(theme_id, clerk, Applicant(id_number, uscc), "window", prefix)

    @property
    def at_the_window(self) -> bool:
        return self.filer.role is Role.WINDOW_CLERK

    def url(self, step: str = "") -> str:
        return f"{self.prefix}/{step}" if step else self.prefix


@dataclass
class State:
    """Where the filer is: the situation answers, the typed values, the uploaded materials."""

    situation: dict[str, str] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)
    materials: list[dict[str, Any]] = field(default_factory=list)
    step: str = "situation"
    saved_at: str | None = None


def theme(ctx: Platform, flow: ApplyFlow) -> Theme:
    return theme_of(ctx, flow.theme_id)


def load_state(ctx: Platform, flow: ApplyFlow) -> State:
    """The filer's draft of the theme, or a fresh start (a clerk's draft for another applicant too)."""
    with ctx.sessions() as session:
        try:
            draft = drafts.read_draft(session, ctx.catalogue, flow.filer, flow.theme_id, ctx.clock.now())
        except NotFound:
            return State()
    form = dict(draft["form"] or {})
    if any(str(form.get(k) or "") != v for k, v in flow.applicant.form_keys().items()) and flow.at_the_window:
        return State()  # the desk's draft was for someone else
    return State(
        situation={str(k): str(v) for k, v in (draft["situation"] or {}).items()},
        form=form,
        materials=list(draft["materials"] or []),
        step=str(draft["step"] or "situation"),
        saved_at=str(draft["updated_at"]),
    )


def save_state(ctx: Platform, flow: ApplyFlow, state: State) -> State:
    """Keep the state as the filer's draft (草稿) of the theme."""
    form = {**state.form, **(flow.applicant.form_keys() if flow.at_the_window else {})}
    content = drafts.DraftContent(
        form=form, situation=dict(state.situation), materials=list(state.materials), step=state.step
    )
    with ctx.sessions() as session, session.begin():
        saved = drafts.save_draft(
            session,
            ctx.catalogue,
            flow.filer,
            flow.theme_id,
            content,
            ctx.clock.now(),
            ctx.regional.draft_keep_days,
        )
    state.saved_at = str(saved["updated_at"])
    return state


def discard_state(ctx: Platform, flow: ApplyFlow) -> None:
    with ctx.sessions() as session, session.begin():
        drafts.discard_draft(session, flow.filer, flow.theme_id)


def filled(flow: ApplyFlow, state: State) -> FilledForm:
    form = {**state.form, **(flow.applicant.form_keys() if flow.at_the_window else {})}
    return FilledForm(situation=dict(state.situation) or None, form=form)


def check_state(ctx: Platform, flow: ApplyFlow, state: State) -> CheckedSubmission:
    """The form checked exactly as filing will check it (预审), with data sharing for the applicant,
    showing only what the filer may see (an employer's unfiled hires: none of their shared values)."""
    return precheck(ctx, flow.filer, flow.theme_id, filled(flow, state), hires_filed)


def blockers(ctx: Platform, flow: ApplyFlow, situation: Mapping[str, str]) -> list[str]:
    """Why the applicant cannot apply, decided from what data sharing already knows, before she
    types anything (a 15-year-old: the working-age rule). Empty when nothing blocks yet."""
    checked = check(ctx, flow.filer, flow.theme_id, filled(flow, State(situation=dict(situation))))
    return [i.message_zh for i in checked.errors if i.code == "ineligible"]


def prefill(ctx: Platform, flow: ApplyFlow) -> dict[str, Any]:
    """The verified values data sharing holds for the applicant (shown locked, with their source)."""
    return sharing.prefill_for(ctx.sharing, flow.filer, flow.applicant.form_keys())


def employee_prefill(ctx: Platform, flow: ApplyFlow, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each new employee's verified values, by the ID number on the row, as the employer may see
    them (forms.service.hires_as_seen: hidden until the hire is filed, then masked)."""
    found, _facts = sharing.employee_sharing(ctx.sharing, theme(ctx, flow), rows)
    filed = hires_filed(ctx, flow.filer, theme(ctx, flow), FilledForm(form=flow.applicant.form_keys()))
    return hires_as_seen(ctx.catalogue, found, rows, filed)


def file_state(ctx: Platform, flow: ApplyFlow, state: State, idempotency_key: str | None) -> Filing:
    """受理: file the draft as the application (the draft goes in the filing transaction)."""
    materials = [
        {"material_id": str(m["material_id"]), "upload_id": str(m["upload_id"])}
        for m in state.materials
        if m.get("upload_id")
    ]
    application = Application(
        theme_id=flow.theme_id, filled=filled(flow, state), materials=materials, channel=flow.channel
    )
    # the key is the review page's own (one per showing): a second click, even after the draft
    # went with the first filing, answers the case the first one filed
    digest = hashlib.sha256(f"apply-page|{idempotency_key}".encode()).hexdigest() if idempotency_key else None
    return file_application(ctx, flow.filer, application, idempotency_key, digest)
