"""The benchmark (性能基准): ``lianban bench`` measures the platform beside the floors of its machine.

Servers are started the way a deployment starts them (``lianban migrate``, ``lianban serve``,
``lianban worker``, the department simulators as their own processes); the load generator runs
in its own process; every figure is measured beside its floor in the same run.
"""
