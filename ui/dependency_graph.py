"""The service dependency graph as Graphviz DOT (drawn in the browser by `st.graphviz_chart`): each
server a box coloured by its status, arrows from a server to the ones it calls, users at the entry
points, servers on no request path grouped apart."""

from __future__ import annotations

from collections.abc import Mapping

from openmanager_core.dependencies import DependencyGraph
from openmanager_core.i18n import Lang, t
from openmanager_core.models import Status

# Fill and text colours per status, Streamlit's own green / orange / red / grey.
STATUS_FILL: dict[Status, tuple[str, str]] = {
    Status.ONLINE: ("#21c354", "#ffffff"),
    Status.WARNING: ("#ffa421", "#262730"),
    Status.CRITICAL: ("#ff4b4b", "#ffffff"),
    Status.OFFLINE: ("#808495", "#ffffff"),
}
USERS_NODE = "users"
MAX_DRAWN = 100  # servers drawn at most (the first in deployment order); more is unreadable anyway
APART_ROW = 4  # servers on no request path, drawn this many to a row rather than one tall column


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(hostname: str, status: Status, lang: Lang) -> str:
    fill, font = STATUS_FILL[status]
    label = f"{hostname}\n{t(f'status.{status.value}', lang)}"
    return (f"{_quoted('host:' + hostname)} [label={_quoted(label)}, fillcolor={_quoted(fill)}, "
            f"fontcolor={_quoted(font)}, tooltip={_quoted(hostname)}]")


def dependency_dot(graph: DependencyGraph, statuses: Mapping[str, Status], lang: Lang) -> str:
    """DOT of the servers in `statuses` (hostname -> status by the one judgement, in deployment order):
    the request path left to right, then the servers on no request path in a box of their own."""
    drawn = graph.among(list(statuses)[:MAX_DRAWN])
    lines = [
        "digraph dependencies {",
        '  graph [rankdir=LR, bgcolor="transparent", fontname="sans-serif", fontsize=11, nodesep=0.25];',
        '  node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=11];',
        '  edge [color="#8a8d99", arrowsize=0.7];',
    ]
    if drawn.entry_points:
        users = _quoted(t("fleet.graph.users", lang))
        lines.append(f'  {_quoted(USERS_NODE)} [label={users}, shape=plaintext, style="", '
                     'fontcolor="#8a8d99"];')
        lines.extend(f"  {_quoted(USERS_NODE)} -> {_quoted('host:' + entry)} [style=dashed];"
                     for entry in drawn.entry_points)
    on_path = [h for h in drawn.hostnames if h not in drawn.apart]
    lines.extend(f"  {_node(host, statuses[host], lang)};" for host in on_path)
    lines.extend(f"  {_quoted('host:' + caller)} -> {_quoted('host:' + callee)};"
                 for caller, callee in drawn.edges)
    if drawn.apart:
        lines.append("  subgraph cluster_apart {")
        lines.append(f"    label={_quoted(t('fleet.graph.apart', lang))}; style=dashed; color=\"#8a8d99\";")
        lines.extend(f"    {_node(host, statuses[host], lang)};" for host in drawn.apart)
        lines.extend(f"    {_quoted('host:' + drawn.apart[k - 1])} -> {_quoted('host:' + drawn.apart[k])} "
                     "[style=invis];" for k in range(1, len(drawn.apart)) if k % APART_ROW)
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)
