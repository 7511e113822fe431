"""The model as layers: one module a population.

Countries, operators, vendors, devices and enterprises (docs/architecture.md).
"""
