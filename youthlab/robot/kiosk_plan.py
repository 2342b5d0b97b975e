"""The robot postman's plan as a visitor builds it: where each pressed step takes the robot.

A visitor presses steps (``S`` straight, ``L``/``R`` turn, ``U`` turn back, ``D``
deliver); :func:`follow_plan` walks them over the town's street graph
(:func:`youthlab.robot.route.town_graph`) exactly as the postman program drives them, so
the kiosk can draw the route before the robot runs and offer only the steps that make
sense where the planned robot stands (:attr:`Plan.allowed`). The run itself is still the
real program in the simulator; this is its preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from youthlab.robot.route import Node, town_graph, turn_to
from youthlab.robot.worlds import World

MOVES = ("S", "L", "R", "U")
MAX_STEPS = 40  # a plan longer than this is not a plan a visitor can read back


@dataclass
class Plan:
    """Where a list of steps takes the robot: nodes passed, letters dropped, what is next."""

    world: World
    steps: list[str]
    path: list[Node]  # the start node, then one node per move
    heading: str  # the compass heading at the end ("E", "N", "W", "S")
    drops: list[tuple[Node, str | None]] = field(default_factory=list)  # (node, house address or None)
    allowed: frozenset[str] = frozenset()  # the steps that make sense next

    @property
    def at(self) -> Node:
        """The node the planned robot stands on."""
        return self.path[-1]

    @property
    def delivered(self) -> int:
        """How many letters this plan delivers in the right order, before any mistake."""
        n = 0
        for (_, house), wanted in zip(self.drops, self.world.letters):
            if house != _address(self.world, wanted):
                break
            n += 1
        return n

    @property
    def mistake(self) -> tuple[str | None, str] | None:
        """(house dropped at, house wanted) for the first letter dropped at the wrong door."""
        for (_, house), wanted in zip(self.drops, self.world.letters):
            if house != _address(self.world, wanted):
                return house, _address(self.world, wanted)
        return None

    @property
    def complete(self) -> bool:
        """Every letter planned, in order, and no letter left over."""
        return len(self.drops) == len(self.world.letters) and self.delivered == len(self.world.letters)

    @property
    def next_letter(self) -> str | None:
        """The address of the next letter to plan, or None when all are planned."""
        k = len(self.drops)
        return _address(self.world, self.world.letters[k]) if k < len(self.world.letters) else None


def _address(world: World, name: str) -> str:
    house = world.house(name)
    return house.address if house else name


def start_state(world: World) -> tuple[Node, str]:
    """The node and heading where the postman program starts its ROUTE (the first crossing
    ahead of the post office driveway)."""
    graph = town_graph(world)
    x, y, heading_deg = world.start
    heading = {0: "E", 90: "N", 180: "W", 270: "S"}[round(heading_deg) % 360]
    dx, dy = {"E": (1, 0), "N": (0, 1), "W": (-1, 0), "S": (0, -1)}[heading]
    ahead = [n for n in graph if (n[0] - x) * dx + (n[1] - y) * dy > 0
             and abs((n[0] - x) * dy - (n[1] - y) * dx) < 1e-6]
    return min(ahead, key=lambda n: abs(n[0] - x) + abs(n[1] - y)), heading


def _allowed(graph: dict[Node, dict[str, Node]], doors: dict[Node, str], node: Node, heading: str,
             steps: int) -> frozenset[str]:
    if steps >= MAX_STEPS:
        return frozenset()
    exits = graph[node]
    side_street = turn_to(heading, "L") in exits or turn_to(heading, "R") in exits
    ok = {m for m in MOVES if turn_to(heading, m) in exits and not (m == "U" and side_street)}
    if node in doors:
        ok.add("D")
    return frozenset(ok)


def follow_plan(world: World, steps: list[str]) -> Plan:
    """Walk ``steps`` over the town. Raises ``ValueError`` at a step that is not allowed
    where the robot stands (no street that way, a letter dropped on a crossing)."""
    graph = town_graph(world)
    doors = {h.door: h.address for h in world.houses}
    node, heading = start_state(world)
    path, drops = [node], []
    for i, step in enumerate(steps):
        if step not in _allowed(graph, doors, node, heading, i):
            raise ValueError(f"step {i + 1} ({step}) is not possible at {node} facing {heading}")
        if step == "D":
            drops.append((node, doors.get(node)))
            continue
        heading = turn_to(heading, step)
        node = graph[node][heading]
        path.append(node)
    return Plan(world, list(steps), path, heading, drops, _allowed(graph, doors, node, heading, len(steps)))
