"""Importers, one module per source; :data:`SOURCES` names them as the CLI does.

=================  ==========================================================
``baci``           CEPII BACI, HS6 bilateral trade (:mod:`.baci`)
``comtrade``       UN Comtrade bulk files, legacy and Comtrade+ (:mod:`.comtrade`)
``itpde``          USITC ITPD-E, industry trade incl. domestic (:mod:`.itpde`)
``census``         US Census trade series, HS and NAICS (:mod:`.census`)
``usitc-tariffs``  USITC annual tariff database, US MFN by HTS8 (:mod:`.usitc`)
``ustr-301``       USTR Section 301 lists on China (:mod:`.ustr301`)
``piie-tariffs``   PIIE tables of China's tariffs (:mod:`.piie`)
``icio``           OECD ICIO cubes with applied tariffs (:mod:`.cubes`)
``wiod``           WIOD cubes with applied tariffs, corrected labels (:mod:`.cubes`)
``kite``           KITE's Caliendo-Parro baseline from WIOD 2014 (:mod:`.kite`)
``ijlms``          Liberation Day inputs, 194 economies (:mod:`.ijlms`)
``sector-         eight published sets of sector trade elasticities
elasticities``     (:mod:`.elasticity_sets`)
=================  ==========================================================
"""

from __future__ import annotations

from importlib import import_module

from tariffsim.data.importers._base import ImportContext, Importer, TableSpec
from tariffsim.errors import DataError

__all__ = ["SOURCES", "get_importer", "Importer", "ImportContext", "TableSpec"]

SOURCES: dict[str, str] = {
    "baci": "baci:BaciImporter",
    "comtrade": "comtrade:ComtradeImporter",
    "itpde": "itpde:ItpdeImporter",
    "census": "census:CensusImporter",
    "usitc-tariffs": "usitc:UsitcTariffImporter",
    "ustr-301": "ustr301:Section301Importer",
    "piie-tariffs": "piie:PiieTariffImporter",
    "icio": "cubes:IcioImporter",
    "wiod": "cubes:WiodImporter",
    "kite": "kite:KiteImporter",
    "ijlms": "ijlms:IjlmsImporter",
    "sector-elasticities": "elasticity_sets:SectorElasticityImporter",
}
"""Source name → ``module:class`` of its importer."""


def get_importer(source: str) -> Importer:
    """The importer of a source by its CLI name.

    Raises
    ------
    DataError
        For unknown names, listing the known ones.
    """
    try:
        target = SOURCES[source]
    except KeyError:
        raise DataError(f"unknown source '{source}'; sources: {', '.join(SOURCES)}") from None
    module, cls = target.split(":")
    importer = getattr(import_module(f"tariffsim.data.importers.{module}"), cls)()
    assert isinstance(importer, Importer)
    return importer
