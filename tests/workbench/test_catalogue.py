"""The shipped catalogue loads, is complete, and every figure carries a source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.catalogue import TIER_IDS, load_catalogue
from workbench.errors import CatalogueError
from workbench.loading import data_dir


def test_catalogue_has_the_tables_the_issue_asks_for() -> None:
    cat = load_catalogue()
    assert [t.id for t in cat.tiers_in_order()] == list(TIER_IDS)
    assert len(cat.hardware) >= 10
    assert len(cat.models) >= 8
    assert len(cat.links) >= 8
    assert len(cat.data_sources) >= 5
    assert {"phi", "pii", "public"} <= set(cat.data_classes)


def test_catalogue_spans_microcontroller_to_h100_and_tinyml_to_70b() -> None:
    cat = load_catalogue()
    assert min(h.memory_bytes for h in cat.hardware.values()) < 2e6  # an MCU
    assert cat.hardware["h100_node"].servers == 8
    assert cat.models["tinyml_anomaly_ae"].size_bytes() == 270e3
    assert cat.models["llama3_70b"].params == pytest.approx(70.6e9)
    assert {"lorawan_sf9", "transcontinental", "geo_satellite"} <= set(cat.links)


def test_tiers_carry_their_networking_analogue_and_premises() -> None:
    cat = load_catalogue()
    assert "access" in cat.tiers["far_edge"].networking_analogue
    assert [t.on_premises for t in cat.tiers_in_order()] == [True, True, True, False, False]
    assert all(hw in cat.hardware for t in cat.tiers.values() for hw in t.typical_hardware)


def test_every_figure_is_sourced_and_cites_known_references() -> None:
    cat = load_catalogue()
    tables = [cat.tiers, cat.hardware, cat.models, cat.links, cat.data_sources, cat.data_classes]
    for table in tables:
        for entry in table.values():
            set_fields = entry.model_dump(by_alias=True, exclude_none=True)
            for figure in entry.FIGURES:
                if figure in set_fields:
                    assert figure in entry.sources, f"{entry.id}.{figure} has no source"


def test_effective_throughput_reproduces_the_measured_latencies() -> None:
    """Service time = work / effective throughput gives back the MLPerf figures it came from."""
    cat = load_catalogue()
    ae, resnet = cat.models["tinyml_anomaly_ae"], cat.models["resnet50"]
    stm32 = cat.hardware["stm32h7a3"]
    orin = cat.hardware["jetson_agx_orin_64gb"]
    assert ae.ops_per_inference / stm32.effective_ops_per_s == pytest.approx(1.83e-3, rel=0.02)
    assert resnet.ops_per_inference / orin.effective_ops_per_s == pytest.approx(0.633e-3, rel=0.02)


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(data_dir() / "catalogue", target)
    return target


def test_a_figure_without_source_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "hardware.yaml"
    text = path.read_text()
    text = text.replace('      power: "[R3]', '      powr: "[R3]', 1)
    path.write_text(text)
    with pytest.raises(CatalogueError, match=r"stm32h7a3.sources: figure 'power' has no source"):
        load_catalogue(catalogue_copy)


def test_an_unknown_reference_tag_is_rejected(catalogue_copy: Path) -> None:
    path = catalogue_copy / "hardware.yaml"
    path.write_text(path.read_text().replace("[R3]", "[R999]", 1))
    with pytest.raises(CatalogueError, match=r"cites R999, not in references.yaml"):
        load_catalogue(catalogue_copy)


def test_a_malformed_catalogue_unit_names_file_and_field(catalogue_copy: Path) -> None:
    path = catalogue_copy / "links.yaml"
    text = path.read_text()
    first = text.index("rtt:")
    end = text.index("\n", first)
    path.write_text(text[:first] + 'rtt: "30 parsecs"' + text[end:])
    with pytest.raises(CatalogueError, match=r"links.yaml: links\[0\].rtt: could not read"):
        load_catalogue(catalogue_copy)
