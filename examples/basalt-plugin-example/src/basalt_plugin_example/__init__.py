"""An example third-party Basalt plugin."""
