"""Hidden units that push an image towards an actor: activation x outgoing weight."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from digitface.faces.models import hidden_units as hu
from digitface.faces.models.mlp_network import MLP
from digitface.faces.models.model_figures import hidden_units_figure
from digitface.plotting import save_figure


def constructed():
    """2x2x3 inputs; unit j copies input j (j < 4); activations for IMAGE are (3, 5, 1, 2, 0, 0)."""
    model = MLP(12, 6, 2)
    with torch.no_grad():
        model.hidden.weight.zero_()
        model.hidden.bias.zero_()
        for j in range(4):
            model.hidden.weight[j, j] = 1.0
        model.hidden.weight[4, 0] = -1.0  # inactive (ReLU of -3)
        model.out.weight.copy_(
            torch.tensor(
                [
                    [1.0, -2.0, 2.5, 0.5, 9.0, 0.0],  # actor 0: unit 1 is the most active but argues against
                    [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                ]
            )
        )
        model.out.bias.copy_(torch.tensor([0.25, 0.0]))
    image = np.zeros((2, 2, 3), dtype=np.float32)
    image.ravel()[:4] = [3, 5, 1, 2]
    return model, image


def test_top_units_are_largest_activation_times_weight():
    model, image = constructed()
    contrib, act, w = hu.contributions(model, image, actor=0)
    np.testing.assert_allclose(act, [3, 5, 1, 2, 0, 0])
    np.testing.assert_allclose(contrib, [3, -10, 2.5, 1, 0, 0])
    top = hu.top_units(model, image, actor=0, k=2)
    assert [u.unit for u in top] == [0, 2]
    assert [(u.contribution, u.activation, u.weight) for u in top] == [(3.0, 3.0, 1.0), (2.5, 1.0, 2.5)]
    # unit 1 has the largest activation but a negative weight to actor 0: never selected;
    # unit 4 has the largest weight but is inactive: contributes nothing
    assert [u.unit for u in hu.top_units(model, image, actor=0, k=6)] == [0, 2, 3]
    assert [u.unit for u in hu.top_units(model, image, actor=1, k=2)] == [1]
    # the reference's rule (softmax of activations) would have picked unit 1 first
    assert hu.reference_top_units(model, image, k=2) == [1, 0]


def test_contributions_add_up_to_the_logit_on_a_random_network():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = MLP(4 * 4 * 3, 20, 3).eval()
    image = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    x = torch.from_numpy(image.reshape(1, -1).astype(np.float32) / 127.5 - 1)  # training's scaling
    with torch.no_grad():
        logits = model(x)[0].double().numpy()
    for actor in range(3):
        contrib, _, _ = hu.contributions(model.state_dict(), image, actor)
        bias = float(model.out.bias.detach()[actor])
        assert contrib.sum() + bias == pytest.approx(logits[actor], rel=1e-5, abs=1e-6)
        top = hu.top_units(model, image, actor, k=5)
        expected = np.argsort(-contrib, kind="stable")[:5]
        assert [u.unit for u in top] == [int(j) for j in expected if contrib[j] > 0]


def test_weight_picture_is_symmetric_and_in_pixel_order():
    rng = np.random.default_rng(0)
    pic = rng.uniform(-1, 1, (3, 3, 3))
    pic[1, 2, 0] = -1.0  # the largest |w|
    out = hu.weight_picture(pic.ravel() * 0.2)
    assert out.shape == (3, 3, 3)
    np.testing.assert_allclose(out, 0.5 + 0.5 * pic)
    assert out[1, 2, 0] == 0.0
    assert np.all(hu.weight_picture(np.zeros(27)) == 0.5)
    shared = hu.weight_picture(pic.ravel() * 0.2, scale=0.4)
    np.testing.assert_allclose(shared, 0.5 + 0.25 * pic)
    with pytest.raises(ValueError, match="RGB picture"):
        hu.weight_picture(np.zeros(20))


def test_learned_change_driving_faces_and_the_figure(tmp_path):
    model, image = constructed()
    top = hu.top_units(model, image, actor=0, k=3)
    initial = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    changes = hu.learned_change(model.state_dict(), initial, top)
    np.testing.assert_array_equal(changes, model.hidden.weight.detach().double().numpy()[[0, 2, 3]])
    # Units 0, 2, 3 copy input pixels 0, 2, 3: the image brightest there drives each most.
    faces = np.zeros((4, 2, 2, 3), dtype=np.float32)
    for k, pixel in enumerate((0, 2, 3)):
        faces[k + 1].ravel()[pixel] = 9.0
    assert hu.driving_images(model.state_dict(), faces, top) == [1, 2, 3]
    # read a batch at a time, the answer is the same (ties keep the earlier face)
    assert hu.driving_images(model.state_dict(), np.concatenate([faces, faces]), top, batch_size=1) == [1, 2, 3]
    pics = [hu.weight_picture(c, size=2) for c in changes]
    shown = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    fig = hidden_units_figure(shown, top, pics, [shown] * 3, "Actor Zero", explanation="why these units")
    assert sum(len(a.images) for a in fig.axes) == 1 + 2 * 3
    titles = [a.get_title() for a in fig.axes]
    assert any("unit 0" in t and "+3.00" in t for t in titles)
    save_figure(fig, tmp_path / "units.png")
    assert (tmp_path / "units.png").stat().st_size > 0
    with pytest.raises(ValueError):
        hidden_units_figure(shown, top, pics[:2], [shown] * 3, "Actor Zero")


def test_span_fraction_tells_faces_from_noise():
    """A weighted sum of the images lies wholly in their span; a random picture about n/D."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    prepared = images.reshape(20, -1).astype(np.float64) / 127.5 - 1.0
    mixture = rng.normal(size=20) @ prepared
    noise = rng.normal(size=(50, 16 * 16 * 3))
    assert hu.span_fraction(mixture, images)[0] == pytest.approx(1.0)
    assert np.mean(hu.span_fraction(noise, images)) == pytest.approx(20 / 768, abs=0.01)


def test_span_sample_is_capped_and_spread_over_the_whole_training_set():
    assert list(hu.span_sample(7, cap=10)) == list(range(7))
    sample = hu.span_sample(25_000, cap=1000)
    assert len(sample) == 1000 and sample[0] == 0 and sample[-1] == 24_999
    assert np.all(np.diff(sample) >= 24) and np.all(np.diff(sample) <= 26)


def test_the_hidden_units_job_shows_what_each_unit_learned_from_the_training_faces(tmp_path):
    """A 'trained' network whose every hidden unit moved from its seeded start by a mix of the
    training faces: the job finds the start again from the seed, so each shown change lies
    wholly in the training faces' span, while the initial weights do not; every unit's driving
    face is the training face that activates it most."""
    from digitface.faces.data.face_index import IndexRow, write_index
    from digitface.faces.models.mlp_network import initial_state, save_state
    from digitface.faces.models.model_figures import plot_hidden_units

    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (9, 2, 2, 3), dtype=np.uint8)
    np.save(tmp_path / "all_64.npy", crops)
    sets = ["train", "test", "train", "validation", "train", "train", "test", "train", "validation"]
    rows = [
        IndexRow("ann" if i < 5 else "bob", int(i >= 5), 100 + i, 200 + i, f"{i:064x}", "all", i, s)
        for i, s in enumerate(sets)
    ]
    write_index(tmp_path / "split.tsv", rows)
    train = [r for r in rows if r.set == "train"]
    prepared = torch.from_numpy(crops[[r.array_row for r in train]].reshape(len(train), -1) / 127.5 - 1).float()
    state = initial_state(7, 12, 6, 2)
    state["hidden.weight"] += torch.from_numpy(rng.normal(size=(6, len(train)))).float() @ prepared
    state["hidden.bias"] = torch.ones(6)  # every unit active
    state["out.weight"] = state["out.weight"].abs()  # and pushing towards both actors
    save_state(tmp_path / "model.pt", state)

    stats = plot_hidden_units(
        tmp_path / "split.tsv",
        ["all"],
        [tmp_path / "all_64.npy"],
        tmp_path / "model.pt",
        "ann",
        "Ann",
        201,
        4,
        7,
        "a test",
        tmp_path / "units.png",
        tmp_path / "units.json",
    )
    assert (stats["actor"], stats["image_id"], stats["set"]) == ("Ann", 201, "test")
    assert (stats["training_faces"], stats["span_faces"], stats["pixels"]) == (5, 5, 12)
    assert [u["unit"] for u in stats["units"]] == [u.unit for u in hu.top_units(state, crops[1], 0, k=4)]
    for unit in stats["units"]:
        assert unit["learned_span_fraction"] == pytest.approx(1.0) and unit["initial_span_fraction"] < 0.99
        with torch.no_grad():
            activations = MLP.from_state_dict(state).hidden_activations(prepared)[:, unit["unit"]]
        assert unit["driving_face_id"] == train[int(activations.argmax())].face_id
    assert json.loads((tmp_path / "units.json").read_text()) == stats
    assert (tmp_path / "units.png").read_bytes().startswith(b"\x89PNG")


def test_the_hidden_units_explanation_says_how_many_faces_the_span_is_measured_on():
    from digitface.faces.models.model_figures import hidden_units_explanation

    evidence = hu.UnitEvidence([], np.zeros((2, 12)), [0, 1], np.array([0.9, 0.7]), np.array([0.02, 0.04]), 1000)
    text = hidden_units_explanation("Ann", evidence, 25_000)
    assert "lie 80% (median) in the span of 1000 of the 25000 training faces (evenly spread)" in text
    assert text.endswith("the initial weights 3.0%.") and "Ann's score" in text
    assert "in the span of the 1000 training faces;" in hidden_units_explanation("Ann", evidence, 1000)
