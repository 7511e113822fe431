"""The model as layers: one module a population (countries, operators, vendors, devices,
enterprises).
"""
