"""Sizes of nested lists and tuples, measured without building anything and without recursion.

Part of engine/sandbox/__init__.py (the public API; read its docstring first). A list may hold
the same inner list many times (`l1 = [l0, l0]`, ..., `l9 = [l8, l8]`): its repr, a comparison
or a copy walks every path, so the cost is the size of the *tree*, which doubles with each
level while the number of distinct lists only grows by one. Both measures here therefore count a
shared list once per place it appears, but compute each distinct list's share only once
(memoised by id), so measuring costs the number of distinct lists and items, not the tree:

    tree_weight(seq)  the weighted item count that MAX_LEN bounds (what comparisons and copies cost)
    render_len(seq)   a lower bound on len(str(seq)), to refuse str()/print/f-strings before building

Both refuse (a `_Limit`) as soon as a list's total passes `limit`, and a list that contains
itself or is nested past `max_depth`. Reference: CPython's list_repr and list_richcompare walk every
element, with no sharing (Objects/listobject.c).
"""

from __future__ import annotations


class _Limit(Exception):
    """A guard refused an operation at run time; the statement runner adds the line."""


def _own(node, render: bool) -> tuple[int, list]:
    """(what a list/tuple adds itself, its inner lists/tuples), in one pass over its items.

    Weight: 1 for the container, 1 per item, plus 1 per 16 characters of a str item and per 64
    bits of an int item (at least 1/24 of its repr). Render: 3 per item (", " and at least one
    character) plus the quotes and the characters beyond the first of a str item.
    """
    total = len(node) * 3 if render else 1 + len(node)
    kids = []
    for x in node:
        t = type(x)
        if t is str:
            total += len(x) + 1 if render else len(x) >> 4
        elif t is int and not render:
            total += x.bit_length() >> 6
        elif t is list or t is tuple:
            kids.append(x)
    return total, kids


def _too_big(render: bool, limit: int) -> _Limit:
    if render:
        return _Limit(f"printing this list/tuple would give more than {limit:,} characters")
    return _Limit(f"a list/tuple is larger than {limit:,} items")


def _walk(seq, render: bool, limit: int, max_depth: int) -> int:
    """The total over the tree of seq (see _own): each inner list counted once per place it appears.

    Iterative post-order walk; `done` memoises a finished list's (total, height) by id, so a list
    shared by many parents is walked once, however many times it is counted.
    """
    own = _own(seq, render)
    if not own[1]:  # the common case: no inner lists
        if own[0] > limit:
            raise _too_big(render, limit)
        return own[0]
    done: dict[int, tuple[int, int]] = {}
    open_ids = {id(seq)}  # lists whose walk has started and not finished: their descendants
    stack = [(seq, own)] + [(k, None) for k in own[1]]  # (list, None): still to open
    while stack:
        node, info = stack.pop()
        key = id(node)
        if info is None:
            if key in done:
                continue
            if key in open_ids:
                raise _Limit("a list contains itself, so it is infinitely deep")
            open_ids.add(key)
            info = _own(node, render)
            stack.append((node, info))
            stack.extend((k, None) for k in info[1] if id(k) not in done)
            continue
        total, height = info[0], 1
        for k in info[1]:
            sub, sub_height = done[id(k)]
            total += sub
            height = max(height, sub_height + 1)
        if total > limit:
            raise _too_big(render, limit)
        if height > max_depth:
            raise _Limit(f"lists/tuples are nested more than {max_depth} deep")
        open_ids.discard(key)
        done[key] = (total, height)
    return done[id(seq)][0]


def tree_weight(seq, *, limit: int, max_depth: int) -> int:
    """Weighted size of a list/tuple and everything in it (see _own): what MAX_LEN bounds."""
    return _walk(seq, False, limit, max_depth)


def render_len(seq, *, limit: int, max_depth: int) -> int:
    """A lower bound on len(str(seq)): a ', ' and at least a character per item, a str's text and quotes."""
    return _walk(seq, True, limit, max_depth)
