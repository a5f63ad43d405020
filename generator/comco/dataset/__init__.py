"""The dataset model: one place that knows a rendered dataset folder (`folder`), its
provenance record (`info`), and how to read any copy of the data (a rendered folder, an
export, a hub copy, the original ComCO release) as the same records (`copies`)."""
