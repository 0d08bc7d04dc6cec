"""bench/open_data.py end to end on each database: it reads the plans and reports its three figures
(the figures themselves mean nothing at this size)."""

from sqlalchemy import Engine

from test_bench_scale import run_script


def test_open_data_benchmark_builds_the_files_and_times_the_cache(engine: Engine, new_plan) -> None:  # type: ignore[no-untyped-def]
    new_plan("05001")
    new_plan("11001")
    figures = run_script("open_data.py", "--url", engine.url.render_as_string(hide_password=False), "--repeat", "2")
    assert figures["plans"] == 2 and figures["csv_bytes"] > 0 and figures["json_bytes"] > figures["csv_bytes"]
    assert {"build_ms", "cached_ms", "not_modified_ms"} <= set(figures)
