"""The simulation, bottom up: world, households, settlements and firms, state, policy, processes, metrics.

``simulation.RegionalModel`` (a Mesa model) builds them and runs the yearly schedule.
"""
