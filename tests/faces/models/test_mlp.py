"""The face MLP: learning, determinism, the epoch kept on validation, early stopping, bounded
evaluation, chunked inputs, seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from digitface.faces.data.rows import Rows
from digitface.faces.models.mlp import choose_epoch, train_mlp
from digitface.faces.models.mlp_data import curve_sample, epoch_batches, input_statistics
from digitface.faces.models.mlp_network import MLP, initial_state, load_state, predict, save_state
from digitface.faces.models.mlp_result import MLPSettings
from digitface.faces.models.model_figures import learning_curve_figure
from digitface.plotting import save_figure
from testkit.faces import set_indices
from testkit.workflow import REPO

FAST = MLPSettings(hidden=32, learning_rate=3e-3, batch_size=20, epochs=15, patience=15, threads=1)


def blobs(n, C=3, D=48, sep=1.0, seed=0, label_noise=0.0):
    """Gaussian blobs around fixed class centres; ``label_noise`` relabels that share at random."""
    rng = np.random.default_rng(seed)
    centers = np.random.default_rng(12345).normal(0, 3 * sep, (C, D)) / np.sqrt(D) * 3
    y = rng.integers(0, C, n)
    x = (centers[y] + rng.normal(0, 1, (n, D))).astype(np.float32)
    if label_noise:
        y = np.where(rng.random(n) < label_noise, rng.integers(0, C, n), y)
    return x, y


@pytest.fixture(scope="module")
def toy():
    return {"train": blobs(150, seed=1), "validation": blobs(60, seed=2), "test": blobs(60, seed=3)}


def _splits(data):
    return {"validation": data["validation"], "test": data["test"]}


def _rows(result, split):
    return [r for r in result.history if r["split"] == split]


def test_learns_a_separable_problem_and_loss_decreases(toy):
    result = train_mlp(*toy["train"], _splits(toy), FAST, seed=0)
    train = _rows(result, "train")
    assert [r["epoch"] for r in train] == list(range(16))  # before training, then every epoch
    assert train[-1]["loss"] < 0.2 * train[0]["loss"]
    assert train[0]["accuracy"] < 0.8
    assert result.last["train"]["accuracy"] >= 0.98
    assert result.metrics["validation"]["accuracy"] >= 0.95
    assert result.metrics["test"]["accuracy"] >= 0.9
    assert result.device == "cpu" and all(t.device.type == "cpu" for t in result.state_dict.values())
    assert result.state_dict["hidden.weight"].shape == (32, 48)


def test_pixels_are_scaled_to_minus_one_one():
    x = np.array([[[[0, 255, 51]]]], dtype=np.uint8)
    np.testing.assert_allclose(Rows(x).take(np.array([0])), [[-1.0, 1.0, 51 / 127.5 - 1]], rtol=1e-6)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (90, 6, 6, 3), dtype=np.uint8)
    y = (imgs[:, :3].mean(axis=(1, 2, 3)) > imgs[:, 3:].mean(axis=(1, 2, 3))).astype(int)
    result = train_mlp(imgs[:60], y[:60], {"validation": (imgs[60:], y[60:])}, FAST, seed=0)
    assert result.state_dict["hidden.weight"].shape[1] == 6 * 6 * 3


def test_same_seed_same_run_other_seed_other_run(toy):
    a = train_mlp(*toy["train"], _splits(toy), FAST, seed=5)
    b = train_mlp(*toy["train"], _splits(toy), FAST, seed=5)
    c = train_mlp(*toy["train"], _splits(toy), FAST, seed=6)
    assert a.history == b.history and a.chosen_epoch == b.chosen_epoch
    assert all(torch.equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert not torch.equal(a.state_dict["hidden.weight"], c.state_dict["hidden.weight"])


def test_global_rng_and_flags_are_left_alone(toy):
    state, det = torch.get_rng_state(), torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    train_mlp(*toy["train"], _splits(toy), FAST, seed=0)
    assert torch.equal(state, torch.get_rng_state())
    assert torch.are_deterministic_algorithms_enabled() == det and torch.get_num_threads() == threads


def test_minibatches_cover_each_epoch_without_replacement():
    g = torch.Generator().manual_seed(0)
    first, second = epoch_batches(45, 20, g), epoch_batches(45, 20, g)
    assert [len(b) for b in first] == [20, 20, 5]
    for epoch in (first, second):
        assert sorted(np.concatenate(epoch).tolist()) == list(range(45))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))


def test_choose_epoch_rule():
    h = [
        {"epoch": i, "split": "validation", "accuracy": a, "loss": loss}
        for i, a, loss in [(0, 0.5, 1.0), (1, 0.8, 0.6), (2, 0.8, 0.5), (3, 0.8, 0.5), (4, 0.7, 0.1)]
    ]
    h += [{"epoch": 4, "split": "train", "accuracy": 1.0, "loss": 0.0}]
    assert choose_epoch(h) == 2  # best accuracy; tie -> lower loss; then earlier; train ignored


def _noisy():
    """Noisy training labels: the network memorises them and validation accuracy falls later on."""
    x, y = blobs(120, seed=1, sep=0.17, label_noise=0.5)
    return x, y, {"validation": blobs(60, seed=2, sep=0.17), "test": blobs(60, seed=3, sep=0.17)}


def test_keeps_the_validation_best_state_not_the_last(tmp_path):
    x, y, data = _noisy()
    settings = MLPSettings(hidden=64, learning_rate=3e-3, epochs=40, patience=40, threads=1)
    result = train_mlp(x, y, data, settings, seed=0)
    val = {r["epoch"]: r for r in _rows(result, "validation")}
    assert result.epochs_run == 40 and sorted(val) == list(range(41))
    assert result.chosen_epoch == choose_epoch(result.history)
    assert result.chosen_epoch < 40 and not result.still_improving
    assert result.last["validation"]["accuracy"] < val[result.chosen_epoch]["accuracy"]
    assert max(r["accuracy"] for r in val.values()) == result.metrics["validation"]["accuracy"]
    # the returned weights are those of the kept epoch: they reproduce its numbers, also
    # after a save and load
    save_state(tmp_path / "w.pt", result.state_dict)
    model = MLP.from_state_dict(load_state(tmp_path / "w.pt"))
    assert json.loads(json.dumps(result.summary()))["chosen_epoch"] == result.chosen_epoch
    for split, (xs, ys) in {"train": (x, y), **data}.items():
        acc = float(np.mean(predict(model, xs).argmax(1) == ys))
        assert acc == result.metrics[split]["accuracy"]


def test_early_stopping_ends_a_run_patience_epochs_after_its_best():
    x, y, data = _noisy()
    full = train_mlp(x, y, data, MLPSettings(hidden=64, learning_rate=3e-3, epochs=40, patience=40, threads=1), seed=0)
    early = train_mlp(x, y, data, MLPSettings(hidden=64, learning_rate=3e-3, epochs=40, patience=3, threads=1), seed=0)
    # The same run up to where it stops: 3 epochs without beating its best.
    assert early.epochs_run < 40
    assert early.epochs_run - early.chosen_epoch == 3
    assert early.history == [r for r in full.history if r["epoch"] <= early.epochs_run]
    best_so_far = choose_epoch([r for r in full.history if r["epoch"] <= early.epochs_run])
    assert early.chosen_epoch == best_so_far and not early.still_improving


def test_a_run_that_keeps_its_last_epoch_says_it_was_still_improving(toy, caplog):
    settings = MLPSettings(hidden=32, learning_rate=3e-4, epochs=2, patience=10, threads=1)
    with caplog.at_level("WARNING", logger="digitface.faces.models.mlp"):
        result = train_mlp(*toy["train"], _splits(toy), settings, seed=0)
    assert result.chosen_epoch == result.epochs_run == 2 and result.still_improving
    assert result.summary()["still_improving"] is True
    assert "still improving" in caplog.text


def test_evaluation_is_bounded_a_curve_sample_every_epoch_the_whole_sets_once(toy):
    """Every epoch: the whole validation set and a fixed sample of training faces; the whole
    training set and the test set only at the kept epoch."""
    x, y = toy["train"]
    settings = MLPSettings(hidden=32, learning_rate=3e-3, epochs=6, patience=6, curve_faces=50, threads=1)
    result = train_mlp(x, y, _splits(toy), settings, seed=0)
    assert {r["split"] for r in result.history} == {"train", "validation"}  # no test curve
    assert result.curve_faces == 50
    sample = curve_sample(len(x), 50)
    assert len(sample) == 50 and np.array_equal(sample, np.unique(sample))
    assert np.array_equal(sample, curve_sample(len(x), 50))  # the same faces for every seed
    model = result.model()
    kept_curve = next(r for r in result.history if r["split"] == "train" and r["epoch"] == result.chosen_epoch)
    assert kept_curve["accuracy"] == float(np.mean(predict(model, x[sample]).argmax(1) == y[sample]))
    assert result.metrics["train"]["accuracy"] == float(np.mean(predict(model, x).argmax(1) == y))
    assert set(result.seconds) == {"total", "training", "evaluation"}
    assert 0 < result.seconds["evaluation"] < result.seconds["total"]


def test_chunked_memmaps_give_the_same_run_as_one_array(tmp_path, toy):
    x, y = toy["train"]
    bounds = [0, 37, 87, 100, 150]  # uneven chunks, minibatches straddle their borders
    for dtype in (np.float32, np.float16):
        paths = []
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            paths.append(tmp_path / f"{dtype.__name__}_{k}.npy")
            np.save(paths[-1], x[a:b].astype(dtype))
        chunks = [np.load(p, mmap_mode="r") for p in paths]
        assert all(isinstance(c, np.memmap) for c in chunks)
        xv, yv = toy["validation"]
        np.save(tmp_path / "val.npy", xv.astype(dtype))
        val_chunks = [np.load(tmp_path / "val.npy", mmap_mode="r")]

        idx = np.array([149, 0, 36, 37, 99, 100, 5])
        np.testing.assert_array_equal(Rows(chunks).take(idx), x.astype(dtype).astype(np.float32)[idx])
        np.testing.assert_array_equal(Rows(chunks).range(30, 120), x.astype(dtype).astype(np.float32)[30:120])

        split = {"validation": (val_chunks, yv), "test": toy["test"]}
        chunked = train_mlp(chunks, y, split, FAST, seed=2)
        whole = train_mlp(x.astype(dtype), y, {"validation": (xv.astype(dtype), yv), "test": toy["test"]}, FAST, seed=2)
        assert chunked.history == whole.history
        assert all(torch.equal(chunked.state_dict[k], whole.state_dict[k]) for k in whole.state_dict)


def test_rejects_bad_inputs(toy):
    x, y = toy["train"]
    with pytest.raises(ValueError, match="validation"):
        train_mlp(x, y, {"test": toy["test"]}, FAST)
    with pytest.raises(ValueError, match="labels"):
        train_mlp(x, y[:-1], _splits(toy), FAST)
    with pytest.raises(ValueError, match="features"):
        Rows([x[:10], x[:10, :5]])


def test_multi_seed_summary_and_band(toy, tmp_path):
    from digitface.faces.models.seeds import history_band, summarize_runs

    settings = MLPSettings(hidden=16, learning_rate=3e-3, epochs=5, patience=2, threads=1)
    results = [train_mlp(*toy["train"], _splits(toy), settings, seed=s) for s in range(5)]
    summary = summarize_runs([json.loads(json.dumps(r.summary())) for r in results])  # as the jobs write it
    assert summary["seeds"] == [0, 1, 2, 3, 4]
    assert summary["max_epochs"] == 5
    assert summary["chosen_epoch"]["values"] == [r.chosen_epoch for r in results]
    assert summary["still_improving"] == [r.seed for r in results if r.still_improving]
    for split in ("train", "validation", "test"):
        for metric in ("accuracy", "loss"):
            v = np.array([r.metrics[split][metric] for r in results])
            assert summary[split][metric]["mean"] == pytest.approx(v.mean())
            assert summary[split][metric]["sd"] == pytest.approx(v.std(ddof=1))
            assert summary[split][metric]["n"] == 5
    band = history_band([r.history for r in results])
    row = next(r for r in band if r["epoch"] == 2 and r["split"] == "validation")
    v = [next(h["accuracy"] for h in r.history if h["epoch"] == 2 and h["split"] == "validation") for r in results]
    assert row["mean"] == pytest.approx(np.mean(v)) and row["sd"] == pytest.approx(np.std(v, ddof=1))
    with pytest.raises(ValueError, match="two seeds"):
        summarize_runs([results[0].summary()])

    fig = learning_curve_figure(
        results[0].history,
        results[0].chosen_epoch,
        band=band,
        title="toy",
        note="synthetic blobs",
        test=results[0].metrics["test"]["accuracy"],
    )
    ax = fig.axes[0]
    assert len(ax.lines) == 4  # two curves, the kept-epoch marker and the test point there
    assert len(ax.collections) == 2  # one band per curve
    save_figure(fig, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 0


def test_the_curves_show_the_seed_whose_kept_epoch_is_the_median():
    """An odd count: the middle one; ties by position (the later of equal epochs sits higher);
    an even count: the upper of the two middle ones."""
    from digitface.faces.models.seeds import median_run

    assert median_run([{"chosen_epoch": e} for e in (7, 3, 9, 5, 4)]) == 3  # 3, 4, [5], 7, 9
    assert median_run([{"chosen_epoch": e} for e in (7, 3, 9, 5, 5)]) == 4  # 3, 5 (run 3), [5 (run 4)], 7, 9
    assert median_run([{"chosen_epoch": e} for e in (7, 3, 9, 5)]) == 0  # 3, 5, [7], 9
    assert median_run([{"chosen_epoch": 12}, {"chosen_epoch": 2}]) == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_trains_on_cuda_when_present(toy):
    result = train_mlp(*toy["train"], _splits(toy), FAST, seed=0)
    assert result.device.startswith("cuda")
    assert all(t.device.type == "cpu" for t in result.state_dict.values())
    assert result.metrics["validation"]["accuracy"] >= 0.95


SAMPLE = REPO / "data" / "synthetic_faces"


@pytest.mark.skipif(not (SAMPLE / "synthetic_faces.txt").exists(), reason="needs data/synthetic_faces")
def test_synthetic_sample_split_train_and_explain(tmp_path):
    """The committed synthetic sample (6 identities x 60), cropped with Pillow at 32x32:
    split -> MLP -> hidden units -> figures, end to end."""
    from PIL import Image

    from digitface.faces.data import split as sp
    from digitface.faces.models import hidden_units as hu
    from digitface.faces.models.model_figures import hidden_units_figure

    actors, ids, shas, crops = [], [], [], []
    for line in (SAMPLE / "synthetic_faces.txt").read_text().splitlines():
        name, image_id, _, url, box, sha = line.split("\t")
        with Image.open(SAMPLE / url) as im:
            face = im.convert("RGB").crop(tuple(int(v) for v in box.split(",")))
            crops.append(np.asarray(face.resize((32, 32), Image.Resampling.LANCZOS)))
        actors.append(name), ids.append(int(image_id)), shas.append(sha)
    crops = np.stack(crops)
    rows = sp.split_table(actors, ids, shas, crops, seed=0)
    names = sorted(set(actors))
    labels = np.array([names.index(a) for a in actors])
    ix = {s: set_indices(rows, s) for s in sp.SETS}
    assert [len(ix[s]) for s in sp.SETS] == [6 * 30, 6 * 10, 6 * 20]
    settings = MLPSettings(hidden=32, learning_rate=1e-3, epochs=12, patience=12, threads=1)
    result = train_mlp(
        crops[ix["train"]],
        labels[ix["train"]],
        {s: (crops[ix[s]], labels[ix[s]]) for s in ("validation", "test")},
        settings,
        seed=0,
    )
    # chance is 1/6
    assert result.metrics["validation"]["accuracy"] >= 0.6 and result.metrics["test"]["accuracy"] >= 0.6

    image = crops[ix["test"][0]]
    actor = int(labels[ix["test"][0]])
    top = hu.top_units(result.state_dict, image, actor, k=5)
    assert top and all(u.contribution > 0 for u in top)
    # What the units learned: their weights minus the initial ones, drawn again from the seed.
    initial = initial_state(0, 32 * 32 * 3, 32, 6)
    first = train_mlp(
        crops[ix["train"]],
        labels[ix["train"]],
        {"validation": (crops[ix["validation"]], labels[ix["validation"]])},
        MLPSettings(hidden=32, epochs=1, learning_rate=0.0, threads=1),
        seed=0,
    )
    assert all(torch.equal(first.state_dict[k], initial[k]) for k in initial)  # lr 0: still the start
    changes = hu.learned_change(result.state_dict, initial, top)
    train_faces = crops[ix["train"]]
    assert np.median(hu.span_fraction(changes, train_faces)) > 0.5  # made of faces, not noise
    drivers = hu.driving_images(result.state_dict, train_faces, top)
    fig = hidden_units_figure(
        image, top, [hu.weight_picture(c) for c in changes], [train_faces[i] for i in drivers], names[actor]
    )
    save_figure(fig, tmp_path / "units.png")


def test_standardized_inputs_make_training_blind_to_each_features_scale(toy, tmp_path):
    """Features that differ only by a per-feature scale and shift (as random-weight AlexNet
    activations do, by orders of magnitude) train to the same network once standardized, and
    the statistics travel with the saved weights: the model takes raw inputs."""
    settings = MLPSettings(**{**FAST.__dict__, "standardize": True})
    scale = np.geomspace(1e-3, 1e2, toy["train"][0].shape[1]).astype(np.float32)

    def rescaled(split):
        x, y = toy[split]
        return x * scale + 7.0, y

    plain = train_mlp(*toy["train"], _splits(toy), settings, seed=0)
    scaled = train_mlp(
        *rescaled("train"), {"validation": rescaled("validation"), "test": rescaled("test")}, settings, seed=0
    )
    assert plain.chosen_epoch == scaled.chosen_epoch
    for split in ("train", "validation", "test"):
        assert scaled.metrics[split]["accuracy"] == pytest.approx(plain.metrics[split]["accuracy"], abs=0.02)
    np.testing.assert_allclose(
        scaled.state_dict["input_scale"].numpy() * scale, plain.state_dict["input_scale"].numpy(), rtol=1e-3
    )

    save_state(tmp_path / "model.pt", scaled.state_dict)
    model = MLP.from_state_dict(load_state(tmp_path / "model.pt"))
    x_test, y_test = rescaled("test")
    accuracy = float((predict(model, x_test).argmax(1) == y_test).mean())
    assert accuracy == pytest.approx(scaled.metrics["test"]["accuracy"])


def test_raw_features_a_thousandth_of_the_pixels_scale_learn_far_slower_than_standardized_ones(toy):
    """What standardization is for: activations as small as random AlexNet's barely move the
    hidden layer, so after the same epochs the raw network is far behind."""
    short = {**FAST.__dict__, "epochs": 3, "patience": 3, "standardize": False}
    tiny = {k: (x * 1e-3, y) for k, (x, y) in toy.items()}
    raw = train_mlp(*tiny["train"], _splits(tiny), MLPSettings(**short), seed=0)
    standardized = train_mlp(*tiny["train"], _splits(tiny), MLPSettings(**{**short, "standardize": True}), seed=0)
    assert "input_mean" not in raw.state_dict
    assert standardized.metrics["validation"]["loss"] < 0.5 * raw.metrics["validation"]["loss"]


def test_input_statistics_ignore_features_constant_on_the_training_set():
    x = np.random.default_rng(0).normal(3.0, 2.0, (500, 4)).astype(np.float32)
    x[:, 2] = 5.0
    mean, scale = input_statistics(Rows(x), batch_size=64)
    np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(scale[[0, 1, 3]], 1 / x[:, [0, 1, 3]].std(0), rtol=1e-4)
    assert scale[2] == 0.0
