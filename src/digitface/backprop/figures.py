"""The backprop-cost figure: time against width K (log-log) and depth N (semi-log)."""

from __future__ import annotations


from ..plotting import plt

COLORS = {"paths": "tab:red", "finite differences": "tab:orange", "backprop": "tab:blue"}


def cost_figure(rows: list[dict], fits: list[dict]) -> "plt.Figure":
    fig, (ax_k, ax_n) = plt.subplots(1, 2, figsize=(12, 4.6))
    for method, color in COLORS.items():
        k_rows = [r for r in rows if r["method"] == method and r["vary"] == "K"]
        n_rows = [r for r in rows if r["method"] == method and r["vary"] == "N"]
        fk = next(f for f in fits if f["method"] == method and "K^a" in f["fit"])
        fn = next(f for f in fits if f["method"] == method and "K^a" not in f["fit"])
        ax_k.loglog([r["width"] for r in k_rows], [r["seconds"] for r in k_rows], "o-", color=color,
                    label=f"{method} (N={k_rows[0]['n_layers']}): slope {fk['measured']:.2f}, predicted {fk['predicted']:.0f}")
        ax_n.semilogy([r["n_layers"] for r in n_rows], [r["seconds"] for r in n_rows], "o-", color=color,
                      label=f"{method} (K={n_rows[0]['width']}): {fn['fit'].split(' at')[0]}, "
                            f"fit {fn['measured']:.2f}, predicted {fn['predicted']:.2f}")
    ax_k.set_xlabel("units per layer K")
    ax_n.set_xlabel("layers N (input and output included)")
    for ax in (ax_k, ax_n):
        ax.set_ylabel("seconds for the whole gradient (one example)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    ax_n.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle("Gradient of every weight: chain-rule paths per weight vs finite differences vs backpropagation")
    fig.tight_layout()
    return fig
