"""The order of a theme's items (办理顺序) as ``themes check`` sees it: what an item waits for,
which document issued at another item's acceptance it goes on with (调档函), what it completes
after, and no circle among them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lianban.catalog.model import Theme

Add = Callable[[Sequence[str | int], str, str, str], None]


def check_order(theme: Theme, add: Add) -> list[str] | None:
    """Report unknown items and documents in the order and a circle; returns the circle, if any."""
    codes = [it.code for it in theme.items]
    interim = {doc.code for it in theme.items for doc in it.issues if doc.at == "acceptance"}
    for i, it in enumerate(theme.items):
        for kind in ("waits_for", "waits_for_any", "completes_after"):
            for j, dep in enumerate(getattr(it, kind)):
                if dep not in codes:
                    add(
                        ["items", i, kind, j],
                        "unknown_item",
                        f"事项 {it.code} 的办理顺序（{kind}）引用了未知事项 {dep}",
                        f"item {it.code} names unknown item {dep} in {kind}",
                    )
        for j, doc in enumerate(it.waits_for_document):
            if doc not in interim:
                add(
                    ["items", i, "waits_for_document", j],
                    "unknown_document",
                    f"事项 {it.code} 等待的文书 {doc} 不是任何事项在受理时出具的（issues: at: acceptance）",
                    f"item {it.code} waits for document {doc}, which no item issues at acceptance",
                )
            elif doc in {d.code for d in it.issues}:
                add(
                    ["items", i, "waits_for_document", j],
                    "dependency_cycle",
                    f"事项 {it.code} 等待自己出具的文书 {doc}",
                    f"item {it.code} waits for document {doc} it issues itself",
                )
    cycle = find_cycle(theme)
    if cycle:
        add(
            ["items", codes.index(cycle[0]), "waits_for"],
            "dependency_cycle",
            f"事项依赖成环：{' → '.join(cycle)}",
            f"dependency cycle: {' → '.join(cycle)}",
        )
    return cycle


def order_graph(theme: Theme) -> dict[str, list[str]]:
    """Each item → the items that must finish before it does (waiting to start, or to complete).

    An item waiting for a document issued at another's acceptance is not in this graph: the
    document comes before the issuer completes, so 档案接收 may complete after 档案转出 which went
    on with its 调档函 — the documents' order, and no circle."""
    return {it.code: [*it.waits_for, *it.waits_for_any, *it.completes_after] for it in theme.items}


def find_cycle(theme: Theme) -> list[str] | None:
    graph = order_graph(theme)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None
