"""Reading YAML for scenarios and sweeps: nodes with their line and column, checked.

PyYAML's safe loader composes the document (no tag ever constructs an object or runs code);
:class:`Reader` turns the node tree into Python values and keeps the (line, column) of every key
path. What techbloc does not support is refused with a :class:`~techbloc.sim.errors.ScenarioError`
naming file, line and column: explicit tags (``!!bool maybe``, ``!custom``; a tag equal to the one
the value has anyway is harmless and accepted), merge keys (``<<``), keys that are not plain text,
and documents that expand past :data:`MAX_NODES` nodes through aliases. ``1e308`` (no dot) reads
as a number, as in YAML 1.2.
"""

from __future__ import annotations

import re

import yaml
from techbloc.sim.errors import ScenarioError

MAX_NODES = 50_000  # refuse documents that expand past this many YAML nodes (billion laughs)
MAX_EXTENDS = 100  # refuse 'extends' chains longer than this (before Python's recursion limit)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads ``1e308`` (no dot; YAML 1.2) as a number."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))
MERGE_TAG = "tag:yaml.org,2002:merge"
DEFAULT_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map",
                yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def read_text(path, file: str, what: str = "scenario") -> str:
    """The text of a YAML file, read as UTF-8.

    Raises:
        ScenarioError: the file cannot be read, or holds a byte that is not UTF-8 (naming its
            line and column).
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"cannot read {what} ({e.strerror or e})", file=file) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - raw.rfind(b"\n", 0, e.start)
        raise ScenarioError(f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8",
                            file=file, line=line, column=column) from None


def compose(text: str, file: str):
    """The node tree of one YAML document (None if empty); a ScenarioError if it is not YAML."""
    loader = None
    try:
        loader = _Loader(text)  # the reader checks characters already here
        return loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise ScenarioError(f"not valid YAML: {e.problem}", file=file,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None,
                            hint="YAML indents and separates with spaces: replace the tab"
                            if "'\\t'" in str(e.problem) else None) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"not valid YAML: {e}".replace("\n", " "), file=file) from None
    except RecursionError:
        raise ScenarioError("document nested too deeply; refused", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


class Reader:
    """Turns a YAML node tree into Python values, keeping (line, column) of every key path.

    With ``errors`` set to a list, validation problems are collected there instead of raised,
    so ``techbloc validate`` can report every error of a file at once.
    """

    def __init__(self, file: str, errors: list | None = None) -> None:
        self.file, self.errors = file, errors
        self.where: dict[str, tuple[int, int]] = {}
        self.nodes = 0
        self._scalar = _Loader("")

    def fail(self, message: str, key: str, hint: str | None = None) -> None:
        """Raise (or, collecting, record) a ScenarioError at ``key``'s line and column."""
        line, column = self.where.get(key, (None, None))
        err = ScenarioError(message, file=self.file, line=line, column=column, key=key or None,
                            hint=hint)
        if self.errors is None:
            raise err
        self.errors.append(err)

    def convert(self, node, path: str = ""):
        """The node's Python value; ``path`` is its key path (``params.us.ally_pressure``)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ScenarioError(f"document expands past {MAX_NODES} nodes (aliases?); refused",
                                file=self.file)
        self.where.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if self._tagged(node):
            self.fail(f"YAML tags ({node.tag.replace('tag:yaml.org,2002:', '!!')}) are not "
                      "supported; write the value without a tag", path)
            return None
        if isinstance(node, yaml.MappingNode):
            out = {}
            for k, v in node.value:
                sub_where = (k.start_mark.line + 1, k.start_mark.column + 1)
                if not isinstance(k, yaml.ScalarNode) or self._tagged(k) or k.tag == MERGE_TAG:
                    self.where[f"{path}.<key>" if path else "<key>"] = sub_where
                    what = ("merge keys ('<<') are not supported; write the keys out"
                            if k.tag == MERGE_TAG else "a key must be plain text, without a tag"
                            " and not a list or mapping")
                    self.fail(what, f"{path}.<key>" if path else "<key>")
                    continue
                key = k.value  # the key as written (true stays 'true', 1 stays '1')
                sub = f"{path}.{key}" if path else key
                self.where[sub] = sub_where
                if key in out:
                    self.fail("duplicate key", sub)
                out[key] = self.convert(v, sub)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(v, f"{path}[{i}]") for i, v in enumerate(node.value)]
        try:
            return self._scalar.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError):
            # A scalar that looks like a timestamp but is no date (2019-13-01): keep the text,
            # and let the key's own check say what was expected.
            return node.value
        except Exception as e:  # noqa: BLE001 - any other construction failure is bad input
            self.fail(f"cannot read this value ({getattr(e, 'problem', None) or e})", path)
            return None

    def _tagged(self, node) -> bool:
        """True if the node carries an explicit tag (``!!bool``, ``!custom``)."""
        if isinstance(node, yaml.ScalarNode):
            plain = node.style is None
            return node.tag != self._scalar.resolve(yaml.ScalarNode, node.value,
                                                    (plain, not plain))
        return node.tag != DEFAULT_TAGS[type(node)]


def parse_value(text: str, key: str = "value"):
    """A value written on the command line (``--set KEY=VALUE``), read as a scenario file would.

    Raises:
        ScenarioError: not valid YAML, a tag, or several documents.
    """
    try:
        node = compose(text, "--set")
        if node is None:
            raise ScenarioError("expected a value after '='")
        return Reader("--set").convert(node)
    except ScenarioError as e:
        raise ScenarioError(e.message, key=key, hint=e.hint) from None


class OtherKind(ScenarioError):
    """A file of the other kind: a sweep file given where a scenario was expected."""


def other_kind(keys, kind: str) -> str | None:
    """A hint when a file of the other kind is given: a sweep file to ``run``, or the reverse.

    Args:
        keys: the file's top-level keys.
        kind: ``"scenario"`` or ``"sweep"``, what the command expected.
    """
    keys = set(keys)
    if kind == "scenario" and {"scenario", "design"} <= keys:
        return "this is a sweep file: run it with techbloc sweep FILE"
    if kind == "sweep" and keys & {"extends", "params", "events"} and "design" not in keys:
        return "this is a scenario file: run it with techbloc run FILE"
    return None
