"""One YAML loader for every file netlab reads: no aliases, bounded size and depth."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import yaml

from netlab import yamlfile
from netlab.exceptions import InputError, NetlabError, ParamsError
from netlab.params import load_params
from netlab.sources._describe import load_description

#: "Billion laughs": nine levels of nine aliases, 9**9 (387 million) strings once expanded.
BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


def test_plain_yaml_reads_as_safe_load_does():
    text = "run: demo\nschools: [S01, S02]\nnested: {a: 1, b: [true, 2.5, null]}\n"
    assert yamlfile.load(text) == yaml.safe_load(text)
    assert yamlfile.load("") is None


@pytest.mark.parametrize(
    "text", ["a: &x 1\nb: 2\n", "a: 1\nb: *x\n", "a: &x [1, 2]\nb: *x\n", "- &k {a: 1}\n"]
)
def test_anchors_and_aliases_are_refused_naming_the_line(text):
    with pytest.raises(yamlfile.YamlRefused, match=r"anchors and aliases.*\(line \d+\)"):
        yamlfile.load(text)


def test_deep_nesting_and_huge_files_are_refused():
    with pytest.raises(yamlfile.YamlRefused, match="nested more than 50"):
        yamlfile.load("[" * 200 + "]" * 200)
    assert yamlfile.load("[" * 50 + "]" * 50) is not None
    with pytest.raises(yamlfile.YamlRefused, match="at most"):
        yamlfile.load("a: " + "x" * (yamlfile.MAX_BYTES + 1))


def test_an_alias_bomb_in_params_is_a_params_error(tmp_path):
    p = tmp_path / "bomb.yaml"
    p.write_text(f"run: x\n{BOMB}\nraw_dir: *a8\nschools: *a8\n")
    with pytest.raises(ParamsError, match=r"anchors and aliases.*line 2"):
        load_params(p)


def test_an_alias_bomb_in_a_description_is_an_input_error(tmp_path):
    p = tmp_path / "roster.yaml"
    p.write_text(f"kind: roster\n{BOMB}\ndefaults: {{group: *a8}}\n")
    with pytest.raises(InputError, match=r"roster.yaml.*anchors and aliases") as err:
        load_description(p)
    assert isinstance(err.value, NetlabError)


def test_messages_quote_at_most_a_few_characters():
    assert len(yamlfile.shorten("x" * 1_000_000)) < 120
    nested: list = ["lol"] * 9
    for _ in range(8):
        nested = [nested] * 9  # shared, as an alias bomb builds it: 9**9 strings
    assert len(yamlfile.shorten(nested)) <= yamlfile.QUOTE_CHARS
    with pytest.raises(ParamsError) as err:
        from netlab.params import from_dict

        from_dict({"run": "x", "raw_dir": nested, "schools": "y" * 100_000})
    assert len(str(err.value)) < 1000


def test_an_alias_bomb_is_refused_within_a_second_and_200_mb(tmp_path):
    """In a fresh process: the refusal's time and how far it raised the process's peak memory."""
    p = tmp_path / "bomb.yaml"
    p.write_text(f"run: x\n{BOMB}\nraw_dir: *a8\n")
    probe = textwrap.dedent(
        f"""
        import json, resource, time, tracemalloc
        from netlab.exceptions import ParamsError
        from netlab.params import load_params
        before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        start = time.perf_counter()
        try:
            load_params({str(p)!r})
            refused = False
        except ParamsError:
            refused = True
        took = time.perf_counter() - start
        traced = tracemalloc.get_traced_memory()[1]
        grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb
        mb = max(traced / 2**20, grown_kb / 1024)
        print(json.dumps({{"refused": refused, "took": took, "peak_mb": mb}}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["refused"]
    assert seen["took"] < 1.0
    assert seen["peak_mb"] < 200
