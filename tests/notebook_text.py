"""What a student sees under a notebook cell, as one string."""

from __future__ import annotations


def cell_text(cell) -> str:
    """Streamed text joined as one piece (a board's output may arrive in several chunks),
    then each error as "Name: message" on its own line."""
    parts = []
    for output in cell.outputs:
        if output.get("output_type") == "error":
            parts.append(f"\n{output.get('ename', '')}: {output.get('evalue', '')}")
        else:
            parts.append(output.get("text", ""))
    return "".join(parts)
