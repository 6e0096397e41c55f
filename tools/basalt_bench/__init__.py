"""Basalt's benchmark suite (issue #7): workloads, contenders, measurement, comparison, reports.

``tools/bench`` is the command (:mod:`.cli`); this package holds its logic, one job per module:

* :mod:`.workloads` — synthetic lakes made by ``basalt data synth``, cached by their parameters;
* :mod:`.cases` — what each case computes (the Basalt pipeline and the output keys);
* :mod:`.contenders` — one module per contender, each run in a fresh process by :mod:`.run`;
* :mod:`.run` — the entry point of a contender's process;
* :mod:`.harness` — contenders taking turns, outputs checked;
* :mod:`.measure` — wall time, CPU time and peak RSS of a child process tree;
* :mod:`.compare` — every contender's output against Basalt's;
* :mod:`.report` — Markdown table and JSON;
* :mod:`.scaling` — time and memory vs listings and days, with a PNG chart.
"""
