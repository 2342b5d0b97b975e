"""Route planning in the postal town: streets as a graph, letters → a ROUTE of moves.

Nodes are the crossings and the door marks; each node links to the next node along the
street in each compass direction. A robot state is (node, heading). Moves at a node:
``S`` straight, ``L``/``R`` turn, ``U`` turn back (only where there is no side street:
at a door mark or a dead end, as a spinning robot would otherwise find the side street
first), ``D`` deliver here. :func:`plan` finds the fewest moves with a breadth-first
search — the "computer's plan" students compare their own route with.
"""

from __future__ import annotations

from collections import deque

from youthlab.robot.worlds import World

Node = tuple[float, float]
ORDER = ["E", "N", "W", "S"]  # counter-clockwise: left of E is N


def turn_to(heading: str, move: str) -> str:
    """The new heading after a move (``S``, ``L``, ``R``, ``U``)."""
    i = ORDER.index(heading)
    return ORDER[(i + {"S": 0, "L": 1, "U": 2, "R": 3}[move]) % 4]


def town_graph(world: World) -> dict[Node, dict[str, Node]]:
    """``{node: {direction: next node}}`` for the town's streets."""
    nodes: set[Node] = set()
    streets: list[list[Node]] = []
    for (x0, y0), (x1, y1) in world.paths:
        streets.append([(x0, y0), (x1, y1)])
    crossings = {p for s in streets for p in s}
    xs = sorted({p[0] for p in crossings})
    ys = sorted({p[1] for p in crossings})
    nodes = {(x, y) for x in xs for y in ys} | {h.door for h in world.houses}
    graph: dict[Node, dict[str, Node]] = {n: {} for n in nodes}
    for (x0, y0), (x1, y1) in streets:
        on = sorted(n for n in nodes if (y0 == y1 == n[1] and min(x0, x1) <= n[0] <= max(x0, x1))
                    or (x0 == x1 == n[0] and min(y0, y1) <= n[1] <= max(y0, y1)))
        horizontal = y0 == y1
        for a, b in zip(on, on[1:]):
            graph[a]["E" if horizontal else "N"] = b
            graph[b]["W" if horizontal else "S"] = a
    return graph


def _moves(graph: dict[Node, dict[str, Node]], node: Node, heading: str):
    exits = graph[node]
    for move in ("S", "L", "R", "U"):
        if move == "U" and (turn_to(heading, "L") in exits or turn_to(heading, "R") in exits):
            continue
        h = turn_to(heading, move)
        if h in exits:
            yield move, exits[h], h


def plan(world: World, letters: list[str] | None = None, start: Node = (30.0, 30.0),
         heading: str = "E") -> list[str]:
    """The shortest ROUTE (fewest moves) that delivers ``letters`` in order."""
    graph = town_graph(world)
    route: list[str] = []
    state = (start, heading)
    for address in letters if letters is not None else world.letters:
        house = world.house(address)
        if house is None:
            raise ValueError(address)
        prev: dict[tuple[Node, str], tuple[tuple[Node, str], str] | None] = {state: None}
        q = deque([state])
        goal = None
        while q:
            s = q.popleft()
            if s[0] == house.door:
                goal = s
                break
            for move, n, h in _moves(graph, *s):
                if (n, h) not in prev:
                    prev[(n, h)] = (s, move)
                    q.append((n, h))
        if goal is None:
            raise ValueError(f"no way to {address}")
        leg: list[str] = []
        s = goal
        while prev[s] is not None:
            s, move = prev[s]
            leg.append(move)
        route += leg[::-1] + ["D"]
        state = goal
    return route
