"""Example workflows: every task option autoc serializes, usable by autoc and (through a test shim) pyflyte."""
