"""The DAG is per batch of actors, never per image: a FaceScrub-size list plans as 2 jobs per
actor, or per ``actors_per_job`` actors."""

from digitface.faces.data.lists import read_list
from testkit.scale import scale_list_names, scale_list_text
from testkit.workflow import copy_workflow, snakemake, write_config


def test_facescrub_size_list_plans_per_actor(tmp_path):
    workdir = copy_workflow(tmp_path)
    lst = workdir / "facescrub_size.txt"
    lst.write_text(scale_list_text(identities=530, rows=107_000))
    rows, rejects = read_list(lst)
    assert len(rows) == 107_000 and not rejects and len({r.name for r in rows}) == 530
    config = write_config(
        workdir / "scale.yaml",
        {
            # This test plans 107,000 rows and makes none of their faces: no disk check.
            "faces": {
                "lists": [{"name": "facescrub", "path": str(lst)}],
                "actors": scale_list_names(530),
                "disk_face_share": 0,
            },
            "face_models": {"hidden_units": {"actors": [{"actor": name} for name in scale_list_names(2)]}},
        },
    )
    # The lists are read once by a checkpoint (a second or two); then the DAG is known.
    snakemake(workdir, "--configfile", str(config), "--until", "index_face_lists")

    def planned(*override: str) -> dict[str, int]:
        proc = snakemake(workdir, "faces_data", "-n", "--quiet", "rules", "--configfile", str(config), *override)
        counts = {}
        for line in proc.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                counts[parts[0]] = int(parts[1])
        return counts

    counts = planned()
    assert counts["download_batch"] == 530 and counts["crop_batch"] == 530
    # + summarize_faces_data, its HTML copy (render_table), the target (the index has run)
    assert counts["total"] == 530 * 2 + 3
    # Ten actors per job: 53 download and 53 crop jobs; the lists need not be read again.
    counts = planned("--config", "faces={actors_per_job: 10}")
    assert counts["download_batch"] == 53 and counts["crop_batch"] == 53 and counts["total"] == 53 * 2 + 3
