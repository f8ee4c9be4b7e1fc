"""ruxlib: the tested helper library behind ruxbook.

A literate, executable reproduction of Neubauer et al., Leukemia 35:2917-2923
(2021), ruxolitinib in mechanically ventilated COVID-19 ARDS (NCT04359290).
"""

__version__ = "0.1.0"
