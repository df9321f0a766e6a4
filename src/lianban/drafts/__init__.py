"""The drafts room (草稿): a half-filled form kept on the server per applicant per theme, so a lost
session or a closed tab never loses what was typed. Personal values in it are encrypted at rest as
in a case's form; a draft is deleted when the application is filed and expires when not touched
for the deployment's ``drafts.keep_days`` (default 30)."""
