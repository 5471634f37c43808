"""Literal gates: the strings a regular expression cannot match without, checked before it runs.

A gate is derived from a compiled pattern's syntax tree: a sequence needs what each of its parts
needs (and a run of literal parts needs one of the strings they spell together), an alternation
needs what one of its branches needs, a repeat that may occur zero times and a lookaround need
nothing. ``Gate.admits(text)`` is False only when no match is possible in ``text``, so skipping the
pattern then never changes a result; where the tree holds something the analysis does not know (a
class of all digits, a back-reference, case folding), the gate admits every text.

Checking is in two steps. ``Gate.needs`` is a few small sets of characters, each of which every
admitted text holds one of (男 or 女 or 帅 for a gender rule). A ``Family`` of gates scans a text once
for the characters of all their needs and answers with one bit per set met, so most gates are settled
by an AND of integers; only a gate whose needs are met looks for its strings.

The syntax tree comes from ``re._parser``, the parser ``re.compile`` itself uses.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, lru_cache

# The parser re.compile itself uses (typeshed does not describe these modules).
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

Needs = tuple[frozenset[str], ...] | None
"""Sets of characters of which a text holds one each; None: none is known (the gate may admit any)."""

UNSCREENED = -1
"""A scan with every bit set: every gate passes (the patterns run as if there were no gates)."""
MAX_STRINGS = 2000
"""How many strings a run of literal parts may spell before it is split (a bound on memory)."""
SCAN_FROM = 64
"""From how many strings a gate scans for their keys rather than for the strings themselves."""
MAX_NEEDS = 8
"""How many sets of characters a gate keeps (the smallest: each more is one more intersection)."""
_MAX_CLASS = 256


class Gate:
    needs: Needs = None
    weight = 0
    """Roughly what it costs to check: the checks of a conjunction run lightest first."""
    _mask = 0
    """The bits of ``needs`` in its family's scans (0 outside a family: admits decides alone)."""
    _family: Family | None = None

    def admits(self, text: str) -> bool:
        raise NotImplementedError

    def passes(self, text: str, scanned: int) -> bool:
        """``admits``, given the text's scan by the gate's family (``Family.scan``); any text
        passes with ``UNSCREENED``."""
        if scanned & self._mask != self._mask:
            return False
        return scanned == UNSCREENED or self.admits(text)


class _Always(Gate):
    def admits(self, text: str) -> bool:
        return True


class _Never(Gate):
    needs = (frozenset(),)

    def admits(self, text: str) -> bool:
        return False

    def passes(self, text: str, scanned: int) -> bool:
        return False


ALWAYS: Gate = _Always()
NEVER: Gate = _Never()


class _AnyOf(Gate):
    """One of ``strings`` occurs in the text."""

    def __init__(self, strings: frozenset[str]) -> None:
        self.strings, self.needs = _analysed(strings)
        self.weight = len(self.strings)

    @cached_property
    def _search(self) -> Callable[[str], bool]:
        # Built at the first text: most of a pattern's gates are never asked, their needs decide.
        if self.weight < SCAN_FROM:
            few = re.compile("|".join(map(re.escape, self.strings)))
            return lambda text: few.search(text) is not None
        # Each string is filed under the character of it that the fewest other strings share, so a
        # character found costs few searches.
        shared = Counter(char for string in self.strings for char in set(string))
        by_key: dict[str, list[str]] = {}
        for string in self.strings:
            by_key.setdefault(min(string, key=lambda char: shared[char]), []).append(string)
        keys = re.compile("[" + "".join(map(re.escape, sorted(by_key))) + "]")

        def search(text: str) -> bool:
            for key in set(keys.findall(text)):
                for string in by_key[key]:
                    if len(string) == 1 or string in text:
                        return True
            return False

        return search

    def admits(self, text: str) -> bool:
        return self._search(text)


class _AllOf(Gate):
    def __init__(self, gates: Sequence[Gate]) -> None:
        self.gates = tuple(sorted(gates, key=lambda gate: gate.weight))
        self.weight = self.gates[0].weight
        self.needs = _needs_of_all(gate.needs for gate in self.gates)

    def admits(self, text: str) -> bool:
        for gate in self.gates:
            if not gate.admits(text):
                return False
        return True


class _OneOf(Gate):
    def __init__(self, gates: Sequence[Gate]) -> None:
        self.gates = tuple(gates)
        self.weight = sum(gate.weight for gate in self.gates)
        self.needs = needs_of(self.gates)

    def admits(self, text: str) -> bool:
        for gate in self.gates:
            if gate.admits(text):
                return True
        return False


def _fewest(sets: Iterable[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """The smallest sets, none of them a superset of another (a text holding one of 男女 holds one of
    男女帅); dropping a set only weakens the needs, so any choice stays true."""
    kept: list[frozenset[str]] = []
    for chars in sorted(set(sets), key=lambda chars: (len(chars), sorted(chars))):
        if not any(other <= chars for other in kept):
            kept.append(chars)
    return tuple(kept[:MAX_NEEDS])


def _needs_of_all(needs: Iterable[Needs]) -> Needs:
    known = [chars for part in needs if part is not None for chars in part]
    return _fewest(known) if known else None


def needs_of(gates: Iterable[Gate]) -> Needs:
    """The needs of a text one of ``gates`` admits: (A and B) or C needs (A or C) and (B or C)."""
    needs: tuple[frozenset[str], ...] = (frozenset(),)
    for gate in gates:
        if gate.needs is None:
            return None
        needs = _fewest(mine | theirs for mine in needs for theirs in gate.needs)
    return needs


class Family:
    """Gates checked against one scan of a text: each set of characters in their needs is a bit,
    and ``scan(text)`` sets the bits of the sets the text meets."""

    def __init__(self, gates: Iterable[Gate], *, needs: Iterable[Needs] = ()) -> None:
        """``needs``: needs besides the gates' to answer ``mask`` for (of a group of gates)."""
        self._bits: dict[frozenset[str], int] = {}
        gates = [gate for gate in gates if gate is not ALWAYS and gate is not NEVER]
        for gate in gates:
            if gate._family not in (None, self):
                raise ValueError("a gate belongs to one family: its mask holds that family's bits")
        for sets in [*(gate.needs for gate in gates), *needs]:
            for chars in sets or ():
                self._bits.setdefault(chars, 1 << len(self._bits))
        for gate in gates:
            gate._mask, gate._family = self.mask(gate.needs), self
        self._char_bits: dict[str, int] = {}
        for chars, bit in self._bits.items():
            for char in chars:
                self._char_bits[char] = self._char_bits.get(char, 0) | bit
        keys = "".join(map(re.escape, sorted(self._char_bits)))
        self._scan = re.compile(f"[{keys}]" if keys else "(?!)")

    def mask(self, needs: Needs) -> int:
        """The bits a scan must have all of for ``needs`` to be met (0: always met)."""
        mask = 0
        for chars in needs or ():
            mask |= self._bits[chars]
        return mask

    def scan(self, text: str) -> int:
        scanned = 0
        for char in set(self._scan.findall(text)):
            scanned |= self._char_bits[char]
        return scanned


def _coverings(strings: Sequence[str]) -> tuple[frozenset[str], ...]:
    """A few sets of characters, each holding a character of every string: chosen greedily (the
    character in most strings first), each set from characters the sets before it left unused where
    a string has any, so that together they say more than one (有 and one of 孩子, for 有孩子, 有子女)."""
    coverings: list[frozenset[str]] = []
    used: set[str] = set()
    for _ in range(MAX_NEEDS):
        chosen = _covering([(set(string) - used) or set(string) for string in strings])
        if chosen in coverings:
            break
        coverings.append(chosen)
        used |= chosen
    return tuple(coverings)


def _covering(sets: list[set[str]]) -> frozenset[str]:
    """Characters that meet every one of ``sets``, greedily: the one in most of the sets not yet met
    first (ties: the lowest code point, so that a vocabulary gives the same gates every time)."""
    holders: dict[str, list[int]] = {}
    for index, chars in enumerate(sets):
        for char in chars:
            holders.setdefault(char, []).append(index)
    counts = {char: len(indexes) for char, indexes in holders.items()}
    heap = [(-count, char) for char, count in counts.items()]
    heapq.heapify(heap)
    met = [False] * len(sets)
    chosen: set[str] = set()
    while heap:
        negative, char = heapq.heappop(heap)
        if -negative != counts[char]:
            heapq.heappush(heap, (-counts[char], char))  # an entry made before sets were met
            continue
        if counts[char] == 0:
            break
        chosen.add(char)
        for index in holders[char]:
            if not met[index]:
                met[index] = True
                for other in sets[index]:
                    counts[other] -= 1
    return frozenset(chosen)


@lru_cache(maxsize=256)
def _analysed(strings: frozenset[str]) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """The strings that matter of a set and their needs: the same set recurs in a pattern (the values
    of an attribute in each of its forms), and the analysis of a big one takes a while."""
    shortest = tuple(_shortest_forms(strings))
    return shortest, _fewest(_coverings(shortest))


def _shortest_forms(strings: Iterable[str]) -> list[str]:
    """The strings none of whose proper substrings is among them (a text holding 男性 holds 男)."""
    unique = set(strings)
    kept = []
    for string in sorted(unique, key=lambda s: (len(s), s)):
        inner = (string[i:j] for i in range(len(string)) for j in range(i + 1, len(string) + 1))
        if not any(part in unique and part != string for part in inner):
            kept.append(string)
    return kept


def any_of(strings: Iterable[str]) -> Gate:
    strings = frozenset(strings)
    if "" in strings:
        return ALWAYS
    return _AnyOf(strings) if strings else NEVER


def all_of(gates: Iterable[Gate]) -> Gate:
    kept: list[Gate] = []
    for gate in gates:
        if gate is NEVER:
            return NEVER
        if gate is not ALWAYS:
            kept.append(gate)
    return kept[0] if len(kept) == 1 else _AllOf(kept) if kept else ALWAYS


def one_of(gates: Iterable[Gate]) -> Gate:
    literal: set[str] = set()
    kept: list[Gate] = []
    for gate in gates:
        if gate is ALWAYS:
            return ALWAYS
        if isinstance(gate, _AnyOf):
            literal.update(gate.strings)  # one index for every branch that is a set of strings
        elif gate is not NEVER:
            kept.append(gate)
    if literal:
        kept.insert(0, any_of(literal))
    return kept[0] if len(kept) == 1 else _OneOf(kept) if kept else NEVER


class _Facts:
    """What a node of the tree matches: ``exact``, every string it can match when they are few (None
    when they are many or unknown), and its gate, made when asked (a part's gate is most often
    folded into the strings of the run it is in, and never needed)."""

    def __init__(self, exact: frozenset[str] | None, make: Callable[[], Gate] | None = None) -> None:
        self.exact = exact
        self._make = make

    @cached_property
    def gate(self) -> Gate:
        if self.exact is not None and (self._make is None or len(self.exact) < SCAN_FROM):
            return any_of(self.exact)  # the strongest a few strings can say, and the cheapest to make
        return self._make() if self._make is not None else ALWAYS


_EMPTY = _Facts(frozenset({""}))
_UNKNOWN = _Facts(None)


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _run_gate(run: frozenset[str], parts: list[_Facts]) -> Gate:
    """What a run of literal parts needs: one of the strings they spell; with many strings, each part's
    own gate first (男 alone is quicker to rule out than every string of 不招男, 男士勿扰 …)."""
    if len(parts) <= 1:
        return parts[0].gate if parts else ALWAYS
    return any_of(run) if len(run) < SCAN_FROM else all_of([*(part.gate for part in parts), any_of(run)])


def _sequence(items: Iterable[tuple[Any, Any]], unseen: frozenset[str]) -> _Facts:
    runs: list[tuple[frozenset[str], list[_Facts]]] = []
    others: list[_Facts] = []
    run: frozenset[str] = frozenset({""})
    parts: list[_Facts] = []
    for op, av in items:
        facts = _node(op, av, unseen)
        product = _product(run, facts.exact) if facts.exact is not None else None
        if product is not None:
            run = product
            parts.append(facts)
            continue
        runs.append((run, parts))
        if facts.exact is not None:
            run, parts = facts.exact, [facts]
        else:
            others.append(facts)
            run, parts = frozenset({""}), []
    runs.append((run, parts))

    def make() -> Gate:
        return all_of([*(_run_gate(*each) for each in runs), *(other.gate for other in others)])

    return _Facts(run if len(runs) == 1 and not others else None, make)


def _branches_gate(branches: list[_Facts]) -> Gate:
    few = [branch for branch in branches if branch.exact is not None and len(branch.exact) < SCAN_FROM]
    strings = frozenset().union(*(branch.exact or () for branch in few))
    rest = [branch.gate for branch in branches if branch not in few]
    return one_of([any_of(strings), *rest] if few else rest)


def _char_class(items: Iterable[tuple[Any, Any]], unseen: frozenset[str]) -> _Facts:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return _UNKNOWN  # a negated class, a category (\d, \s), a wide range
    if chars & unseen:
        return _UNKNOWN
    return _Facts(frozenset(chars))


def _node(op: Any, av: Any, unseen: frozenset[str]) -> _Facts:
    if op is sre.LITERAL:
        char = chr(av)
        return _UNKNOWN if char in unseen else _Facts(frozenset({char}))
    if op is sre.IN:
        return _char_class(av, unseen)
    if op is sre.AT:
        return _EMPTY
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        if op is sre.ASSERT_NOT and not av[1].data:
            return _Facts(frozenset())  # (?!): never matches
        return _EMPTY  # a lookaround consumes nothing
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        if add_flags & sre.SRE_FLAG_IGNORECASE:
            return _UNKNOWN
        return _sequence(body.data, unseen)
    if op is sre.ATOMIC_GROUP:
        return _sequence(av.data, unseen)
    if op is sre.BRANCH:
        branches = [_sequence(branch.data, unseen) for branch in av[1]]
        exact: frozenset[str] | None = None
        if all(branch.exact is not None for branch in branches):
            exact = frozenset().union(*(branch.exact or () for branch in branches))
            exact = exact if len(exact) <= MAX_STRINGS else None
        return _Facts(exact, lambda: _branches_gate(branches))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body_pattern = av
        body = _sequence(body_pattern.data, unseen)
        if low == 0:
            optional = body.exact | {""} if high == 1 and body.exact is not None else None
            return _Facts(optional, lambda: ALWAYS)
        if low == high and body.exact is not None:
            repeated: frozenset[str] | None = frozenset({""})
            for _ in range(low):
                repeated = _product(repeated, body.exact) if repeated is not None else None
            if repeated is not None:
                return _Facts(repeated)
        return _Facts(None, lambda: body.gate)
    return _UNKNOWN  # any character, a back-reference, a conditional: no string is required


def gate_of(pattern: re.Pattern[str], *, unseen: str = "") -> Gate:
    """The gate of ``pattern``. ``unseen``: characters a caller may write into a text after its keys
    were scanned (a mask's blank); no gate requires them, so the scan of the text as it was serves."""
    if pattern.flags & re.IGNORECASE:
        return ALWAYS
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError):  # pragma: no cover - compiled already, so it parses
        return ALWAYS
    return _sequence(tree.data, frozenset(unseen)).gate
