"""Reading what a page shows in an AppTest run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def texts(app: AppTest) -> str:
    """Every piece of text on the page, one string, for "is this shown" checks."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error",
                 "metric", "text"):
        for element in getattr(app, kind):
            # Alerts lift a leading emoji out of the body into `icon`; put it back.
            icon = getattr(element, "icon", "")
            label = getattr(element, "label", "")
            parts.append(" ".join(str(p) for p in (icon, label, element.value) if p))
    for element in app.get("progress"):
        parts.append(str(element.proto.text))
    return "\n".join(parts)


def no_exceptions(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def widget_texts(app: AppTest) -> str:
    """Labels and options of every widget, and the headers of every table."""
    parts: list[str] = []
    for kind in ("button", "selectbox", "multiselect", "segmented_control", "pills", "text_input",
                 "number_input", "chat_input"):
        for widget in app.get(kind):
            parts.append(str(getattr(widget.proto, "label", "")))
            parts.extend(str(option) for option in getattr(widget.proto, "options", []))
            parts.append(str(getattr(widget.proto, "placeholder", "")))
    for table in app.dataframe:
        parts.extend(str(column) for column in table.value.columns)
    return "\n".join(parts)
