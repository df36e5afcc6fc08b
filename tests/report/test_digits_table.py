import json

from digitface.atomic import read_tsv
from digitface.report.digits_table import HEADER, summarize_digits, summary_rows


def _run(model, train_acc, test_acc):
    return {
        "chosen_iteration": 40,
        "settings": {"iterations": 100},
        "model": model,
        "at_chosen": {"validation": {"accuracy": 0.9}},
        "final": {"train": {"accuracy": train_acc}, "test": {"accuracy": test_acc}},
    }


def test_rows_put_ours_beside_the_reference_with_standard_errors():
    split = {"sample": False, "source": "idx_dir", "counts": {"train": 50000, "val": 10000, "test": 10000}}
    gradcheck = {"coordinates": 30, "max_rel_error": 3e-9, "passed": True}
    runs = {"gd": _run("refit on train + validation", 0.93, 0.9257), "momentum": _run("selection run", 0.94, 0.9167)}
    rows = [dict(zip(HEADER, r)) for r in summary_rows(split, gradcheck, runs)]
    assert all(len(r) == len(HEADER) for r in rows)
    gd_train = next(r for r in rows if r["experiment"].startswith("softmax gd") and r["split"] == "train")
    assert "refit" in gd_train["experiment"] and gd_train["reference"] == "93.24%"
    assert gd_train["difference"].startswith("-0.24 pts") and "n = 60000" in gd_train["difference"]
    mom_test = next(r for r in rows if r["experiment"].startswith("softmax momentum") and r["split"] == "test")
    assert mom_test["ours"] == "91.67%" and mom_test["difference"].startswith("-1.00 pts (1 SE = 0.28 pts")
    assert rows[-1]["data"] == "PASS" and rows[-1]["ours"] == "3.00e-09"


def test_reference_protocol_rows_follow_the_selected_ones():
    split = {"sample": False, "source": "idx_dir", "counts": {"train": 50000, "val": 10000, "test": 10000}}
    gradcheck = {"coordinates": 30, "max_rel_error": 3e-9, "passed": True}
    runs = {"gd": _run("refit on train + validation", 0.93, 0.9257)}
    fixed = {
        "momentum": {
            "settings": {"iterations": 6000},
            "final": {"train": {"accuracy": 0.9395}, "test": {"accuracy": 0.9265}},
        }
    }
    rows = [dict(zip(HEADER, r)) for r in summary_rows(split, gradcheck, runs, fixed=fixed)]
    protocol = [r for r in rows if "reference protocol" in r["experiment"]]
    assert [r["split"] for r in protocol] == ["train", "test"]
    assert "6000 iterations" in protocol[0]["experiment"] and "nothing selected" in protocol[0]["experiment"]
    assert protocol[0]["reference"] == "" and "n = 60000" not in protocol[0]["difference"]
    assert protocol[1]["reference"] == "92.67%" and protocol[1]["difference"].startswith("-0.02 pts")
    assert rows.index(protocol[0]) < [r["experiment"] for r in rows].index(rows[-1]["experiment"])


def test_the_summary_job_adds_the_optional_results_the_run_made(tmp_path):
    results = {
        "split": {"sample": True, "source": "sample", "counts": {"train": 7960, "val": 40, "test": 2000}},
        "gradcheck": {"coordinates": 30, "max_rel_error": 3e-9, "passed": True},
        "gd": _run("selection run", 0.93, 0.92),
        "momentum": _run("selection run", 0.94, 0.91),
        "fixed_momentum": {
            "settings": {"iterations": 6000},
            "final": {"train": {"accuracy": 0.95}, "test": {"accuracy": 0.93}},
        },
        "snapshot": {"accuracy": {"train": 0.44, "validation": 0.45, "test": 0.442}},
    }
    files = {}
    for name, content in results.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(content))
    required = {k: files[k] for k in ("split", "gradcheck", "gd", "momentum")}
    plain = summarize_digits(required, tmp_path / "plain.tsv")
    assert len(plain) == 2 * 3 + 1 and not any("reference protocol" in r[0] or "snapshot" in r[0] for r in plain)
    every = summarize_digits(files, tmp_path / "every.tsv")
    assert [r[0] for r in every if "reference protocol" in r[0]] == [
        "softmax momentum, reference protocol (6000 iterations on train + validation, nothing selected)"
    ] * 2
    assert [(r[2], r[3]) for r in every if r[0].startswith("snapshot50.pkl")] == [
        ("train", "44.00%"),
        ("validation", "45.00%"),
        ("test", "44.20%"),
    ]
    assert [list(r.values()) for r in read_tsv(tmp_path / "every.tsv")] == [[str(v) for v in r] for r in every]
