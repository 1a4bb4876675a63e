"""Sizes of nested lists and tuples, measured without building anything and without recursion.

Part of engine/sandbox/__init__.py (the public API; read its docstring first). A list may hold
the same inner list many times (`l1 = [l0, l0]`, ..., `l9 = [l8, l8]`): its repr, a comparison
or a copy walks every path, so the cost is the size of the *tree*, which doubles with each
level while the number of distinct lists only grows by one. Both measures here therefore count a
shared list once per place it appears, but compute each distinct list's share only once
(memoised by id), so measuring costs the number of distinct lists and items, not the tree:

    tree_weight(seq)  the weighted item count that MAX_LEN bounds (what comparisons and copies cost)
    render_len(seq)   a lower bound on len(str(seq)), to refuse str()/print/f-strings before building

Both stop as soon as the total passes `limit`, and refuse a list that contains itself or is
nested past `max_depth`. Reference: CPython's list_repr and list_richcompare walk every
element, with no sharing (Objects/listobject.c).
"""

from __future__ import annotations

import math

_LOG10_2 = math.log10(2)


class _Limit(Exception):
    """A guard refused an operation at run time; the statement runner adds the line."""


def _weight_leaf(x) -> int:
    """What an item weighs beyond its 1: 1 per 16 characters of a str, per 64 bits of an int."""
    t = type(x)
    if t is str:
        return len(x) >> 4
    if t is int:
        return x.bit_length() >> 6
    return 0


def _render_leaf(x) -> int:
    """A lower bound on len(repr(x)) of an item inside a list: quotes, digits, sign."""
    t = type(x)
    if t is str:
        return len(x) + 2  # the quotes; escapes only make it longer
    if t is int:
        return max(1, int((x.bit_length() - 1) * _LOG10_2) + 1) + (x < 0)  # decimal digits, sign
    if t is bool or x is None:
        return 4  # True, None; False is 5
    return 3  # a float is at least '0.0', 'inf', 'nan'; a complex at least '0j' plus parentheses


def _walk(seq, leaf, base, per_item, *, limit: int, max_depth: int, what: str) -> int:
    """Sum over the tree of seq: base + per_item * len for each list/tuple, leaf(x) for other items.

    Iterative post-order walk; `done` memoises a finished list's (total, height) by id, so a list
    shared by many parents is walked once and counted once per parent.
    """
    done: dict[int, tuple[int, int]] = {}
    open_ids: set[int] = set()  # lists whose walk has started and not finished: their descendants
    stack = [(seq, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if not finished:
            if key in done:
                continue
            if key in open_ids:
                raise _Limit("a list contains itself, so it is infinitely deep")
            open_ids.add(key)
            stack.append((node, True))
            stack.extend((x, False) for x in node if type(x) is list or type(x) is tuple)
            continue
        total, height = base + per_item * len(node), 1
        for x in node:
            if type(x) is list or type(x) is tuple:
                sub, sub_height = done[id(x)]
                total, height = total + sub, max(height, sub_height + 1)
            else:
                total += leaf(x)
            if total > limit:
                raise _Limit(what)
        if height > max_depth:
            raise _Limit(f"lists/tuples are nested more than {max_depth} deep")
        open_ids.discard(key)
        done[key] = (total, height)
    return done[id(seq)][0]


def tree_weight(seq, *, limit: int, max_depth: int) -> int:
    """Weighted size of a list/tuple: 1 per container and per item, plus _weight_leaf: ≥ 1/24 of its repr."""
    return _walk(seq, _weight_leaf, 1, 1, limit=limit, max_depth=max_depth,
                 what=f"a list/tuple is larger than {limit:,} items")


def render_len(seq, *, limit: int, max_depth: int) -> int:
    """A lower bound on len(str(seq)): 2 brackets and a ', ' between items, plus each item's repr."""
    return _walk(seq, _render_leaf, 0, 2, limit=limit, max_depth=max_depth,
                 what=f"printing this list/tuple would give more than {limit:,} characters")
